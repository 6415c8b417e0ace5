"""Stages 8 and 9, write and publish: the only place Careleaf touches the disk.

Pages go to a *sink* as they are rendered, so a large site is never held in memory whole.
A build's sink is a staging folder beside the output folder, swapped in with two renames
once every check has passed: a build that fails at any point leaves the published folder
exactly as it was, and a folder Careleaf did not make is never replaced. The preview's
sink updates its folder in place, writing only the files that changed.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

from .cache import digest
from .config import Project
from .diagnostics import BuildFailed, Report
from .discover import private, site_files
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


def output_manifest(out: Path) -> str:
    """A digest of every file in the output folder by name, size, mtime and inode: any
    file edited, added or deleted by hand since the last build changes it."""
    entries = []
    for current, _dirs, files in os.walk(out):
        for name in files:
            stat = os.stat(os.path.join(current, name))
            entries.append(f"{os.path.relpath(os.path.join(current, name), out)}|"
                           f"{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}")
    return digest("\n".join(sorted(entries)).encode())


def _inside(relative: str) -> None:
    """Refuse an output path that would land outside the output folder."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or ".." in parts or "\\" in relative:
        raise ValueError(f"refusing to write outside the output folder: {relative}")


SEARCH_DIR = "pagefind"


def remove_leftovers(out: Path) -> None:
    """Staging folders of builds whose process has died (a SIGKILL, a power cut): each
    is named after its process, so one whose process is gone is removed."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(?:staging|old)-(\d+)$")
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        match = pattern.match(path.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def link_or_copy(source: Path | str, target: Path | str) -> None:
    """The same file under a second name, nothing read or written; a copy on a file
    system without hard links. (Careleaf replaces files, never edits them in place.)"""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
        _check_size(Path(target), os.stat(source).st_size)


def write_file(target: Path, data: bytes) -> None:
    """Write `data`, flushed, and make sure all of it is there: a full disk must fail the
    build, never publish a short page."""
    with open(target, "wb") as handle:
        written = handle.write(data)
        handle.flush()
    if written != len(data):
        raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes were written",
                      str(target))
    _check_size(target, len(data))


def _check_size(target: Path, size: int) -> None:
    actual = target.stat().st_size
    if actual != size:
        raise OSError(errno.ENOSPC, f"{target.name} has {actual} of its {size} bytes",
                      str(target))


class Sink:
    """Where rendered files go; `commit` publishes them, `discard` forgets them."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def add(self, output: OutputFile) -> None:
        _inside(output.path)
        self.paths.append(output.path)

    def keep(self, output: str, source: Path) -> None:
        """The page is unchanged: `source` (in the output folder) already holds it."""
        _inside(output)
        self.paths.append(output)

    def commit(self, report: Report, *, inputs: str | None, search: bool) -> None:
        pass

    def discard(self) -> None:
        pass


class StagingSink(Sink):
    """A whole new site in a staging folder, swapped in by `commit`."""

    def __init__(self, project: Project, report: Report):
        super().__init__()
        check_output_folder(project, report)
        self.project = project
        out = project.out
        self.staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
        self.retired = out.with_name(f".{out.name}.old-{os.getpid()}")
        remove_leftovers(out)
        for leftover in (self.staging, self.retired):
            shutil.rmtree(leftover, ignore_errors=True)
        self.failure: OSError | None = None
        try:
            self.staging.mkdir(parents=True)
        except OSError as exc:
            self.failure = exc

    def add(self, output: OutputFile) -> None:
        super().add(output)
        if self.failure is None:
            try:
                target = self.staging / output.path
                target.parent.mkdir(parents=True, exist_ok=True)
                write_file(target, output.data)
            except OSError as exc:  # reported by commit, with the other problems first
                self.failure = exc

    def keep(self, output: str, source: Path) -> None:
        super().keep(output, source)
        if self.failure is None:
            target = self.staging / output
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(source, target)
            except OSError as exc:
                self.failure = exc

    def commit(self, report: Report, *, inputs: str | None, search: bool) -> None:
        out = self.project.out
        check_output_folder(self.project, report)
        try:
            if self.failure is not None:
                raise self.failure
            for name, file in static_files(self.project, report).items():
                target = self.staging / "static" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target)
                _check_size(target, file.stat().st_size)
            report.raise_if_errors()
            write_file(self.staging / MARKER, _marker(inputs).encode())
            if search:
                index_search(self.staging)
        except SearchIndexFailed as exc:
            self.discard()
            report.error(out, 1, "search-index-failed",
                         f"Pagefind could not index the site: {exc}",
                         "check free disk space, and that the pagefind package is installed "
                         "(pip install -e .); the published site is unchanged")
            raise BuildFailed(report.items) from exc
        except OSError as exc:
            self.discard()
            report.error(out, 1, "write-failed", f"could not write the site: {exc}",
                         "check free disk space and permissions; the published site is "
                         "unchanged")
            raise BuildFailed(report.items) from exc
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rename(self.retired)
        self.staging.rename(out)
        shutil.rmtree(self.retired, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class InPlaceSink(Sink):
    """The preview's: keeps the files that differ from the folder's, then writes them and
    removes the files the build no longer makes (the search index stays; see serve.py)."""

    def __init__(self, project: Project):
        super().__init__()
        self.project = project
        self.changed: dict[str, bytes] = {}

    def add(self, output: OutputFile) -> None:
        super().add(output)
        try:
            if (self.project.out / output.path).read_bytes() == output.data:
                return
        except OSError:
            pass
        self.changed[output.path] = output.data

    def commit(self, report: Report, *, inputs: str | None, search: bool) -> None:
        out = self.project.out
        for name, file in static_files(self.project, report).items():
            self.add(OutputFile(f"static/{name}", file.read_bytes()))
        report.raise_if_errors()
        self.add(OutputFile(MARKER, _marker(inputs).encode()))
        wanted = set(self.paths)
        try:
            for current, folders, files in os.walk(out, topdown=False):  # files first
                where = Path(current).relative_to(out).as_posix()
                if where == SEARCH_DIR or where.startswith(SEARCH_DIR + "/"):
                    continue
                prefix = "" if where == "." else where + "/"
                links = [f for f in folders if os.path.islink(os.path.join(current, f))]
                for name in [*files, *links]:  # a link to a folder is not walked into
                    if prefix + name not in wanted and prefix + name != SEARCH_DIR:
                        os.unlink(os.path.join(current, name))
                if prefix and not os.listdir(current):
                    os.rmdir(current)
            for relative, data in self.changed.items():
                target = out / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_name(f".{target.name}.tmp")
                write_file(temporary, data)
                temporary.replace(target)  # a reader sees the old page or the new
        except OSError as exc:
            report.error(out, 1, "write-failed", f"could not write the preview: {exc}",
                         "check free disk space and permissions")
            raise BuildFailed(report.items) from exc


def open_sink(project: Project, report: Report, *, search: bool) -> Sink:
    """In place for a preview (no search index) of a folder Careleaf made; else staged."""
    if not search and (project.out / MARKER).is_file():
        return InPlaceSink(project)
    return StagingSink(project, report)


def _marker(inputs: str | None) -> str:
    return MARKER_TEXT + (f"inputs: {inputs}\n" if inputs else "")


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
    verify_index(output or folder / SEARCH_DIR)


GZIPPED = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind")


def verify_index(index: Path) -> None:
    """Pagefind exits 0 even when its files come out empty or cut short (a full disk):
    every file must have bytes, its entry point must parse, every compressed part must
    decompress whole, and every language it lists must have its metadata."""
    try:
        entry = json.loads((index / "pagefind-entry.json").read_text("utf-8"))
        for file in index.rglob("*"):
            if not file.is_file():
                continue
            if file.stat().st_size == 0:
                raise SearchIndexFailed(f"{file.relative_to(index)} is empty")
            if file.name.endswith(GZIPPED):
                gzip.decompress(file.read_bytes())
        for language in (entry.get("languages") or {}).values():
            meta = index / f"pagefind.{language['hash']}.pf_meta"
            if not meta.is_file():
                raise SearchIndexFailed(f"{meta.name} is missing")
    except (OSError, ValueError, EOFError, KeyError, TypeError, gzip.BadGzipFile) as exc:
        raise SearchIndexFailed(f"the index is damaged ({exc})") from exc


def static_files(project: Project, report: Report) -> dict[str, Path]:
    """Each static file's name under static/ -> the file: the site's own, or else the
    default theme's; never a link to a file outside the site (or the theme)."""
    found: dict[str, Path] = {}
    for folder in reversed(project.static_dirs):  # the site's own last, so it wins
        root = project.root if folder == project.static else folder
        for file in site_files(folder, root, report, skip_ignored=False):
            name = file.relative_to(folder)
            if private(name):  # .env, .git/, .htpasswd: never published, whatever the path
                report.warning(file, 1, "file-private",
                               f"'{name.as_posix()}' is a hidden file and is not published",
                               "rename it without the leading dot if it is meant for readers")
                continue
            found[name.as_posix()] = file
    return dict(sorted(found.items()))
