"""The bundled content: written anew from the source documents, never copied."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import REPO

# The documents the bundled content was written from live outside the repository
# (../shared/sources), so a fork or a fresh clone does not have them. Whether their absence
# is a failure is an explicit setting, not a guess from CI: Careleaf's own CI (.ci/run)
# sets CARELEAF_REQUIRE_SOURCES=1; CARELEAF_SOURCES points at another folder.
SOURCES = Path(os.environ.get("CARELEAF_SOURCES", REPO.parent / "shared" / "sources"))
REQUIRED = os.environ.get("CARELEAF_REQUIRE_SOURCES") == "1"
RUN = 12  # no run of this many words may match a source


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def runs(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1)}


def source_texts() -> dict[str, str]:
    found = {p.name: p.read_text("utf-8") for p in sorted(SOURCES.glob("*.txt"))}
    if not found:
        if REQUIRED:
            pytest.fail(f"no source documents at {SOURCES}, and CARELEAF_REQUIRE_SOURCES=1")
        pytest.skip(f"source documents not present at {SOURCES} (set CARELEAF_SOURCES; "
                    "CARELEAF_REQUIRE_SOURCES=1 makes their absence a failure)")
    return found


# Markdown and the data files, which hold most of the medical text (records, glossary)
CONTENT = sorted([*(REPO / "content").rglob("*.md"), *(REPO / "content").rglob("*.yaml")])


@pytest.mark.parametrize("path", CONTENT, ids=lambda p: p.name)
def test_no_twelve_word_run_matches_a_source(path):
    sources = source_texts()
    mine = runs(re.sub(r"\[@[^\]]*\]", " ", path.read_text("utf-8")))
    for name, text in sources.items():
        shared = mine & runs(text)
        assert not shared, f"{path.name} copies {name}: {' '.join(sorted(shared)[0])}"


def test_run_detector_catches_a_copied_sentence(tmp_path):
    sources = source_texts()
    text = next(iter(sources.values()))
    copied = " ".join(words(text)[40:40 + RUN])
    assert runs(f"Intro. {copied}. Outro.") & runs(text)


def test_every_article_cites_sources():
    for path in (REPO / "content/articles").glob("*.md"):
        assert len(set(re.findall(r"@([\w.-]+)", path.read_text()))) >= 3, path.name


def test_publish_workflows_pytest_command_passes_on_a_fork(tmp_path):
    """A fork has no ../shared/sources and GitHub sets CI=true: the workflow's own pytest
    command must not fail on the originality tests there (they skip; .ci/run requires
    them)."""
    import shlex
    import subprocess
    import sys

    workflow = (REPO / ".github/workflows/publish.yml").read_text("utf-8")
    command = next(line.strip() for line in workflow.splitlines()
                   if line.strip().startswith(".venv/bin/python -m pytest"))
    clone = tmp_path / "fork" / "careleaf"
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    for name in tracked + ["tests/test_content.py"]:
        if (REPO / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            (clone / name).write_bytes((REPO / name).read_bytes())
    assert not (clone.parent / "shared").exists()
    args = shlex.split(command)[1:]  # the workflow's arguments, run by this interpreter
    env = {k: v for k, v in os.environ.items()
           if k not in {"CARELEAF_SOURCES", "CARELEAF_REQUIRE_SOURCES"}}
    this = "tests/test_content.py::test_publish_workflows_pytest_command_passes_on_a_fork"
    result = subprocess.run([sys.executable, *args, "tests/test_content.py", "--deselect",
                             this, "-p", "no:cacheprovider"], cwd=clone,
                            capture_output=True, text=True, env={**env, "CI": "true"},
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "skipped" in result.stdout
