"""Receipts: answer "up to date" for a repeated command without loading the pipeline.

A render that finishes leaves a *receipt* in the cache, filed under its exact command line
(arguments, working folder and the environment variables that change what it does). The
receipt stamps everything the episode was made from (the transcript, the config and cast
files and the files they name: cover, chapter images, jingles; the voice palette; the eSpeak
libraries the engine may load, present or not; panelcast's own source files and the folders
its libraries are installed in) and the files the render wrote (the MP3 and its sidecars).

Running the very same command again first looks for its receipt (``replay``). If every
stamp still matches, it prints what a full check would print and stops: the interpreter
starts, reads a few small files, and ends, with no click, YAML, parser or audio library
imported. Any difference, a missing or unreadable receipt, or any doubt falls through to
the full render, which decides for itself (and writes a new receipt).

Inputs are stamped by size, modification time and (up to 4 MB) content: a file saved again
unchanged gets a new time, which sends the command to the full render (the episode date
comes from the transcript's time). Outputs are stamped by size and modification time (a
rewritten MP3 gets a new time).

This module imports nothing but the standard library's ``os``, ``sys``, ``json`` and the
interpreter's own SHA-256: it runs before anything else.
"""

from __future__ import annotations

import json
import os
import sys

try:
    from _sha256 import sha256   # built in: hashlib would load OpenSSL first (some 2 ms)
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import sha256

FORMAT = 1
COMMANDS = ("render",)
NEVER_REPLAYED = frozenset({"--force", "--dry-run", "--explain", "-h", "--help"})
ENVIRONMENT = ("PANELCAST_CACHE", "XDG_CACHE_HOME", "HOME", "PATH", "PYTHONPATH",
               "ESPEAK_DATA_PATH", "LD_LIBRARY_PATH")
HASH_LIMIT = 4 << 20          # files up to this size are stamped by content
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def default_cache_root() -> str:
    """``$PANELCAST_CACHE``, else ``$XDG_CACHE_HOME/panelcast``, else ``~/.cache/panelcast``."""
    env = os.environ.get("PANELCAST_CACHE")
    if env:
        return os.path.expanduser(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "panelcast")


def cache_root(argv: list[str]) -> str:
    """The cache root a command line uses (its ``--cache-dir``, else the default)."""
    for i, arg in enumerate(argv):
        if arg == "--cache-dir" and i + 1 < len(argv):
            return os.path.expanduser(argv[i + 1])
        if arg.startswith("--cache-dir="):
            return os.path.expanduser(arg.split("=", 1)[1])
    return default_cache_root()


def receipt_path(argv: list[str]) -> str | None:
    """Where the receipt of this command line is kept; None for commands never replayed."""
    if not argv or argv[0] not in COMMANDS or NEVER_REPLAYED.intersection(argv):
        return None
    ident = json.dumps({"argv": argv, "cwd": os.getcwd(), "python": sys.executable,
                        "env": {k: os.environ.get(k) for k in ENVIRONMENT}})
    name = sha256(ident.encode("utf-8")).hexdigest()[:32]
    return os.path.join(cache_root(argv), "receipts", f"{name}.json")


def file_stamp(path: str) -> list | None:
    """Size, modification time and, for a small file, its SHA-256 (the same time does not
    prove the same contents); None if the file is missing."""
    try:
        st = os.stat(path)
        if st.st_size <= HASH_LIMIT:
            with open(path, "rb") as fh:
                return [st.st_size, st.st_mtime_ns, sha256(fh.read()).hexdigest()]
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def output_stamp(path: str) -> list | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def source_stamps() -> list:
    """[path, size and time] of each of panelcast's own source files."""
    stamps = []
    for folder, dirs, files in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".tmp")):
                stamps.append([os.path.join(folder, name), output_stamp(os.path.join(folder, name))])
    return stamps


def code_stamp() -> list:
    """panelcast's source files and the folders its libraries live in (installing, removing
    or upgrading a package changes a site-packages folder's modification time)."""
    stamps = source_stamps()
    for folder in sys.path:
        if folder and os.path.isdir(folder):
            stamps.append([folder, output_stamp(folder)])
    return stamps


def write(argv: list[str], inputs: list[str], outputs: list[str], stdout: str, stderr: str,
          libraries: list[str] = ()) -> None:
    """Leave the receipt of a finished command: ``inputs`` it read, ``outputs`` it wrote, the
    ``libraries`` whose presence and version matter (stamped by size and time, or absence),
    and what it printed when it found the episode up to date."""
    path = receipt_path(argv)
    if path is None:
        return
    data = {
        "format": FORMAT,
        "argv": argv,
        "inputs": {p: file_stamp(p) for p in sorted(set(inputs))},
        "outputs": {p: output_stamp(p) for p in sorted(set(outputs))},
        "libraries": {p: output_stamp(p) for p in sorted(set(libraries))},
        "code": code_stamp(),
        "stdout": stdout,
        "stderr": stderr,
    }
    if None in data["outputs"].values():
        return
    data["seal"] = _seal(data)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:  # a receipt is an optimisation: never fail a render over it
        try:
            os.unlink(tmp)
        except OSError:
            pass


def check(argv: list[str]) -> dict | None:
    """The receipt of this command line if everything it stamps is unchanged, else None."""
    path = receipt_path(argv)
    if path is None:
        return None
    data = check_receipt_file(path)
    return data if data is not None and data["argv"] == argv else None


def check_receipt_file(path: str | os.PathLike) -> dict | None:
    """The receipt in ``path`` if everything it stamps is unchanged, else None."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("format") != FORMAT or not isinstance(data.get("argv"), list):
            return None
        if data.pop("seal", None) != _seal(data):    # edited or damaged: never trusted
            return None
        for p, stamp in data["outputs"].items():
            if output_stamp(p) != stamp:
                return None
        for p, stamp in data["inputs"].items():
            if file_stamp(p) != stamp:
                return None
        for p, stamp in data["libraries"].items():
            if output_stamp(p) != stamp:
                return None
        if data["code"] != code_stamp():
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return data


def _seal(data: dict) -> str:
    """A hash of a receipt's contents: a receipt edited into other valid JSON (an input left
    out, another message) no longer matches it."""
    return sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def replay(argv: list[str]) -> bool:
    """Print the answer of an unchanged command and return True; False: run it for real."""
    data = check(argv)
    if data is None:
        return False
    sys.stdout.write(data["stdout"])
    sys.stderr.write(data["stderr"])
    return True
