"""Faults while a render runs: kill -9 at 20 random moments and then a clean finish equal to a
fresh render, Ctrl-C, two renders of one episode at once, a speech engine that crashes, a full
disk, and the temp files killed renders leave behind. No partial file is ever left in place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import cold_bytes
from pipeline.render import Options, render


def _render_cmd(transcript: Path, out: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "render", str(transcript), "-o", str(out), "-q",
            "--cache-dir", str(cache), "-j", "2"]


def test_killed_renders_resume_to_the_same_bytes(transcript, tmp_path):
    """kill -9 at 20 random moments, then a clean finish: the same bytes as a fresh render, and
    no temp file left anywhere (next to the output or in the cache)."""
    import random

    reference = cold_bytes(transcript, tmp_path, "reference.mp3")
    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    moments = random.Random(20).sample(range(5, 160), 20)          # hundredths of a second
    for delay in (m / 100 for m in moments):
        proc = subprocess.Popen(_render_cmd(transcript, out, cache), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not out.exists() or out.read_bytes() == reference  # never a partial file
    done = subprocess.run(_render_cmd(transcript, out, cache), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == reference
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".ep.mp3")] == []
    assert [p.relative_to(cache) for p in cache.rglob(".*")] == []


def test_two_renders_at_once_both_finish(transcript, tmp_path):
    reference = cold_bytes(transcript, tmp_path, "reference.mp3")
    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    procs = [subprocess.Popen(_render_cmd(transcript, out, cache), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert out.read_bytes() == reference


def test_ctrl_c_exits_130_and_leaves_no_output(tmp_path):
    from conftest import SEED

    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    proc = subprocess.Popen(_render_cmd(SEED, out, cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Error: interrupted; no partial output was left behind"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ep.mp3")] == []


def test_a_failed_render_leaves_nothing_next_to_the_output(transcript, tmp_path, monkeypatch):
    """The cover is drawn while units are made, but written (like the MP3 and sidecars) only
    once they all are."""
    from pipeline.engines import launcher
    from pipeline.errors import EngineError

    monkeypatch.setenv(launcher.CRASH_TEST_ENV, "always")
    out = tmp_path / "out" / "ep.mp3"
    with pytest.raises(EngineError):
        render(transcript, Options(output=out, cache_root=str(tmp_path / "cache")))
    assert list(out.parent.iterdir()) == []


def test_temp_files_of_killed_renders_are_swept(tmp_path):
    import subprocess

    from pipeline.fsutil import sweep_stale

    child = subprocess.Popen(["true"])
    child.wait()
    dead = child.pid                                                   # a process that has ended
    names = [f".k1.wav.{dead}.0.tmp.wav", f".k1.wav.{dead}.3.tmp.err", f".k1.wav.{dead}.1.tmp.part0.wav",
             f".out.mp3.{dead}-x1y2.mp3"]
    kept = [f".k2.wav.{os.getpid()}.0.tmp.wav", "notes.1234.txt", f"k3.wav.{dead}.0.tmp.wav"]
    for name in names + kept:
        (tmp_path / name).write_bytes(b"x")
    assert sweep_stale(tmp_path) == len(names)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_the_next_render_sweeps_killed_renders_temp_files_from_every_cache_folder(transcript, tmp_path):
    """A kill -9 can strike while any cache file is being written (a unit, a cover, a receipt):
    the next render that does work removes every such temp file, wherever it is in the cache."""
    out, cache = tmp_path / "ep.mp3", tmp_path / "cache"
    render(transcript, Options(output=out, cache_root=str(cache)))
    child = subprocess.Popen(["true"])
    child.wait()
    folders = [out.parent, cache, cache / "receipts", *(p for p in cache.rglob("*") if p.is_dir())]
    for folder in folders:
        folder.mkdir(exist_ok=True)
        (folder / f".entry.{child.pid}-k1ll.tmp").write_bytes(b"half")
    render(transcript, Options(output=out, cache_root=str(cache), force=True))
    assert [p.relative_to(tmp_path) for f in folders for p in f.glob(".entry.*")] == []


def test_a_full_disk_names_the_file_being_written(tmp_path):
    import errno

    from pipeline.fsutil import atomic_path

    target = tmp_path / "episode.mp3"
    target.write_bytes(b"old")
    with pytest.raises(OSError) as raised:
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as fh, open("/dev/full", "wb", buffering=0) as full:
                fh.write(b"new")
                full.write(b"x" * 10)                       # ENOSPC, as a full disk gives
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, str(target))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["episode.mp3"]     # no temp file left
