"""Hostile paths and outputs: a render never writes over what it reads (a sidecar, the episode
or a config named like an output, symlinks and hard links to an input), an output folder that
cannot be written fails before any work, and a folder where a file is expected, or a file name
with a newline, is one line."""

from __future__ import annotations

import os

import pytest

from conftest import SAMPLE

VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ann>Hello there, Bob.\n\n00:02.000 --> 00:04.000\n<v Bob>Hi Ann.\n"
SRT = "1\n00:00:00,000 --> 00:00:02,000\nAnn: Hello there, Bob.\n\n2\n00:00:02,000 --> 00:00:04,000\nBob: Hi Ann.\n"
JSON = '[{"speaker": "Ann", "text": "Hello there, Bob.", "start": 0, "end": 2}]'


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


def test_an_output_folder_that_cannot_be_written_fails_before_any_work(run, tmp_path):
    result = run("render", SAMPLE, "-o", "/proc/x.mp3")
    assert result.exit_code == 5
    assert result.output.splitlines()[-1] == "Error: /proc: cannot write a file here (No such file or directory)"
    assert not (tmp_path / "cache" / "v1" / "wav").exists()          # nothing was synthesized


def command(capsys, *argv) -> tuple[int, str]:
    """Run the panelcast command as the console script does; return its exit code and stderr."""
    from pipeline.cli import main

    with pytest.raises(SystemExit) as ended:
        main([str(a) for a in argv])
    return ended.value.code, capsys.readouterr().err


def test_a_folder_where_a_file_is_expected_is_one_line(capsys, tmp_path):
    code, err = command(capsys, "render", tmp_path)
    assert code == 2
    assert err == (f"Error: Invalid value for 'TRANSCRIPT': File '{tmp_path}' is a directory. "
                   "(see 'panelcast render --help')\n")
    code, err = command(capsys, "feed", SAMPLE, "--base-url", "https://example.org/")
    assert code == 2 and len(err.splitlines()) == 1 and "is a file" in err


def test_a_file_name_with_a_newline_stays_on_one_line(capsys, tmp_path):
    name = tmp_path / "two\nlines.txt"
    code, err = command(capsys, "render", name, "-o", tmp_path / "x.mp3")
    assert code == 3
    assert err == f"Error: {tmp_path}/two\\nlines.txt: cannot read the transcript: No such file or directory\n"
