"""Progress for builds longer than a second: pages done of total and time so far.

On a terminal one line is redrawn; elsewhere (CI logs) a plain line is written for every
tenth of a long stage (a short one only says when it is done), so logs stay short.
`--quiet` turns it off.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False,
                 after: float | None = None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.after = float(os.environ.get("CARELEAF_PROGRESS_AFTER", "1")) \
            if after is None else after
        self.started = time.perf_counter()
        self.tty = self.stream.isatty()
        self.last_step: dict[str, int] = {}
        self.drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        if self.quiet or total <= 0 or elapsed < self.after:
            return
        text = f"{stage}: {done}/{total} ({elapsed:.1f}s)"
        if self.tty:
            self.stream.write("\r\033[K" + text)
            self.drawn = True
        else:
            # a line per tenth of a long stage; short stages only say when they are done
            step = done * 10 // total if total >= 100 else done // total
            if self.last_step.get(stage, -1) == step or (total < 100 and done < total):
                return
            self.last_step[stage] = step
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False


def no_progress(stage: str, done: int, total: int) -> None:
    """The default for library use and tests: say nothing."""
