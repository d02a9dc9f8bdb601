"""The resident render process: a render after the first runs in a fork of the process the
first one left, with the same bytes, messages, exit codes and signals as a render of its own."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, SEED
from pipeline import daemon, receipt


def run(env: dict, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def status(env: dict) -> str:
    return run(env, "daemon", "status").stdout.strip()


def served(env: dict) -> int | None:
    """How many renders the resident process has served (None: there is none)."""
    text = status(env)
    if not text.startswith("Resident render process"):
        return None
    return int(text.split(" renders served")[0].rsplit(" ", 1)[-1])


@pytest.fixture
def resident(tmp_path):
    """An environment of its own (so a resident process of its own), stopped afterwards."""
    env = dict(os.environ, PANELCAST_DAEMON="on", PANELCAST_DAEMON_IDLE="120",
               PANELCAST_CACHE=str(tmp_path / "cache"))
    yield env
    run(env, "daemon", "stop")


def start(env: dict, tmp_path: Path) -> None:
    """Render the sample once in a process of its own, which then stays resident."""
    small = copy_sample(tmp_path / "small")
    assert run(env, "render", str(small), "-o", str(tmp_path / "small" / "s.mp3"), "-q").returncode == 0
    assert served(env) == 0


def direct(env: dict) -> dict:
    return dict(env, PANELCAST_DAEMON="off")


def copy_sample(folder: Path, name: str = "show.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))   # the episode date comes from the mtime
    return path


def edit(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "Measure your own water." in text
    path.write_text(text.replace("Measure your own water.", "Measure your own water, every week."),
                    encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.endswith(".txt")}


def test_the_next_render_runs_in_the_resident_process_and_writes_the_same_files(resident, tmp_path):
    # what renders of their own write: the sample cold, then edited (cold, another cache)
    ref = tmp_path / "ref"
    transcript = copy_sample(ref)
    assert run(direct(resident), "render", "show.txt", "-o", "show.mp3", "-q", cwd=ref).returncode == 0
    first_ref = outputs(ref)
    edit(transcript)
    other_cache = ["--cache-dir", str(tmp_path / "cache-ref")]
    assert run(direct(resident), "render", "show.txt", "-o", "show.mp3", "-q", *other_cache, cwd=ref).returncode == 0
    edited_ref = outputs(ref)

    work = tmp_path / "work"
    transcript = copy_sample(work)
    first = run(resident, "render", "show.txt", "-o", "show.mp3", cwd=work)
    assert first.returncode == 0, first.stderr
    assert served(resident) == 0                       # that render ran on its own, and stayed
    assert outputs(work) == first_ref

    edit(transcript)
    again = run(resident, "render", "show.txt", "-o", "show.mp3", cwd=work)
    assert again.returncode == 0, again.stderr
    assert served(resident) == 1                       # this one ran in the resident process
    assert again.stdout.startswith("Wrote show.mp3: ") and "(1 synthesized, 1 encoded)" in again.stdout
    assert outputs(work) == edited_ref                 # MP3, cover and sidecars, byte for byte

    cold = tmp_path / "cold"                           # a cold render in the resident process too
    copy_sample(cold)
    third = run(resident, "render", "show.txt", "-o", "show.mp3", "-q", "--cache-dir",
                str(tmp_path / "cache-3"), cwd=cold)
    assert third.returncode == 0, third.stderr
    assert served(resident) == 2
    assert outputs(cold) == first_ref


def test_errors_and_exit_codes_are_the_same_as_on_its_own(resident, tmp_path):
    transcript = copy_sample(tmp_path)
    assert run(resident, "render", str(transcript), "-o", str(tmp_path / "a.mp3"), "-q").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("voices: [\n", encoding="utf-8")
    for args in (["render", "missing.txt", "-o", "x.mp3"],
                 ["render", str(transcript), "-o", "x.mp3", "--config", str(bad)],
                 ["render", str(transcript), "--no-such-option"]):
        alone, resident_run = run(direct(resident), *args, cwd=tmp_path), run(resident, *args, cwd=tmp_path)
        assert (resident_run.returncode, resident_run.stdout, resident_run.stderr) == \
            (alone.returncode, alone.stdout, alone.stderr)
        assert alone.returncode in (2, 3)
    assert served(resident) == 3
    assert not (tmp_path / "x.mp3").exists()


def test_a_killed_command_stops_its_render_and_a_rerun_gives_the_same_bytes(resident, tmp_path):
    if not SEED.exists():
        pytest.skip("seed transcript not found")
    start(resident, tmp_path)
    out = tmp_path / "ep.mp3"
    cmd = [sys.executable, "-m", "pipeline", "render", str(SEED), "-o", str(out), "-q", "-j", "2"]
    for delay in (0.3, 1.0):
        proc = subprocess.Popen(cmd, env=resident, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()                                    # kill -9 of the command
        proc.wait()
        deadline = time.monotonic() + 10
        while "0 running" not in status(resident) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "0 running" in status(resident)         # its render was stopped, not left running
        assert not out.exists()
    done = run(resident, *cmd[3:])
    assert done.returncode == 0, done.stderr
    assert served(resident) == 3
    reference = tmp_path / "reference.mp3"
    alone = run(direct(resident), "render", str(SEED), "-o", str(reference), "-q", "--cache-dir",
                str(tmp_path / "cache-ref"))
    assert alone.returncode == 0, alone.stderr
    assert out.read_bytes() == reference.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ep.mp3")] == []


def test_ctrl_c_reaches_the_render_in_the_resident_process(resident, tmp_path):
    if not SEED.exists():
        pytest.skip("seed transcript not found")
    start(resident, tmp_path)
    out = tmp_path / "ep.mp3"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "render", str(SEED), "-o", str(out), "-q"],
                            env=resident, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Error: interrupted; no partial output was left behind"
    assert served(resident) == 1
    assert not out.exists()


def test_it_ends_when_idle_and_is_never_left_when_turned_off(resident, tmp_path):
    transcript = copy_sample(tmp_path)
    off = direct(resident)
    assert run(off, "render", str(transcript), "-o", str(tmp_path / "a.mp3"), "-q").returncode == 0
    assert status(off) == "No resident render process (turned off)"
    assert served(resident) is None

    quick = dict(resident, PANELCAST_DAEMON_IDLE="0.5")
    assert run(quick, "render", str(transcript), "-o", str(tmp_path / "b.mp3"), "-q").returncode == 0
    assert served(quick) == 0
    deadline = time.monotonic() + 10
    while served(quick) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert served(quick) is None


def test_its_name_follows_the_code_and_the_environment(tmp_path, monkeypatch):
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(receipt, "PACKAGE_DIR", str(package))
    before = daemon.key()
    assert daemon.key() == before
    monkeypatch.setenv("PATH", os.environ.get("PATH", "") + os.pathsep + str(tmp_path))
    assert daemon.key() != before
    monkeypatch.undo()
    monkeypatch.setattr(receipt, "PACKAGE_DIR", str(package))
    assert daemon.key() == before
    stamp = (package / "render.py").stat()
    os.utime(package / "render.py", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    assert daemon.key() != before
    assert daemon.address(before).startswith(f"\0panelcast-{os.getuid()}-")


def test_a_resident_process_that_does_not_answer_is_not_waited_for(monkeypatch):
    import _socket

    name = "test-" + os.urandom(8).hex()
    silent = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    silent.bind(daemon.address(name))
    silent.listen(4)                                   # takes the connection, never answers
    monkeypatch.setattr(daemon, "START_SECONDS", 0.3)
    try:
        started = time.monotonic()
        assert daemon.run(["render", "x.txt"], name) is None   # so the command runs it itself
        assert time.monotonic() - started < 5
        assert daemon.run(["render", "x.txt"], "test-nobody-" + os.urandom(8).hex()) is None
    finally:
        silent.close()


def test_two_renders_at_once_in_the_resident_process_both_finish(resident, tmp_path):
    start(resident, tmp_path)
    transcript = copy_sample(tmp_path / "two")
    edit(transcript)
    cmd = [sys.executable, "-m", "pipeline", "render", str(transcript), "-o", str(tmp_path / "two" / "ep.mp3"), "-q"]
    procs = [subprocess.Popen(cmd, env=resident, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert served(resident) == 2
    alone = tmp_path / "alone"
    copy_sample(alone)
    edit(alone / "show.txt")
    assert run(direct(resident), "render", "show.txt", "-o", "ep.mp3", "-q", "--cache-dir",
               str(tmp_path / "cache-alone"), cwd=alone).returncode == 0
    assert (tmp_path / "two" / "ep.mp3").read_bytes() == (alone / "ep.mp3").read_bytes()
