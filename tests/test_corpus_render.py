"""Every real transcript in the corpus plans cleanly (--dry-run); a VTT and a JSON file render for real."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from conftest import SHARED
from pipeline import tools
from pipeline.cli import cli

CORPUS = SHARED / "corpus" / "real"
FILES = sorted(p for p in CORPUS.glob("*") if "_companion" not in p.name and p.name != "SOURCES.md")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "cache"))
    return CliRunner()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
def test_dry_run(runner, tmp_path, path):
    result = runner.invoke(cli, ["render", str(path), "-o", str(tmp_path / "x.mp3"), "--dry-run"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    units = int(last.split()[0])
    assert units >= 3 and last.endswith(f"{units} to encode")
    assert not (tmp_path / "x.mp3").exists()


@pytest.mark.parametrize("name", ["vtt_voice_teams_export_docling_example_03.vtt",
                                  "jsonl_segments_gbos_girdwood_meeting_curated.jsonl"])
def test_real_render(runner, tmp_path, name):
    out = tmp_path / "episode.mp3"
    result = runner.invoke(cli, ["render", str(CORPUS / name), "-o", str(out), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    proc = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(out), "-f", "null", "-"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == ""
    assert out.stat().st_size > 20_000
    vtt = out.with_suffix(".captions.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "<v " in vtt
