"""Episode config and cast files: validation messages name the file and the key."""

from __future__ import annotations

import pytest

from pipeline.config import load_cast, load_config
from pipeline.errors import ConfigError


def write(tmp_path, text, name="episode.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(fn, path):
    with pytest.raises(ConfigError) as err:
        fn(path)
    return str(err.value)


def test_full_config(tmp_path):
    (tmp_path / "jingle.mp3").write_bytes(b"")
    cfg = load_config(write(tmp_path, """
title: My Show
author: Team
date: 2026-01-02
moderator: Ella Hu
speakers: {Ella: Ella Hu}
cast:
  Ella Hu: {voice: en-us, variant: f3, pitch: 40, rate: 180, volume: 0.8}
chapters:
  mode: turns
  titles: [Welcome, null, Second]
pauses: {paragraph_ms: 300, turn_ms: 1000}
audio: {sample_rate: 48000, bitrate: 96, channels: 2, quality: 2}
intro: {audio: jingle.mp3}
"""))
    assert cfg.title == "My Show" and cfg.date == "2026-01-02"
    assert cfg.cast_map()["Ella Hu"].pitch == 40
    assert cfg.chapters.mode == "turns" and cfg.chapters.titles == ((0, "Welcome"), (2, "Second"))
    assert (cfg.audio.sample_rate, cfg.audio.bitrate, cfg.audio.channels, cfg.audio.quality) == (48000, 96, 2, 2)
    assert (cfg.pauses.paragraph_ms, cfg.pauses.turn_ms) == (300, 1000)
    assert cfg.intro_audio == str(tmp_path / "jingle.mp3")
    assert dict(cfg.speakers) == {"Ella": "Ella Hu"}


@pytest.mark.parametrize("text, message", [
    ("cast:\n  Ella Hu: {voice: no}\n",
     "cast.Ella Hu.voice: expected a non-empty string, got boolean False (YAML reads yes/no/on/off as booleans: quote the value)"),
    ("cast:\n  Ella Hu: {pitch: 030}\n",
     ":2: pitch: 030 has a leading zero, which YAML reads as an octal number; write 30"),
    ("cast:\n  Ella Hu: {pitch: 130}\n", "cast.Ella Hu.pitch: expected an integer 0..100, got 130"),
    ("cast:\n  Ella Hu: {colour: red}\n", "cast.Ella Hu.colour: unknown key (expected one of: voice, variant, pitch, rate, volume, engine, speaker, semitones, say, language)"),
    ("chapters: {mode: weekly}\n", "chapters.mode: expected one of topics, turns, got str 'weekly'"),
    ("audio: {bitrate: 65}\n", "audio.bitrate: expected one of"),
    ("titel: x\n", "titel: unknown key"),
    ("- a\n- b\n", "expected a mapping, got list"),
    ("title: [unclosed\n", "invalid YAML"),
])
def test_bad_config_names_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    msg = error_of(load_config, path)
    assert msg.startswith(str(path))
    assert message in msg


def test_missing_config_file(tmp_path):
    assert error_of(load_config, tmp_path / "nope.yaml") == f"{tmp_path / 'nope.yaml'}: file not found"


def test_cast_file_bare_or_nested(tmp_path):
    bare = load_cast(write(tmp_path, "Ella Hu: {rate: 150}\n", "a.yaml"))
    nested = load_cast(write(tmp_path, "cast:\n  Ella Hu: {rate: 150}\n", "b.yaml"))
    assert bare == nested and dict(bare)["Ella Hu"].rate == 150
