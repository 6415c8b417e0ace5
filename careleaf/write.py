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
from pathlib import Path, PurePosixPath

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


def _inside(relative: str) -> None:
    """Refuse an output path that would land outside the output folder."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or ".." in parts or "\\" in relative:
        raise ValueError(f"refusing to write outside the output folder: {relative}")


def _write_tree(folder: Path, outputs: Iterable[OutputFile], static: Path,
                inputs: str | None) -> None:
    folder.mkdir(parents=True)
    if static.is_dir():
        shutil.copytree(static, folder / "static")
    for output in outputs:
        _inside(output.path)
        target = folder / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.data)
    (folder / MARKER).write_text(MARKER_TEXT + (f"inputs: {inputs}\n" if inputs else ""),
                                 "utf-8")


SEARCH_DIR = "pagefind"


def _sync_tree(folder: Path, outputs: Iterable[OutputFile], static: Path,
               inputs: str | None) -> None:
    """Make `folder` hold exactly these files, writing only those that differ (the
    preview's way: a save changes a page or two, not the whole tree)."""
    wanted = {o.path: o.data for o in outputs}
    if static.is_dir():
        wanted |= {f"static/{p.relative_to(static).as_posix()}": p.read_bytes()
                   for p in static.rglob("*") if p.is_file()}
    wanted[MARKER] = (MARKER_TEXT + (f"inputs: {inputs}\n" if inputs else "")).encode()
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        relative = path.relative_to(folder).as_posix()
        if relative == SEARCH_DIR or relative.startswith(SEARCH_DIR + "/"):
            continue
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif relative not in wanted:
            path.unlink()
    for relative, data in wanted.items():
        _inside(relative)
        target = folder / relative
        try:
            if target.read_bytes() == data:
                continue
        except OSError:
            target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        temporary.replace(target)  # a reader sees the old page or the new, never half


class SearchIndexFailed(Exception):
    pass


def index_search(folder: Path, output: Path | None = None, *, background: bool = False
                 ) -> None:
    """Build the Pagefind index of `folder` into `output` (by default `folder/pagefind/`,
    self-hosted with the site). In the `background`, Pagefind yields the CPU to builds."""
    where = ["--output-path", str(output)] if output else ["--output-subdir", SEARCH_DIR]
    nice = shutil.which("nice") if background else None
    try:
        proc = subprocess.run(
            [*([nice, "-n", "10"] if nice else []), sys.executable, "-m", "pagefind",
             "--site", str(folder), *where, "--quiet"],
            capture_output=True, text=True, timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexFailed(str(exc)) from exc
    if proc.returncode != 0 or not ((output or folder / SEARCH_DIR) / "pagefind.js").is_file():
        raise SearchIndexFailed((proc.stderr or proc.stdout).strip()[-500:] or "no index")


def publish(outputs: list[OutputFile], project: Project, report: Report, *,
            inputs: str | None = None, search: bool = True) -> None:
    """Write the site beside the output folder and swap it in.

    With `search=False` (the preview, which re-indexes in the background) the folder is
    updated in place instead, keeping its search index: only changed files are written."""
    check_output_folder(project, report)
    out = project.out
    if not search and (out / MARKER).is_file():
        try:
            _sync_tree(out, outputs, project.static, inputs)
        except (OSError, ValueError) as exc:
            report.error(out, 1, "write-failed", f"could not write the preview: {exc}",
                         "check free disk space and permissions")
            raise BuildFailed(report.items) from exc
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    retired = out.with_name(f".{out.name}.old-{os.getpid()}")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        _write_tree(staging, outputs, project.static, inputs)
        if search:
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

