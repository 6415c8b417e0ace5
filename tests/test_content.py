"""The bundled content: written anew from the source documents, never copied."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import REPO

SOURCES = Path(os.environ.get("CARELEAF_SOURCES", REPO.parent / "shared" / "sources"))
RUN = 12  # no run of this many words may match a source


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def runs(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1)}


def source_texts() -> dict[str, str]:
    found = {p.name: p.read_text("utf-8") for p in sorted(SOURCES.glob("*.txt"))}
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"no source documents at {SOURCES}; CI must check originality")
        pytest.skip(f"source documents not present at {SOURCES} (set CARELEAF_SOURCES)")
    return found


CONTENT = sorted((REPO / "content").rglob("*.md"))


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
