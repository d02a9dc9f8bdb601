"""Shared fixtures: the seed transcript, real renders, and independent readers."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from mutagen.id3 import ID3, TDAT, TDRC, TIT2, TYER

from pipeline import receipt, tools
from pipeline.render import Options, render
from pipeline.report import RecordingReporter
from pipeline.serve import make_server

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_113eec2d62c53610.txt"
SAMPLE = ROOT / "examples" / "sample.txt"

# Renders run in processes of their own, and none stays resident after the tests (the
# resident render process is tested in test_daemon.py, with an environment of its own).
os.environ["PANELCAST_DAEMON"] = "off"


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    """Decode an audio file to mono int16 samples with ffmpeg (an independent decoder run)."""
    raw = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2")


def speech_onset_ms(samples: np.ndarray, start_ms: int, rate: int = 44100, threshold: int = 328) -> float:
    """First sample louder than ``threshold`` at or after ``start_ms`` - 200 ms, in ms."""
    begin = max(0, int((start_ms - 200) * rate / 1000))
    loud = np.flatnonzero(np.abs(samples[begin:].astype(np.int32)) > threshold)
    return (begin + loud[0]) * 1000 / rate


@pytest.fixture(scope="session")
def seed_render(tmp_path_factory):
    """The seed rendered once, cold, with its own empty cache."""
    if not SEED.exists():
        pytest.skip(f"seed transcript not found at {SEED}")
    base = tmp_path_factory.mktemp("seed")
    reporter = RecordingReporter()
    result = render(SEED, Options(output=base / "seed.mp3", cache_root=str(base / "cache")), reporter)
    return result, reporter, base


@pytest.fixture(scope="session")
def seed_audio(seed_render):
    result, _, _ = seed_render
    return decode(result.output)


@pytest.fixture
def render_to(tmp_path):
    """render_to(transcript, name, **options) -> Result, with a per-test cache."""

    def go(transcript, name="out.mp3", reporter=None, cache=None, **kw):
        options = Options(output=tmp_path / name, cache_root=str(cache or tmp_path / "cache"), **kw)
        return render(transcript, options, reporter)

    return go


@pytest.fixture
def run(tmp_path, monkeypatch):
    """``run(*args)``: the panelcast command through click's CliRunner, with a cache of the test's own."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


# ------------------------------------------------------- shared by a module and the hostile suite

@pytest.fixture
def transcript(tmp_path):
    """examples/sample.txt copied to ``show.txt`` in the test's folder, with a fixed date."""
    path = tmp_path / "show.txt"
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))  # the episode date comes from the mtime
    return path


def cold_bytes(transcript: Path, tmp_path: Path, name: str, **kw) -> bytes:
    """The bytes of ``transcript`` rendered to ``tmp_path / name`` with an empty cache of its own."""
    out = tmp_path / name
    render(transcript, Options(output=out, cache_root=str(tmp_path / f"cold-cache-{name}"), **kw))
    return out.read_bytes()


@pytest.fixture
def receipt_files(tmp_path, monkeypatch):
    """A fake finished render: two inputs, two outputs and its receipt, in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    inputs = [tmp_path / "show.txt", tmp_path / "show.yaml"]
    outputs = [tmp_path / "show.mp3", tmp_path / "show.captions.vtt"]
    for path in inputs + outputs:
        path.write_text(f"contents of {path.name}\n", encoding="utf-8")
    argv = ["render", "show.txt", "-o", "show.mp3"]
    receipt.write(argv, [str(p) for p in inputs], [str(p) for p in outputs], "up to date\n", "Warning: w\n")
    return argv, inputs, outputs


@pytest.fixture(scope="module")
def tone_mp3(tmp_path_factory) -> Path:
    """A real 2-second MP3 (64 kbit/s mono), made once per test module."""
    out = tmp_path_factory.mktemp("audio") / "tone.mp3"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
         "-i", "sine=frequency=440:duration=2", "-ac", "1", "-ar", "44100", "-b:a", "64k",
         "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", str(out)],
        check=True,
    )
    return out


def add_episode(tone_mp3: Path, folder: Path, name: str, title: str | None,
                date: str | None = None, v23: bool = False, **frames) -> Path:
    path = folder / name
    shutil.copyfile(tone_mp3, path)
    tags = ID3()
    if title:
        tags.add(TIT2(encoding=3, text=title))
    if date and v23:  # ID3v2.3 keeps the year in TYER and the day in TDAT (DDMM)
        tags.add(TYER(encoding=3, text=date[:4]))
        tags.add(TDAT(encoding=3, text=date[8:10] + date[5:7]))
    elif date:
        tags.add(TDRC(encoding=3, text=date))
    for frame in frames.values():
        tags.add(frame)
    tags.save(path, v2_version=3 if v23 else 4)
    return path


AUDIO = bytes(range(256)) * 40 + b"tail"  # 10,244 bytes, every offset distinguishable


@pytest.fixture
def site(tmp_path) -> Path:
    """A folder to serve: an episode and its sidecars, an empty file, a hidden temp file, a
    subfolder, and a link to a secret outside it."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "ep 1.mp3").write_bytes(AUDIO)
    (root / "ep 1.captions.vtt").write_text("WEBVTT\n", "utf-8")
    (root / "ep 1.captions.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n", "utf-8")
    (root / "ep 1.chapters.json").write_text('{"version": "1.2.0", "chapters": []}', "utf-8")
    (root / "ep 1.transcript.json").write_text('{"version": "1.0.0", "segments": []}', "utf-8")
    (root / "feed.xml").write_text("<rss/>", "utf-8")
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (root / "cover.png").write_bytes(b"\x89PNG not really")
    (root / "empty.txt").write_bytes(b"")
    (root / ".ep 1.mp3.x1y2.tmp").write_bytes(b"half")
    (root / "sub").mkdir()
    (root / "sub" / "inner.vtt").write_text("WEBVTT\n", "utf-8")
    (tmp_path / "secret.txt").write_text("TOP-SECRET", "utf-8")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    return root


@pytest.fixture
def site_url(site):
    """The address of ``site`` served on 127.0.0.1 (a free port) while the test runs."""
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def fetch(url: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, body) of one request; an HTTP error status is returned, not raised."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()
