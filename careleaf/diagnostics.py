"""Diagnostics: every problem Careleaf finds is a `Diagnostic`, never a traceback.

Stages collect diagnostics instead of stopping at the first one, so an editor sees every
problem of a run at once. A stage that cannot go on raises `BuildFailed` with what it has.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class Severity(IntEnum):
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    def format(self) -> str:
        """The diagnostic as a terminal shows it. What an editor wrote (a key, a file name,
        a title quoted in the message) cannot move the cursor, ring, or start a line of its
        own (a line starting `::warning` is an annotation to GitHub Actions)."""
        text = (f"{printable(self.path)}:{self.line}:{self.col}: {self.severity}[{self.code}]: "
                f"{printable(self.message)}")
        if self.hint:
            # a YAML example in a hint keeps its shape, indented under "hint:"
            text += "\n  hint: " + "\n        ".join(
                printable(line) for line in self.hint.split("\n"))
        return text


# C0 and C1 controls (newline, carriage return and escape among them), line and paragraph
# separators, and the bidirectional controls that reorder what a terminal shows.
UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e"
                            "\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character written out as an escape: "\\x1b", "\\n"."""
    if not UNPRINTABLE_RE.search(text):
        return text
    return UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                              text)


class BuildFailed(Exception):
    """A stage found errors it cannot build past. Carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic], exit_code: int = 1):
        self.diagnostics = sorted(diagnostics)
        self.exit_code = exit_code
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class Report:
    """Collects diagnostics for one run; paths are shown relative to the site root."""

    def __init__(self, root: Path, *, strict: bool = False,
                 tolerate: frozenset[str] = frozenset()):
        self.root = root.resolve()  # `--root .` and absolute paths must compare alike
        self.items: list[Diagnostic] = []
        self.strict = strict
        self.tolerate = tolerate  # codes --strict leaves as warnings (--allow-unreviewed)
        self.levels: dict[str, str] = {}  # site.yaml `checks:` overrides, code -> level
        self.settings: dict[str, str] = {}  # levels other site.yaml settings decide
        self._shown: dict[Path | str, str] = {}  # path -> as shown (many items, few files)
        self._said: set[Diagnostic] = set()  # the same finding from many pages is said once

    def configure(self, levels: dict[str, str], settings: dict[str, str] | None = None
                  ) -> None:
        """`levels`: site.yaml's `checks:`; `settings`: the level of a guarded check that
        another setting decides (`unreviewed: notice` makes review-unreviewed a warning)."""
        self.levels = dict(levels)
        self.settings = dict(settings or {})

    def enabled(self, code: str) -> bool:
        """False when site.yaml turned this check off."""
        return self.levels.get(code) != "off"

    def relative(self, path: Path | str) -> str:
        shown = self._shown.get(path)
        if shown is None:
            shown = self._shown[path] = self._relative(Path(path))
        return shown

    def _relative(self, path: Path) -> str:
        if path.is_absolute() and path.is_relative_to(self.root) and ".." not in path.parts:
            return path.relative_to(self.root).as_posix()  # the usual case, without I/O
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def add(
        self,
        path: Path | str,
        line: int,
        code: str,
        message: str,
        hint: str = "",
        *,
        col: int = 1,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Record a diagnostic at the severity its check has (see codes.py), as site.yaml
        set it; `--strict` makes warnings errors."""
        from .codes import CHECKS

        if code in CHECKS:
            severity = CHECKS[code].severity
            level = self.levels.get(code) if CHECKS[code].adjustable else \
                self.settings.get(code)
            if level == "off":
                return
            if level:
                severity = Severity[level.upper()]
        if self.strict and severity is Severity.WARNING and code not in self.tolerate:
            severity = Severity.ERROR
        where = self.relative(path)
        diagnostic = Diagnostic(where, max(line, 1), max(col, 1), severity, code, message, hint)
        if diagnostic not in self._said:
            self._said.add(diagnostic)
            self.items.append(diagnostic)

    def replay(self, found: Diagnostic) -> None:
        """Add a diagnostic found elsewhere (a parse worker, the cache) as if found now:
        at the severity site.yaml and `--strict` give its code in this run."""
        self.add(self.root / found.path, found.line, found.code, found.message, found.hint,
                 col=found.col, severity=found.severity)

    def error(self, path: Path | str, line: int, code: str, message: str, hint: str = "",
              *, col: int = 1) -> None:
        self.add(path, line, code, message, hint, col=col)

    def warning(self, path: Path | str, line: int, code: str, message: str, hint: str = "",
                *, col: int = 1) -> None:
        self.add(path, line, code, message, hint, col=col, severity=Severity.WARNING)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def raise_if_errors(self, exit_code: int = 1) -> None:
        if self.errors:
            raise BuildFailed(self.items, exit_code)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
