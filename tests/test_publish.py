"""Publishing: sub-path hosting, atomic swap, and never destroying what an editor made."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import REPO, html_pages, parse_page


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sub_path_build_links_all_work(cli, tmp_path):
    out = tmp_path / "_site"
    result = cli("--root", str(REPO), "build", "--out", str(out),
                 "--base-url", "https://example.org/health/")
    assert result.code == 0, result.err
    checked = 0
    for path in html_pages(out):
        doc = parse_page(path)
        refs = doc.xpath("//a/@href | //link[@href and not(@rel='canonical')]/@href | //@src")
        for href in refs:
            if href.startswith(("https://", "http://", "mailto:", "#")):
                continue
            assert href.startswith("/health/"), (path, href)
            target = out / href.removeprefix("/health/").split("#")[0].split("?")[0]
            if href.split("#")[0].split("?")[0].endswith("/"):
                target = target / "index.html"
            assert target.is_file(), (path, href)
            checked += 1
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert all(c.startswith("https://example.org/health/") for c in canonical)
    assert checked > 200
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://example.org/health/articles/" in sitemap
    assert "https://example.org/health/sitemap.xml" in (out / "robots.txt").read_text()
    # the 404 page is served from any depth, so its links must be root-relative
    assert parse_page(out / "404.html").xpath("//a[@href='/health/medicines/']")


def test_failed_build_leaves_published_site_byte_for_byte(make_site, cli):
    root = make_site()
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    before = snapshot(out)
    article = root / "content/articles/gabapentin-twitching.md"
    article.write_text(article.read_text().replace("[@label]", "[@missing]"))
    result = cli("--root", str(root), "build", "--out", str(out))
    assert result.code == 1
    assert "published site was not changed" in result.err
    assert snapshot(out) == before
    leftovers = [p.name for p in out.parent.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    assert leftovers == []  # no half-written staging folder is left behind


def test_successful_rebuild_replaces_the_site(make_site, cli):
    root = make_site()
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    (out / "stray.html").write_text("left over")
    article = root / "content/articles/gabapentin-twitching.md"
    article.write_text(article.read_text().replace("Gabapentin and twitching", "Jerks"))
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    assert not (out / "stray.html").exists()
    assert "Jerks" in (out / "articles/gabapentin-twitching/index.html").read_text()


def test_refuses_to_replace_a_folder_it_did_not_make(make_site, cli):
    root = make_site()
    precious = root / "notes"
    precious.mkdir()
    (precious / "draft.txt").write_text("an editor's notes")
    result = cli("--root", str(root), "build", "--out", str(precious))
    assert result.code == 2 and "error[output-unsafe]" in result.err
    assert (precious / "draft.txt").read_text() == "an editor's notes"
    for dangerous in (root, root / "content", root.parent):
        result = cli("--root", str(root), "build", "--out", str(dangerous))
        assert result.code == 2 and "error[output-unsafe]" in result.err
    assert (root / "content/articles/gabapentin-twitching.md").is_file()


def test_drafts_only_with_flag(make_site, cli):
    root = make_site()
    article = root / "content/articles/gabapentin-twitching.md"
    article.write_text(article.read_text().replace("published:", "draft: true\npublished:"))
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    assert not (out / "articles/gabapentin-twitching").exists()
    refused = cli("--root", str(root), "build", "--out", str(out), "--drafts")
    assert refused.code == 2 and "error[drafts-built]" in refused.err
    assert "careleaf serve --drafts" in refused.err
    built = cli("--root", str(root), "build", "--out", str(out), "--drafts", "--allow-drafts")
    assert built.code == 0 and "warning[drafts-built]" in built.err
    page = parse_page(out / "articles/gabapentin-twitching/index.html")
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    assert "DRAFT" in page.xpath("//main")[0].text_content()
    assert "gabapentin-twitching" not in (out / "sitemap.xml").read_text()
    assert "gabapentin-twitching" not in (out / "feed.xml").read_text()
    # a draft's placeholders are fine in the preview, not in a folder that is built
    article.write_text(article.read_text() + "\nTODO: finish this.\n")
    assert cli("--root", str(root), "check", "--drafts").code == 0
    built = cli("--root", str(root), "build", "--out", str(out), "--drafts", "--allow-drafts")
    assert built.code == 1 and "error[placeholder]" in built.err


def workflow_step(workflow_file: Path, name_starts: str) -> str:
    """The `run:` script of a workflow's step whose name starts so, as written."""
    workflow = yaml.safe_load(workflow_file.read_text())
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])
             if step.get("name", "").startswith(name_starts)]
    assert len(steps) == 1, f"{workflow_file.name} has no single step '{name_starts}...'"
    return steps[0]["run"]


def run_publish_steps(site: Path, workflow_file: Path, base_url: str) -> None:
    """The workflow's own Check and Build commands, read from the file, run in `site` with
    the base URL the workflow would give; Careleaf comes from the test environment."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "SOURCE_DATE_EPOCH": str(int(time.time()))}
    for step in ("Check the content", "Build"):
        script = workflow_step(workflow_file, step)
        # the one GitHub expression: the base URL from the repository's variables
        script = re.sub(r"\$\{\{.*?\}\}", base_url, script)
        script = script.replace(".venv/bin/", "").replace("$(git log -1 --format=%ct)",
                                                          env["SOURCE_DATE_EPOCH"])
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=site,
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, f"{step}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    home = parse_page(site / "_site/index.html")
    path = urlsplit(base_url).path
    links = [href for href in home.xpath("//a/@href") if href.startswith("/")]
    assert links and all(href.startswith(path) for href in links)
    assert home.xpath("//link[@rel='canonical']/@href") == [base_url]


BASE_URLS = ["https://owner.github.io/", "https://owner.github.io/repo/",
             "https://example.org/health/medicines-info/"]


@pytest.mark.parametrize("base_url", BASE_URLS)
def test_publish_workflow_check_and_build_pass_under_any_base_url(tmp_path, base_url):
    """This repository's publish workflow, on a copy with no `../shared` beside it, for a
    root and two sub-path base URLs."""
    clone = tmp_path / "clone"
    shutil.copytree(REPO, clone, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "_site", ".careleaf", ".*cache*", "tests", "dist"))
    run_publish_steps(clone, clone / ".github/workflows/publish.yml", base_url)


@pytest.mark.parametrize("base_url", BASE_URLS[1:])
def test_a_new_sites_publish_workflow_passes_under_a_sub_path(cli, tmp_path, base_url):
    """The workflow `careleaf init` writes, in the site it starts."""
    assert cli("--root", str(tmp_path), "init", "site").code == 0
    site = tmp_path / "site"
    run_publish_steps(site, site / ".github/workflows/publish.yml", base_url)


WORKFLOWS = [REPO / ".github/workflows/publish.yml", REPO / ".github/workflows/review-due.yml",
             REPO / "careleaf/starter/publish.yml", REPO / "careleaf/starter/review-due.yml"]


@pytest.mark.parametrize("workflow_file", WORKFLOWS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_action_is_pinned_by_commit(workflow_file):
    """A tag can be moved to other code; a commit cannot. The tag stays, as a comment."""
    for line in workflow_file.read_text().splitlines():
        if "uses:" in line:
            assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d", line), line


@pytest.mark.parametrize("workflow_file", WORKFLOWS[::2], ids=lambda p: p.parent.name)
def test_a_pull_request_cannot_cancel_a_publish(workflow_file):
    workflow = yaml.safe_load(workflow_file.read_text())
    group = workflow["concurrency"]["group"]
    assert "pull_request" in group and "'pages'" in group
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False
