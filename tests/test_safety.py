"""A user's files are never lost: a render never writes over what it reads, and the cache
commands delete only what panelcast made."""

from __future__ import annotations

import os

import pytest

from conftest import SAMPLE

VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ann>Hello there, Bob.\n\n00:02.000 --> 00:04.000\n<v Bob>Hi Ann.\n"
SRT = "1\n00:00:00,000 --> 00:00:02,000\nAnn: Hello there, Bob.\n\n2\n00:00:02,000 --> 00:00:04,000\nBob: Hi Ann.\n"
JSON = '[{"speaker": "Ann", "text": "Hello there, Bob.", "start": 0, "end": 2}]'


@pytest.fixture
def run(run, tmp_path, monkeypatch):
    """conftest's ``run``, in the test's folder: messages name files as typed there."""
    monkeypatch.chdir(tmp_path)
    return run


def test_a_sidecar_never_overwrites_the_transcript(run, tmp_path):
    (tmp_path / "talk.transcript.json").write_text(JSON, encoding="utf-8")
    result = run("render", "talk.transcript.json", "-o", "talk.mp3")
    assert result.exit_code == 3
    assert result.output.splitlines()[-1] == (
        "Error: talk.transcript.json: the transcript sidecar would be written over this input; "
        "choose another output name with -o")
    assert (tmp_path / "talk.transcript.json").read_text(encoding="utf-8") == JSON
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["talk.transcript.json"]


def test_captions_of_a_caption_transcript_take_names_of_their_own(run, tmp_path):
    import srt
    import webvtt

    inputs = {"talk.vtt": VTT, "talk.srt": SRT}
    for name, text in inputs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name in inputs:                                        # each one to the same talk.mp3
        (tmp_path / "talk.captions.vtt").unlink(missing_ok=True)
        result = run("render", name, "-o", "talk.mp3")
        assert result.exit_code == 0, result.output
        assert {n: (tmp_path / n).read_text(encoding="utf-8") for n in inputs} == inputs
        captions = webvtt.read(str(tmp_path / "talk.captions.vtt")).captions
        assert [(c.voice, c.text) for c in captions if c.voice != "Narrator"] == [
            ("Ann", "Hello there, Bob."), ("Bob", "Hi Ann.")]
        subs = list(srt.parse((tmp_path / "talk.captions.srt").read_text(encoding="utf-8")))
        assert [s.content for s in subs][2:4] == ["Ann: Hello there, Bob.", "Bob: Hi Ann."]


def test_the_episode_never_overwrites_the_transcript(run, tmp_path):
    before = SAMPLE.read_bytes()
    (tmp_path / "talk.txt").write_bytes(before)
    result = run("render", "talk.txt", "-o", "talk.txt")
    assert result.exit_code == 3
    assert "Error: talk.txt: the episode would be written over this input" in result.output
    assert (tmp_path / "talk.txt").read_bytes() == before


def test_an_output_that_is_the_transcript_under_another_name(run, tmp_path):
    before = SAMPLE.read_bytes()
    (tmp_path / "talk.txt").write_bytes(before)
    os.symlink("talk.txt", tmp_path / "episode.mp3")          # a symlink to the transcript
    os.link(tmp_path / "talk.txt", tmp_path / "episode.captions.srt")  # a hard link to it
    result = run("render", "talk.txt", "-o", "episode.mp3")
    assert result.exit_code == 3 and "the episode would be written over" in result.output
    os.remove(tmp_path / "episode.mp3")
    result = run("render", "talk.txt", "-o", "episode.mp3")
    assert result.exit_code == 3 and "the srt sidecar would be written over" in result.output
    assert (tmp_path / "talk.txt").read_bytes() == before
    assert not (tmp_path / "episode.mp3").exists()


def test_a_config_named_like_a_sidecar_is_not_overwritten(run, tmp_path):
    (tmp_path / "talk.txt").write_bytes(SAMPLE.read_bytes())
    config = tmp_path / "out.chapters.json"   # odd, but YAML reads JSON: a config may be named so
    config.write_text('{"title": "A title"}', encoding="utf-8")
    result = run("render", "talk.txt", "-o", "out.mp3", "--config", config.name)
    assert result.exit_code == 3 and "the chapters sidecar would be written over" in result.output
    assert config.read_text(encoding="utf-8") == '{"title": "A title"}'


def test_cache_clear_refuses_a_folder_that_is_not_a_cache(run, tmp_path):
    home = tmp_path / "home"
    (home / "v1").mkdir(parents=True)
    (home / "v1" / "thesis.tex").write_text("years of work", encoding="utf-8")
    (home / "notes.txt").write_text("keep me", encoding="utf-8")
    for command in ("clear", "prune"):
        result = run("cache", command, "--cache-dir", home)
        assert result.exit_code == 3
        assert result.output == (f"Error: {home}: not a panelcast cache folder (it has no CACHEDIR.TAG "
                                 "written by panelcast): nothing deleted\n")
    assert (home / "v1" / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert (home / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_cache_clear_deletes_only_panelcasts_entries(run, tmp_path):
    cache = tmp_path / "mine"
    cache.mkdir()
    (cache / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("render", SAMPLE, "-o", tmp_path / "out" / "sample.mp3", "--cache-dir", cache)
    assert result.exit_code == 0, result.output
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    assert any((cache / "v1" / "mp3").iterdir())
    result = run("cache", "clear", "--cache-dir", cache)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    assert (tmp_path / "out" / "sample.mp3").is_file()                 # renders are not the cache's


def test_an_output_folder_that_cannot_be_written_fails_before_any_work(run, tmp_path):
    result = run("render", SAMPLE, "-o", "/proc/x.mp3")
    assert result.exit_code == 5
    assert result.output.splitlines()[-1] == "Error: /proc: cannot write a file here (No such file or directory)"
    assert not (tmp_path / "cache" / "v1" / "wav").exists()          # nothing was synthesized


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
