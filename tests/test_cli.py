"""The command line as editors and CI use it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from careleaf.schema import SCHEMAS, json_schema


def test_python_build_py_builds_the_site_it_is_run_in(make_site):
    """As the Quick start does: no --root, the site folder is the working folder."""
    root = make_site()
    shutil.copy(REPO / "build.py", root / "build.py")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(2):  # the second build finds everything up to date
        proc = subprocess.run([sys.executable, "build.py"], capture_output=True, text=True,
                              cwd=root, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    assert "is up to date" in proc.stdout
    assert (root / "_site/articles/gabapentin-twitching/index.html").is_file()
    check = subprocess.run([sys.executable, "-m", "careleaf", "check"], capture_output=True,
                           text=True, cwd=root, env=env)
    assert check.returncode == 0, check.stderr


def test_check_writes_nothing(make_site, cli):
    root = make_site()
    before = sorted(p for p in root.rglob("*"))
    result = cli("--root", str(root), "check")
    assert result.code == 0, result.err
    assert "(1 articles, 0 pages, 1 medicines, 1 topics)" in result.out
    assert sorted(p for p in root.rglob("*")) == before


def test_check_finds_template_errors(make_site, cli):
    root = make_site()
    page = root / "templates/page.html"
    page.write_text(page.read_text().replace("{{ page.meta.title }}", "{{ page.meta.titel }}"))
    (root / "content/pages").mkdir(parents=True)
    (root / "content/pages/about.md").write_text(
        "---\ntitle: About\ndescription: About us.\n---\n\nHello.\n")
    result = cli("--root", str(root), "check")
    assert result.code == 1
    assert "templates/page.html:4:" in result.err and "error[template-error]" in result.err


def test_template_that_drops_the_disclaimer_is_an_error(make_site, cli):
    root = make_site()
    base = root / "templates/base.html"
    base.write_text(base.read_text().replace('{% include "partials/disclaimer.html" %}', ""))
    result = cli("--root", str(root), "build", "--out", str(root / "_site"))
    assert result.code == 1 and "error[template-disclaimer-missing]" in result.err
    assert not (root / "_site").exists()


def test_new_scaffolds_a_complete_draft_and_never_overwrites(make_site, cli):
    root = make_site()
    result = cli("--root", str(root), "new", "Gabapentin and sleep", "--medicine", "gabapentin",
                 "--topic", "twitching", "--author", "a-writer")
    assert result.code == 0, result.err
    path = root / "content/articles/gabapentin-and-sleep.md"
    text = path.read_text()
    for field in SCHEMAS["article"].model_fields:
        alias = SCHEMAS["article"].model_fields[field].alias or field
        if alias != "slug":  # reviewed_by is explained, for when a clinician has checked it
            assert f"\n{alias}:" in text or f"\n# {alias}:" in text, alias
    assert "url:" not in text.replace("# url:", "")  # no address the editor did not give
    assert cli("--root", str(root), "check", "--drafts").code == 0
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    assert not (out / "articles/gabapentin-and-sleep").exists()  # a draft until editor says

    path.write_text(text + "\nMy own words.\n")
    again = cli("--root", str(root), "new", "Gabapentin and sleep", "--medicine", "gabapentin",
                "--topic", "twitching")
    assert again.code == 1 and "error[file-exists]" in again.err
    assert path.read_text().endswith("My own words.\n")


def test_new_rejects_unknown_medicine_without_suggesting_another(make_site, cli):
    root = make_site()
    result = cli("--root", str(root), "new", "X", "--medicine", "gabapentine")
    assert result.code == 1 and "no medicine record for 'gabapentine'" in result.err
    assert "did you mean" not in result.err  # a near name is a different medicine
    assert "content/medicines/gabapentine.yaml" in result.err


def test_new_without_a_topic_leaves_it_to_the_editor(make_site, cli):
    root = make_site()
    assert cli("--root", str(root), "new", "Sleep", "--medicine", "gabapentin").code == 0
    text = (root / "content/articles/sleep.md").read_text()
    assert "\ntopics: [TODO]\n" in text  # not silently the first topic
    result = cli("--root", str(root), "check", "--drafts")
    line = text.split("\n").index("topics: [TODO]") + 1
    assert result.code == 1
    assert f"content/articles/sleep.md:{line}:1: error[placeholder]: 'topics.0' is still a " \
        "placeholder" in result.err
    # a draft is not published by a normal build, so its placeholders do not fail it, nor `due`
    assert cli("--root", str(root), "build", "--quiet").code == 0
    due = cli("--root", str(root), "due")
    assert due.code == 0 and "nothing is due" in due.out


@pytest.mark.parametrize("slug", ["../../../x", "Bad Slug!", "pages/x", "x/../y", "Ünïcode"])
def test_new_refuses_a_slug_that_is_not_a_url_name(make_site, cli, slug):
    root = make_site()
    result = cli("--root", str(root), "new", "X", "--medicine", "gabapentin", "--slug", slug,
                 "--topic", "twitching")
    assert result.code == 1 and "error[slug-invalid]" in result.err
    made = {p.relative_to(root) for p in root.rglob("*.md")}
    assert made == {Path("content/articles/gabapentin-twitching.md")}
    assert not list(root.parent.glob("x*"))


def test_shipped_json_schemas_match_the_declaration():
    for name in SCHEMAS:
        shipped = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
        assert shipped == json_schema(name), f"run `careleaf schema` to refresh {name}"


def test_bundled_content_checks_clean(cli):
    """Nothing is wrong with the bundled content but that no clinician has reviewed it yet:
    site.yaml says so (unreviewed: notice), readers see it, and --strict still fails on it
    unless --allow-unreviewed says that is known."""
    result = cli("--root", str(REPO), "check", "--strict", "--allow-unreviewed")
    assert result.code == 0, result.err
    assert "0 errors," in result.out
    warnings = re.findall(r"warning\[([\w-]+)\]", result.err)
    assert warnings and set(warnings) == {"review-unreviewed"}, result.err
    strict = cli("--root", str(REPO), "check", "--strict")
    assert strict.code == 1
    assert set(re.findall(r"error\[([\w-]+)\]", strict.err)) == {"review-unreviewed"}


def test_readme_documents_every_check_code():
    from careleaf.codes import CHECKS

    readme = (REPO / "README.md").read_text()
    missing = [code for code in CHECKS if f"`{code}`" not in readme]
    assert not missing, f"document these codes in README.md: {missing}"


def test_every_code_the_engine_reports_is_registered():
    import re

    from careleaf.codes import CHECKS

    used = set()
    for path in (REPO / "careleaf").glob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'report\.(?:error|warning)\([^"]*?"([a-z]+(?:-[a-z]+)+)"',
                               text, re.S))
    assert used, "the pattern found no codes"
    assert used <= set(CHECKS), sorted(used - set(CHECKS))


def test_a_missing_template_is_reported_once_not_once_a_page(make_site, cli):
    root = make_site()
    partial = root / "templates/partials/disclaimer.html"
    partial.write_text(partial.read_text() + '{% include "partials/nope.html" %}\n')
    result = cli("--root", str(root), "build", "--quiet")
    assert result.code == 1
    missing = [line for line in result.err.splitlines() if "error[template-missing]" in line]
    assert len(missing) == 1, missing
    assert "'partials/nope.html'" in missing[0] and "hint:" in result.err


def readme_section(title: str) -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:end if end != -1 else None]


def test_readme_commands_table_names_every_command_and_option():
    """The Commands table is checked against the argument parser, so it cannot fall behind."""
    from careleaf.cli import parser

    table = [line for line in readme_section("Commands").splitlines() if line.startswith("|")]
    main = parser()
    commands = next(a for a in main._actions if a.dest == "command").choices
    for name, sub in commands.items():
        rows = [row for row in table if f"careleaf {name}" in row or
                "build/check" in row and name in {"build", "check"}]
        assert rows, f"README's Commands table has no row for `careleaf {name}`"
        for action in sub._actions:
            longest = max(action.option_strings, key=len, default=None)
            if longest and longest != "--help":
                assert any(longest in row for row in rows), \
                    f"README's Commands table does not give `careleaf {name} {longest}`"


def test_readme_sample_output_is_what_check_prints(cli):
    """Every line of the README's sample check output is printed by a fresh check."""
    section = readme_section("Checks")
    sample = section.split("```text\n", 1)[1].split("```", 1)[0].strip().splitlines()
    result = cli("--root", str(REPO), "check", "--quiet", "--no-cache")
    printed = (result.out + result.err).splitlines()
    for line in sample:
        assert line in printed, f"README's sample says {line!r}; check printed:\n" + \
            "\n".join(printed[-12:])
