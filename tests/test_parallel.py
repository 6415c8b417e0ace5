"""`--jobs`: Markdown converted across processes gives exactly what one process gives."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from conftest import REPO, run_cli


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def synthetic_site(tmp_path: Path, articles: int) -> Path:
    root = tmp_path / "synthetic"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(root),
                    "--articles", str(articles)], check=True, capture_output=True)
    return root


def test_parallel_build_equals_sequential_build(tmp_path):
    root = synthetic_site(tmp_path, 60)
    env = {"SOURCE_DATE_EPOCH": "1800000000"}
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = run_cli("--root", str(root), "build", "--out", str(out), "--jobs", jobs,
                         env=env)
        assert result.code == 0, result.err
        outs.append(snapshot(out))
    assert outs[0] == outs[1]
    assert sum(1 for name in outs[0] if name.startswith("articles/")) == 61
    # the feed carries the 50 most recently reviewed articles, not all 60
    feed = (tmp_path / "out-1/feed.xml").read_text()
    assert feed.count("<entry>") == 50


def test_parallel_build_reports_problems_found_in_workers(tmp_path):
    root = synthetic_site(tmp_path, 30)
    bad = root / "content/articles/article-00007.md"
    bad.write_text(bad.read_text().replace("title: Synthetic article 7", "title: [broken"))
    (root / "content/articles/article-00011.md").write_bytes(b"---\ntitle: caf\xe9\n")
    result = run_cli("--root", str(root), "check", "--jobs", "2", "--quiet")
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/articles/article-00007.md:3:12: error[yaml-syntax]" in result.err
    assert "content/articles/article-00011.md:2:11: error[file-encoding]" in result.err
    # and word for word what one process reports
    assert run_cli("--root", str(root), "check", "--jobs", "1", "--quiet").err == result.err


def test_progress_lines_in_logs_and_quiet(tmp_path):
    root = synthetic_site(tmp_path, 30)
    shown = run_cli("--root", str(root), "build", "--out", str(tmp_path / "o"),
                    env={"CARELEAF_PROGRESS_AFTER": "0"})
    assert shown.code == 0, shown.err
    lines = [line for line in shown.err.splitlines() if line.startswith(("parse:", "render:"))]
    assert any(line.startswith("parse: 34/34 (") for line in lines)  # 30 articles, 4 pages
    assert any(line.startswith("render: ") for line in lines)
    assert len(lines) <= 25  # a line per tenth of a stage, not one per page
    assert "\r" not in shown.err  # not a terminal: no redrawing
    quiet = run_cli("--root", str(root), "build", "--out", str(tmp_path / "o"), "--quiet",
                    env={"CARELEAF_PROGRESS_AFTER": "0"})
    assert quiet.code == 0 and "parse:" not in quiet.err


def test_progress_redraws_one_line_on_a_terminal():
    import io

    from careleaf.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = Progress(screen, after=0)
    for done in range(1, 4):
        progress("render", done, 3)
    progress.close()
    text = screen.getvalue()
    assert text.count("\r\033[K") == 4 and "render: 3/3" in text and "\n" not in text
