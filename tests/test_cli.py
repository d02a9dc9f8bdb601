"""The command line, through click's CliRunner: output, exact error lines, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLE, SEED
from pipeline.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()

    def go(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return go


def test_help_lists_commands_and_exit_codes(run):
    result = run("--help")
    assert result.exit_code == 0
    for word in ("render", "inspect", "voices", "doctor", "cache", "watch", "feed", "serve", "Exit codes"):
        assert word in result.output


@pytest.mark.parametrize("command", ["render", "inspect", "voices", "doctor", "watch", "cache", "feed", "serve"])
def test_every_command_has_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 3


def test_bad_cast_file_exact_error_line(run, tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text("Ella Hu:\n  voice: no\n", encoding="utf-8")
    result = run("render", SEED, "--cast", cast, "-o", tmp_path / "x.mp3")
    assert result.exit_code == 3
    assert result.output == (
        f"Error: {cast}: Ella Hu.voice: expected a non-empty string, got boolean False "
        "(YAML reads yes/no/on/off as booleans: quote the value)\n"
    )
    assert not (tmp_path / "x.mp3").exists()


def test_cast_entry_for_unknown_speaker(run, tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text("Bob Nobody: {pitch: 20}\n", encoding="utf-8")
    result = run("render", SEED, "--cast", cast, "-o", tmp_path / "x.mp3")
    assert result.exit_code == 3
    assert result.output.startswith(f"Error: {cast}: cast entry 'Bob Nobody' is not a speaker of ")
    assert len(result.output.splitlines()) == 1


def test_unknown_voice_in_cast(run, tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text("Ella Hu: {voice: en-xx, variant: f3}\n", encoding="utf-8")
    result = run("render", SEED, "--cast", cast, "-o", tmp_path / "x.mp3")
    assert result.exit_code == 3
    assert result.output.startswith(f"Error: {cast}: Ella Hu: unknown voice 'en-xx'")


def test_missing_transcript(run, tmp_path):
    result = run("render", tmp_path / "nope.txt", "-o", tmp_path / "x.mp3")
    assert result.exit_code == 3
    assert result.output.startswith("Error: ") and "nope.txt" in result.output
    assert len(result.output.splitlines()) == 1


def test_usage_error_exit_code(run):
    assert run("render").exit_code == 2
    assert run("render", SEED, "--chapters", "weekly").exit_code == 2


def test_inspect_json(run):
    result = run("inspect", SEED, "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["format"] and info["title"].startswith("Standing at the Gate")
    assert [s["name"] for s in info["speakers"]] == ["Tian Yuandong", "Wu Yi", "Zhu Xiaoyong", "Shen Libin", "Ella Hu"]
    assert {s["name"]: s["turns"] for s in info["speakers"]} == {
        "Ella Hu": 12, "Tian Yuandong": 11, "Shen Libin": 6, "Wu Yi": 6, "Zhu Xiaoyong": 5}
    assert all(s["words"] > 100 and s["voice"]["voice"] for s in info["speakers"])
    assert len(info["turns"]) == 40 and {"speaker", "text"} <= set(info["turns"][0])
    assert info["chapters"][0] == {"title": "Intro", "start_ms": 0, "estimated": True}
    starts = [c["start_ms"] for c in info["chapters"]]
    assert starts == sorted(starts) and len(starts) == 14


def test_inspect_text(run):
    result = run("inspect", SEED)
    assert result.exit_code == 0
    assert "Ella Hu (moderator): 12 turns" in result.output
    assert "Narrator:" in result.output


def test_render_sample_then_up_to_date_then_dry_run(run, tmp_path):
    out = tmp_path / "sample.mp3"
    first = run("render", SAMPLE, "-o", out, "-q")
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"Wrote {out}: ")
    second = run("render", SAMPLE, "-o", out)
    assert second.exit_code == 0 and "is up to date" in second.output
    dry = run("render", SAMPLE, "-o", out, "--dry-run")
    assert dry.exit_code == 0
    assert dry.output.splitlines()[-1].endswith("0 to synthesize, 0 to encode")
    assert all(" cached " in line for line in dry.output.splitlines()[:-1])


def test_voices_and_doctor(run):
    voices = run("voices")
    assert voices.exit_code == 0 and "en-us" in voices.output and "Variants" in voices.output
    doctor = run("doctor")
    assert doctor.exit_code == 0
    for word in ("speech engine", "eSpeak NG", "ffmpeg", "pyttsx3"):
        assert word in doctor.output


def test_cache_commands(run, tmp_path):
    out = tmp_path / "sample.mp3"
    assert run("render", SAMPLE, "-o", out, "-q").exit_code == 0
    info = run("cache", "info")
    assert info.exit_code == 0 and "MP3 units" in info.output
    out.unlink()
    pruned = run("cache", "prune")
    assert pruned.exit_code == 0 and pruned.output.startswith("Removed ")
    assert int(pruned.output.split()[1]) > 0
    assert run("cache", "clear").exit_code == 0


def test_feed_command(run, tmp_path):
    out = tmp_path / "show" / "sample.mp3"
    assert run("render", SAMPLE, "-o", out, "-q").exit_code == 0
    result = run("feed", out.parent, "--base-url", "https://example.org/show/")
    assert result.exit_code == 0 and result.output == f"Wrote {out.parent / 'feed.xml'}\n"
    assert "https://example.org/show/sample.mp3" in (out.parent / "feed.xml").read_text(encoding="utf-8")
    bad = run("feed", out.parent, "--base-url", "not a url")
    assert bad.exit_code == 3 and bad.output.startswith("Error: ")


def test_unwritable_output_is_one_error_line(run):
    result = run("render", SAMPLE, "-o", "/proc/no-such-folder/x.mp3", "-q")
    assert result.exit_code == 5
    assert result.output == "Error: /proc/no-such-folder: No such file or directory\n"


def test_a_closed_output_pipe_ends_quietly():
    """`panelcast voices | head -1`: the reader leaves early; no error, no traceback."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "voices"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()                      # gone before panelcast writes a line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""
