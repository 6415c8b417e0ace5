"""The build cache in `.careleaf/cache/` (safe to delete; git ignores it).

Correctness first: the cache only memoises pure work, keyed by everything that work
depends on, so a build that uses it gives exactly the bytes a clean build gives.

- A parsed Markdown file is keyed by its path and bytes, plus the *context* every file's
  conversion depends on: site.yaml, the medicine records and glossary (tables and links
  built from them), and the engine's own source code.
- An article's validation is keyed by its parse key plus every data file and setting it
  is checked against (the bibliography, topics, people, records and site.yaml).
- A whole build is keyed by every input file, the options and "today"; when nothing
  changed since the last build into the same folder, the build is a no-op.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

CACHE = Path(".careleaf") / "cache"
ENGINE = Path(__file__).resolve().parent


def digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return hasher.hexdigest()


@functools.cache
def engine_digest() -> str:
    """Changes whenever Careleaf's own code does (a new version, or a local edit), or the
    libraries whose output it keeps (Markdown, textstat) change version."""
    versions = ";".join(f"{name}={metadata.version(name)}" for name in
                        ("markdown", "textstat", "nh3", "jinja2"))
    return digest(versions.encode(), *(p.read_bytes() for p in sorted(ENGINE.glob("*.py"))))


# path -> (mtime_ns, size, inode, trusted, sha256): a long-running process (`serve`) does
# not read unchanged files again to know they are unchanged.
_digests: dict[Path, tuple[int, int, int, bool, bytes]] = {}
RACY_NS = 2_000_000_000  # a file changed this recently may change again within the same tick


def file_digest(path: Path) -> bytes:
    """The SHA-256 of the file's bytes. Remembered by its size, inode and mtime, as git's
    index does, and (as git does for "racily clean" files) only once it is old enough."""
    stat = path.stat()
    seen = _digests.get(path)
    if seen and seen[3] and seen[:3] == (stat.st_mtime_ns, stat.st_size, stat.st_ino):
        return seen[4]
    value = hashlib.sha256(path.read_bytes()).digest()
    trusted = time.time_ns() - stat.st_mtime_ns > RACY_NS
    _digests[path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino, trusted, value)
    return value


def tree_digest(paths: list[Path], root: Path) -> str:
    """Names and bytes of every file under `paths` (files or folders)."""
    parts = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else \
            [path] if path.is_file() else []
        for file in files:
            parts += [file.relative_to(root).as_posix().encode(), file_digest(file)]
    return digest(*parts)


def notice(message: str) -> None:
    """Something the editor should know that does not stop the build."""
    with contextlib.suppress(OSError):
        print(f"notice: {message}", file=sys.stderr)


# Every entry is signed: MAGIC, then an HMAC-SHA256 of the pickle under a key that never
# sits in the cache or the repository, then the pickle. An entry that does not carry this
# machine's (or this CI secret's) signature is discarded before anything is unpickled, so
# a cache restored from elsewhere (CI's actions/cache, a shared folder) cannot run code.
MAGIC = b"careleaf-cache-1\n"
KEY_ENV = "CARELEAF_CACHE_KEY"


@functools.cache
def signing_key() -> bytes:
    """The key entries are signed with: $CARELEAF_CACHE_KEY (a CI secret), or a random key
    kept for this user outside every site ($XDG_CACHE_HOME/careleaf/cache-key, readable by
    the user only), or, where neither can be had, a key for this process alone."""
    given = os.environ.get(KEY_ENV)
    if given:
        return hashlib.sha256(given.encode()).digest()
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    file = Path(home) / "careleaf" / "cache-key"
    with contextlib.suppress(OSError, ValueError):
        key = file.read_bytes()
        if len(key) == 32:
            return key
    key = os.urandom(32)
    with contextlib.suppress(OSError):
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = file.with_name(f".cache-key.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        try:
            os.link(temporary, file)  # never replaces a key another process made first
        finally:
            temporary.unlink(missing_ok=True)
        key = file.read_bytes() if len(file.read_bytes()) == 32 else key
    return key


def _sign(payload: bytes) -> bytes:
    return MAGIC + hmac.new(signing_key(), payload, hashlib.sha256).digest() + payload


def _verified(data: bytes) -> bytes:
    """The payload of a signed entry; ValueError for any other bytes."""
    if not data.startswith(MAGIC):
        raise ValueError("it was not written by this version of Careleaf")
    mac, payload = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    wanted = hmac.new(signing_key(), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, wanted):
        raise ValueError("its signature does not match this machine's key; it was written "
                         "elsewhere or altered")
    return payload


TOUCH_AFTER = 3600.0  # seconds: an entry used within the hour is fresh enough for prune()
# never wait on a pipe or device someone left in the cache folder: it reads as damaged
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


def _load(file: Path, *, touch: bool, valid: Callable[[Any], bool] = lambda value: True
          ) -> Any | None:
    """A cached value, or None when there is none. A damaged or foreign entry (any file at
    all can sit in the cache folder) is discarded with a notice, and recomputed."""
    try:
        descriptor = os.open(file, READ_FLAGS)
        try:
            stat = os.fstat(descriptor)
            data = b""
            if S_ISREG(stat.st_mode):
                while chunk := os.read(descriptor, max(stat.st_size - len(data) + 1, 1 << 16)):
                    data += chunk
        finally:
            os.close(descriptor)
    except OSError:
        return None
    try:
        if not S_ISREG(stat.st_mode):
            raise ValueError("it is not a file")
        value = pickle.loads(_verified(data))  # nothing unsigned is ever unpickled
        problem = None if valid(value) else f"it holds a {type(value).__name__}, not what " \
            "Careleaf stored there"
    except Exception as exc:  # noqa: BLE001 - a signed entry of an old layout may raise anything
        value, problem = None, f"{type(exc).__name__}: {exc}"[:200]
    if problem is not None:
        notice(f"the build cache entry {file} could not be used ({problem}); it was "
               "discarded and will be rebuilt")
        if touch:  # a build, not `check`, which writes nothing
            with contextlib.suppress(OSError):
                shutil.rmtree(file) if S_ISDIR(stat.st_mode) else file.unlink()
        return None
    if touch and time.time() - stat.st_mtime > TOUCH_AFTER:
        with contextlib.suppress(OSError):
            os.utime(file)  # recently used: kept by ParseCache.prune()
    return value


_unwritable: set[Path] = set()  # cache folders that could not be written, this process


def _store(file: Path, value: Any) -> None:
    """Write through a temporary file, so a reader never sees half an entry. A cache that
    cannot be written (a read-only site folder, a full disk) is only a slower build."""
    if file.parent in _unwritable:
        return
    temporary = file.with_name(f".{file.stem}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(_sign(pickle.dumps(value, protocol=5)))
        temporary.replace(file)
    except OSError as exc:
        _unwritable.add(file.parent)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        notice(f"the build cache cannot be written in {file.parent} "
               f"({exc.strerror or exc}); building without it")


PRUNE_EVERY = 3600.0  # seconds: `serve` looks for old entries once an hour, not every save
_pruned = -PRUNE_EVERY


class ParseCache:
    """Parsed documents on disk, one pickle per (file, context); a long-running process
    (`serve`) also keeps the last build's in memory."""

    _memory: dict[str, Any] = {}  # key -> document; keys name content, so never stale

    def __init__(self, root: Path, context: Any, enabled: bool = True, writable: bool = True):
        self.folder = root / CACHE
        self.enabled = enabled
        self.writable = writable  # `check` reads the cache but writes nothing
        self.context = digest(pickle.dumps(context, protocol=5), engine_digest().encode())
        self.used: set[str] = set()

    def key(self, path: Path, root: Path) -> str:
        return digest(self.context.encode(), path.relative_to(root).as_posix().encode(),
                      file_digest(path))

    def get(self, key: str, valid: Callable[[Any], bool] = lambda value: True) -> Any | None:
        """The entry under `key`; one that `valid` refuses is discarded as damaged."""
        if not self.enabled:
            return None
        value = self._memory.get(key)
        if value is None:
            value = _load(self.folder / f"{key}.pickle", touch=self.writable, valid=valid)
        if value is not None:
            self.used.add(key)
            self._memory[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        if self.enabled and self.writable:
            _store(self.folder / f"{key}.pickle", value)
            self.used.add(key)
            self._memory[key] = value

    def prune(self, keep_days: float = 2) -> None:
        """Forget entries no build has used for a while (edited, renamed or deleted files;
        a `serve` preview and a `build` with another base URL keep their own entries)."""
        if self.enabled:
            ParseCache._memory = {k: v for k, v in self._memory.items() if k in self.used}
        global _pruned
        if self.enabled and self.writable and self.folder.is_dir() and \
                time.monotonic() - _pruned > PRUNE_EVERY:
            _pruned = time.monotonic()
            cutoff = time.time() - keep_days * 86400
            with contextlib.suppress(OSError):  # a read-only folder keeps its entries
                for file in self.folder.glob("*.pickle"):
                    if file.stem not in self.used and file.stat().st_mtime < cutoff:
                        file.unlink(missing_ok=True)


class Memo:
    """Values kept on disk under a key, and in memory for the rest of the process (`serve`
    then reads nothing again). Keys name everything a value depends on; the one exception,
    depends.PageReuse's record of an output folder, checks itself against the files.

    Shares the cache folder (and its pruning) with ParseCache; `check` reads, never writes.
    """

    _memory: dict[Path, Any] = {}

    def __init__(self, root: Path, namespace: str, *, enabled: bool = True,
                 writable: bool = True, remember: bool = True):
        self.folder = root / CACHE
        self.namespace = namespace
        self.enabled = enabled
        self.writable = writable
        self.remember = remember  # False: many small values another memo keeps in memory
        self.engine = engine_digest()

    def _file(self, parts: tuple[bytes, ...]) -> Path:
        key = digest(self.namespace.encode(), self.engine.encode(), *parts)
        return self.folder / f"{key}.pickle"

    def get(self, *parts: bytes, valid: Callable[[Any], bool] = lambda value: True
            ) -> Any | None:
        """The value under `parts`; one that `valid` refuses is discarded as damaged."""
        if not self.enabled:
            return None
        file = self._file(parts)
        value = self._memory.get(file)
        if value is None:
            value = _load(file, touch=self.writable, valid=valid)
            if value is not None and self.remember:
                self._memory[file] = value
        return value

    def put(self, value: Any, *parts: bytes) -> None:
        if self.enabled and self.writable:
            file = self._file(parts)
            _store(file, value)
            if self.remember:
                self._memory[file] = value
