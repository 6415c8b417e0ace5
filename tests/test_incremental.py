"""The build cache: a no-op rebuild does nothing, and after any sequence of edits a build
that used the cache is byte-identical to a clean build (hypothesis picks the edits)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from conftest import ARTICLE, RECORD_YAML, REPO, minimal_files, run_cli, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careleaf.build import build
from careleaf.diagnostics import Report

RECORD = RECORD_YAML.replace(
    "side_effects:\n", "side_effects:\n  - {name: Muscle jerks, frequency: common, "
    "seriousness: mild, action: doctor,\n     tags: [muscle], sources: [{id: pi, "
    "section: '6.1', checked: 2026-01-10}]}\n").replace(
    "sources:\n  - {id: smpc", "sources:\n  - {id: pi, type: label, region: UK, title: Neurontin "
    "prescribing information, publisher: Pfizer}\n  - {id: smpc")
GLOSSARY = ("author: a-writer\nreviewed_by: a-reviewer\nlast_reviewed: 2026-01-10\n"
            "next_review: 2027-01-10\nterms:\n"
            "- {term: Myoclonus, id: myoclonus, definition: Sudden jerks of a muscle.}\n")


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def new_site(parent: Path) -> Path:
    root = parent / "site"
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    files = minimal_files()
    files["content/medicines/gabapentin.yaml"] = RECORD
    files["content/glossary.yaml"] = GLOSSARY
    files["content/articles/gabapentin-twitching.md"] = (
        ARTICLE + "\nMyoclonus can happen [@label].\n\n:: side-effects gabapentin\n")
    # a second medicine on the same topic, so there is a comparison page built from both
    files["content/medicines/pregabalin.yaml"] = RECORD.replace("Gabapentin", "Pregabalin")
    files["content/articles/pregabalin.md"] = ARTICLE.replace(
        "medicines: [gabapentin]", "medicines: [pregabalin]").replace(
        "title: Gabapentin and twitching", "title: Pregabalin and twitching")
    write_files(root, files)
    return root


def edit_article(root: Path, n: int) -> None:
    path = root / "content/articles/gabapentin-twitching.md"
    path.write_text(path.read_text() + f"\nA new paragraph {n} [@label].\n")


def add_article(root: Path, n: int) -> None:
    text = ARTICLE.replace("published:", f"slug: extra-{n}\npublished:").replace(
        "title: Gabapentin and twitching", f"title: Extra article {n}")
    (root / f"content/articles/extra-{n}.md").write_text(text)


def delete_extra(root: Path, n: int) -> None:
    for path in sorted((root / "content/articles").glob("extra-*.md"))[:1]:
        path.unlink()


def edit_record(root: Path, n: int) -> None:
    path = root / "content/medicines/gabapentin.yaml"
    text = path.read_text()
    path.write_text(text.replace("name: Muscle jerks", f"name: Muscle jerks {n}", 1)
                    if f"jerks {n}" not in text else text)


def edit_glossary(root: Path, n: int) -> None:
    (root / "content/glossary.yaml").write_text(
        GLOSSARY.replace("Sudden jerks", f"Sudden jerks ({n})"))


def edit_template(root: Path, n: int) -> None:
    path = root / "templates/page.html"
    path.write_text(path.read_text() + f"{{# edit {n} #}}\n")
    base = root / "templates/base.html"
    base.write_text(base.read_text().replace("No cookies", f"No cookies ({n})", 1)
                    if f"({n})" not in base.read_text() else base.read_text())


def edit_title(root: Path, n: int) -> None:
    """Front matter shows on other pages: related links, the medicine's list, listings."""
    path = root / "content/articles/pregabalin.md"
    text = path.read_text()
    start = text.index("title: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"title: Pregabalin and twitching, take {n}" + text[end:])


def rename_article(root: Path, n: int) -> None:
    """The old page goes; the new one comes (the slug is the file's name)."""
    for path in sorted((root / "content/articles").glob("extra-*.md"))[:1]:
        path.rename(path.with_name(f"renamed-{n}-{path.name}"))


def edit_css(root: Path, n: int) -> None:
    """Every page links the stylesheet with its content hash."""
    path = root / "static/style.css"
    path.write_text(path.read_text() + f"/* {n} */\n")


def edit_site_yaml(root: Path, n: int) -> None:
    path = root / "site.yaml"
    path.write_text(path.read_text().replace("tagline: A test site", f"tagline: A site {n}"))


EDITS = [edit_article, add_article, delete_extra, edit_record, edit_glossary, edit_template,
         edit_site_yaml, edit_title, rename_article, edit_css]


def build_into(root: Path, out: Path, *, cache: bool):
    result = build(root, out=out, cache=cache, jobs=1, report=Report(root))
    assert result.site is not None or result.up_to_date
    return result


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 3)), min_size=1, max_size=4))
def test_incremental_build_equals_clean_build_after_any_edits(edits):
    with tempfile.TemporaryDirectory() as tmp:
        root = new_site(Path(tmp))
        incremental, clean = Path(tmp) / "incremental", Path(tmp) / "clean"
        build_into(root, incremental, cache=True)
        assert (incremental / "compare/gabapentin-vs-pregabalin/index.html").is_file()
        for edit, n in edits:
            edit(root, n)
            kept = build_into(root, incremental, cache=True)
            shutil.rmtree(clean, ignore_errors=True)
            fresh = build_into(root, clean, cache=False)
            assert snapshot(incremental) == snapshot(clean), edit.__name__
            # and the same diagnostics, though most were found by an earlier build
            assert sorted(kept.report.items) == sorted(fresh.report.items), edit.__name__


def test_no_op_rebuild_changes_nothing_and_says_so(tmp_path):
    root = new_site(tmp_path)
    out = root / "_site"
    first = run_cli("--root", str(root), "build", "--out", str(out))
    assert first.code == 0, first.err
    before = snapshot(out)
    again = run_cli("--root", str(root), "build", "--out", str(out))
    assert again.code == 0 and "is up to date" in again.out
    assert snapshot(out) == before
    edit_article(root, 1)
    changed = run_cli("--root", str(root), "build", "--out", str(out))
    assert "built" in changed.out and snapshot(out) != before
    forced = run_cli("--root", str(root), "build", "--out", str(out), "--no-cache")
    assert "built" in forced.out


def test_deleted_article_leaves_no_output_behind(tmp_path):
    root = new_site(tmp_path)
    add_article(root, 7)
    out = root / "_site"
    assert run_cli("--root", str(root), "build", "--out", str(out)).code == 0
    assert (out / "articles/extra-7/index.html").is_file()
    (root / "content/articles/extra-7.md").unlink()
    assert run_cli("--root", str(root), "build", "--out", str(out)).code == 0
    assert not (out / "articles/extra-7").exists()
    assert "extra-7" not in (out / "sitemap.xml").read_text()


def test_a_body_edit_renders_one_page_and_a_title_edit_renders_them_all(tmp_path):
    root = new_site(tmp_path)
    out = tmp_path / "out"
    first = build_into(root, out, cache=True)
    assert first.rendered == len(first.site.routes)
    edit_article(root, 1)
    body = build_into(root, out, cache=True)
    assert body.rendered == 1, "only the edited article's page"
    page = (out / "articles/gabapentin-twitching/index.html").read_text()
    assert "A new paragraph 1" in page
    edit_title(root, 2)  # pregabalin's title shows on gabapentin's page (related articles)
    title = build_into(root, out, cache=True)
    assert title.rendered == len(title.site.routes)
    assert "take 2" in (out / "articles/gabapentin-twitching/index.html").read_text()
    (out / "medicines/gabapentin/index.html").write_text("tampered")
    # a page changed behind Careleaf's back is rendered again, with the edited article
    edit_article(root, 4)
    assert build_into(root, out, cache=True).rendered == 2
    assert "tampered" not in (out / "medicines/gabapentin/index.html").read_text()


def test_an_unchanged_article_is_checked_again_when_what_it_is_checked_against_changes(
        tmp_path):
    """Each article's validation is kept in the cache: a change to people.yaml (or the
    records, bibliography, topics or site.yaml) must still reach every article."""
    root = new_site(tmp_path)
    out = tmp_path / "out"

    def check() -> tuple[int, list[str]]:
        # --quiet: a build over a second prints progress lines with timings, which differ
        cached = run_cli("--root", str(root), "build", "--out", str(out), "--quiet")
        clean = run_cli("--root", str(root), "build", "--out", str(tmp_path / "clean"),
                        "--no-cache", "--quiet")
        assert (cached.code, cached.err) == (clean.code, clean.err)
        return cached.code, [line for line in cached.err.splitlines() if "error[" in line]

    assert check() == (0, [])
    people = root / "content/people.yaml"
    people.write_text(people.read_text().replace("clinical_reviewer: true",
                                                 "clinical_reviewer: false"))
    code, errors = check()
    assert code == 1
    assert {line.split(":")[0] for line in errors} >= {
        "content/articles/gabapentin-twitching.md", "content/articles/pregabalin.md"}
    assert all("review-independence" in line or "reviewer" in line for line in errors)
    people.write_text(people.read_text().replace("clinical_reviewer: false",
                                                 "clinical_reviewer: true"))
    assert check() == (0, [])
