"""``panelcast say``: real speech in a speaker's voice, read back with ffprobe and ffmpeg, and
a lexicon entry heard in the audio."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import SEED, decode
from phonemes import phonemes
from pipeline import tools


@pytest.fixture
def run(run, tmp_path, monkeypatch):
    """conftest's ``run``, in the test's folder: messages name files as typed there."""
    monkeypatch.chdir(tmp_path)
    return run


def probe(path) -> dict:
    tool = tools.ffprobe()
    if tool is None:
        pytest.skip("ffprobe not available")
    out = subprocess.run([tool.path, "-v", "error", "-show_entries", "format=duration:stream=codec_name,sample_rate",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_say_speaks_a_sentence_in_a_speakers_voice(run, tmp_path):
    if not SEED.exists():
        pytest.skip("seed transcript not found")
    result = run("say", "Dr. Tian mentioned it.", "--speaker", "?Ella Hu", "--transcript", SEED)
    assert result.exit_code == 0, result.output
    spoken, wrote = result.output.splitlines()
    assert spoken.startswith("Spoken: ") and "Tee-yen mentioned it." in spoken
    out = tmp_path / "output" / "say.mp3"                  # the default output
    assert wrote.startswith(f"Wrote {out.relative_to(tmp_path)}: ") and "Ella Hu (" in wrote
    info = probe(out)
    assert info["streams"][0]["codec_name"] == "mp3" and info["streams"][0]["sample_rate"] == "44100"
    seconds = float(info["format"]["duration"])
    assert 0.8 < seconds < 4.0                              # four words, at a speaking pace
    samples = decode(out)
    assert abs(len(samples) / 44100 - seconds) < 0.2
    assert abs(samples.astype(int)).max() > 3000            # speech, not silence


def test_a_lexicon_entry_is_heard(run, tmp_path):
    """An entry in eSpeak phonemes makes "greeting" sound exactly like "hello"; without it, not."""
    words = tmp_path / "words.yaml"
    words.write_text(f"greeting: {json.dumps('[[' + phonemes('hello') + ']]')}\n", encoding="utf-8")
    plain = run("say", "greeting", "-o", tmp_path / "plain.mp3")
    entry = run("say", "greeting", "--lexicon", words, "-o", tmp_path / "entry.mp3")
    hello = run("say", "hello", "-o", tmp_path / "hello.mp3")
    assert plain.exit_code == entry.exit_code == hello.exit_code == 0, entry.output
    assert entry.output.startswith("Spoken: [[h@l'oU]]\n")
    assert (tmp_path / "entry.mp3").read_bytes() == (tmp_path / "hello.mp3").read_bytes()
    a, b = decode(tmp_path / "plain.mp3").astype(float), decode(tmp_path / "hello.mp3").astype(float)
    n = min(len(a), len(b))
    assert abs(a[:n] - b[:n]).mean() > 0.3 * abs(b).mean()  # "greeting" as written sounds otherwise


def test_a_respelling_is_heard_without_a_transcript(run, tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text("Zhu Xiaoyong: {pitch: 30}\nNarrator: {rate: 150}\n", encoding="utf-8")
    named = run("say", "Xiaoyong", "--cast", cast, "--speaker", "Zhu Xiaoyong", "-o", tmp_path / "a.mp3")
    written = run("say", "Sheeyao-yoong", "--cast", cast, "--speaker", "Zhu Xiaoyong", "-o", tmp_path / "b.mp3")
    assert named.exit_code == written.exit_code == 0, named.output
    assert named.output.startswith("Spoken: Sheeyao-yoong\n")
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()


@pytest.mark.parametrize("args, message", [
    (["hello", "--speaker", "Bob"], "Error: --speaker: 'Bob' is not a speaker of the cast (speakers: Narrator)"),
    (["   "], "Error: say: the text to speak is empty"),
])
def test_say_errors_are_one_line(run, tmp_path, args, message):
    result = run("say", *args)
    assert result.exit_code == 3
    assert result.output.splitlines() == [message]
    assert not (tmp_path / "output" / "say.mp3").exists()


def test_say_never_writes_over_an_input(run, tmp_path):
    words = tmp_path / "words.yaml"
    words.write_text("AGI: A G I\n", encoding="utf-8")
    before = words.read_bytes()
    result = run("say", "AGI", "--lexicon", words, "-o", words)
    assert result.exit_code == 3
    assert result.output == (f"Error: {words.name}: the spoken sentence would be written over this input; "
                             "choose another output name with -o\n")
    assert words.read_bytes() == before


def test_say_has_help(run):
    result = run("say", "--help")
    assert result.exit_code == 0 and "--speaker" in result.output and "--lexicon" in result.output
