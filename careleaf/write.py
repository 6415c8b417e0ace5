"""Stages 8 and 9, write and publish: the only place Careleaf touches the disk.

The whole site is written to a staging folder beside the output folder, then swapped in
with two renames. A build that fails at any point leaves the published folder exactly as
it was; a folder Careleaf did not make is never replaced.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from .config import Project
from .diagnostics import BuildFailed, Report
from .render import OutputFile

MARKER = ".careleaf-site"
MARKER_TEXT = "Built by Careleaf. This folder is replaced on every build; edit content/ instead.\n"


def check_output_folder(project: Project, report: Report) -> None:
    """Refuse an output folder whose replacement could destroy an editor's work."""
    out, root = project.out, project.root
    protected = [root, *project.watched, root / ".git"]
    problem = None
    if any(out == p or p.is_relative_to(out) for p in protected):
        problem = f"the output folder {out} holds (or is) the site's own sources"
    elif any(out.is_relative_to(p) for p in project.watched):
        problem = f"the output folder {out} is inside the site's sources"
    elif out.exists() and not out.is_dir():
        problem = f"the output path {out} is a file"
    elif out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        problem = f"{out} exists and was not made by Careleaf, so it will not be replaced"
    if problem:
        report.error(out, 1, "output-unsafe", problem,
                     "choose an empty or new folder with --out, or remove that folder yourself")
        raise BuildFailed(report.items, exit_code=2)


def built_from(out: Path) -> str | None:
    """The inputs digest the site in `out` was built from, if Careleaf built it."""
    try:
        text = (out / MARKER).read_text("utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("inputs: "):
            return line.removeprefix("inputs: ").strip()
    return None


def _write_tree(folder: Path, outputs: Iterable[OutputFile], static: Path,
                inputs: str | None) -> None:
    folder.mkdir(parents=True)
    if static.is_dir():
        shutil.copytree(static, folder / "static")
    for output in outputs:
        target = (folder / output.path).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise ValueError(f"refusing to write outside the output folder: {output.path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.data)
    (folder / MARKER).write_text(MARKER_TEXT + (f"inputs: {inputs}\n" if inputs else ""),
                                 "utf-8")


class SearchIndexFailed(Exception):
    pass


def index_search(folder: Path) -> None:
    """Build the Pagefind index into `folder/pagefind/`, self-hosted with the site."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pagefind", "--site", str(folder), "--output-subdir",
             "pagefind", "--quiet"],
            capture_output=True, text=True, timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexFailed(str(exc)) from exc
    if proc.returncode != 0 or not (folder / "pagefind" / "pagefind.js").is_file():
        raise SearchIndexFailed((proc.stderr or proc.stdout).strip()[-500:] or "no index")


def publish(outputs: list[OutputFile], project: Project, report: Report, *,
            inputs: str | None = None) -> None:
    check_output_folder(project, report)
    out = project.out
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    retired = out.with_name(f".{out.name}.old-{os.getpid()}")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        _write_tree(staging, outputs, project.static, inputs)
        index_search(staging)
    except SearchIndexFailed as exc:
        shutil.rmtree(staging, ignore_errors=True)
        report.error(out, 1, "search-index-failed", f"Pagefind could not index the site: {exc}",
                     "check that the pagefind package is installed (pip install -e .); "
                     "the published site is unchanged")
        raise BuildFailed(report.items) from exc
    except (OSError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        report.error(out, 1, "write-failed", f"could not write the site: {exc}",
                     "check free disk space and permissions; the published site is unchanged")
        raise BuildFailed(report.items) from exc
    if out.exists():
        out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)

