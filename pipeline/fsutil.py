"""Atomic file writes: a temp file in the same folder, then ``os.replace``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Iterator


MB = 1 << 20
# The largest files panelcast reads (README, "Limits"); a transcript's may be raised with
# PANELCAST_MAX_TRANSCRIPT_MB.
LIMITS = {"transcript": 64 * MB, "config": 1 * MB, "image": 50 * MB}


def limit(kind: str) -> int:
    if kind == "transcript":
        raw = os.environ.get("PANELCAST_MAX_TRANSCRIPT_MB", "")
        if raw.strip().isdigit() and int(raw) > 0:
            return int(raw) * MB
    return LIMITS[kind]


def read_bounded(path: str | os.PathLike, kind: str) -> bytes:
    """The bytes of a regular file of at most ``limit(kind)`` bytes.

    A folder, pipe, device or socket, or a larger file, is an ``InputError`` naming it (opened
    without blocking, so a pipe with no writer cannot hang the read); other failures are the
    usual ``OSError``.
    """
    from .errors import InputError, printable

    most = limit(kind)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{printable(path)}: is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise InputError(f"{printable(path)}: not a regular file (a pipe, device or socket)")
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while True:
            block = os.read(fd, min(MB, most + 1 - total))
            if not block:
                return b"".join(chunks)
            chunks.append(block)
            total += len(block)
            if total > most:
                raise InputError(f"{printable(path)}: larger than the {most // MB} MB a {kind} file may have")
    finally:
        os.close(fd)


@contextlib.contextmanager
def temp_path(near: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a fresh temp file path in the folder of ``near``; it is removed on exit if still there."""
    target = Path(near)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_sealed_json(path: str | os.PathLike, data: object) -> None:
    """Keep ``data`` as JSON with a hash of itself (``read_sealed_json`` checks it)."""
    import hashlib
    import json

    blob = json.dumps(data, sort_keys=True)
    seal = hashlib.sha256(blob.encode("utf-8")).hexdigest()
    atomic_write_text(path, json.dumps({"data": data, "seal": seal}, sort_keys=True), durable=False)


def read_sealed_json(path: str | os.PathLike, kind: type = dict) -> object | None:
    """What ``write_sealed_json`` kept, or None when it is missing, unreadable, of another
    ``kind``, or edited or damaged since (any valid JSON that does not match its hash)."""
    import hashlib
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            kept = json.load(fh)
        data = kept["data"]
        blob = json.dumps(data, sort_keys=True)
        if hashlib.sha256(blob.encode("utf-8")).hexdigest() != kept["seal"] or not isinstance(data, kind):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data


def check_writable(folder: str | os.PathLike) -> None:
    """Raise ``OSError`` naming ``folder`` unless a file can be made in it (tried, not guessed:
    permissions, a read-only or special file system)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".panelcast.{os.getpid()}-", suffix=".probe", dir=folder)
    except OSError as err:
        raise OSError(err.errno, f"cannot write a file here ({err.strerror})", os.fspath(folder)) from None
    os.close(fd)
    os.unlink(tmp)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success it replaces ``path``.

    On any exception (Ctrl-C included) the temp file is removed and ``path`` is untouched.
    """
    with temp_path(path, suffix) as tmp:
        try:
            yield tmp
        except OSError as err:
            if err.filename is None:     # a full disk, a failing device: say which file was being written
                raise OSError(err.errno, err.strerror, os.fspath(path)) from None
            raise
        os.chmod(tmp, _file_mode(Path(path)))
        os.replace(tmp, path)


def _file_mode(path: Path) -> int:
    """The mode a new file would get (mkstemp makes 0600): keep an existing file's, else 0666 - umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, data: bytes, durable: bool = True) -> Path:
    """Write ``data`` to a temp file and move it into place; ``durable``: on disk (fsync) first."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, durable: bool = True) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), durable)


def _seal_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def write_seal(path: str | os.PathLike, data: bytes) -> None:
    """Record the content hash of a file that has just landed, beside it (``<path>.sha256``)."""
    atomic_write_text(_seal_path(path), hashlib.sha256(data).hexdigest(), durable=False)


def read_sealed(path: str | os.PathLike) -> bytes | None:
    """The file's bytes if they still match the hash ``write_seal`` recorded; else None."""
    try:
        recorded = _seal_path(path).read_text(encoding="ascii")
        data = Path(path).read_bytes()
    except (OSError, ValueError):
        return None
    return data if hashlib.sha256(data).hexdigest() == recorded else None


# ``.<name>.<pid>-<random><suffix>`` (temp_path), and ``.<name>.<pid>.<n>.tmp.wav`` / ``.err`` /
# ``.part<i>.wav`` (a speech worker's files)
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)(?:-[^/]+|\.\d+\.tmp(?:\.[\w.]+)?)$")


def read_json_dict(path: str | os.PathLike | None) -> dict:
    """A cache file's JSON object; a missing, unreadable or damaged file is an empty one."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update_json_dict(path: str | os.PathLike, entries: dict, keep: int | None = None) -> None:
    """Add ``entries`` to the JSON object cached in ``path`` as it is now (another process may
    have added others meanwhile), keeping the latest ``keep`` entries; not fsynced (a cache)."""
    merged = {**read_json_dict(path), **entries}
    if keep is not None:
        merged = dict(list(merged.items())[-keep:])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(merged, separators=(",", ":")), durable=False)


def sweep_stale(folder: str | os.PathLike) -> int:
    """Remove temp files (ours, by name) left in ``folder`` by killed processes; returns how many.

    Temp names carry their writer's PID, so the files of a live process (a concurrent
    render) are left alone.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m and entry.is_file() and not _alive(int(m.group("pid"))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
