"""The pronunciation lexicon: loading and checking entries, matching, what eSpeak then says,
and that a changed entry re-renders exactly the units holding the word."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from phonemes import phonemes_many as phonemes_of
from pipeline.cli import cli
from pipeline.config import load_config, load_lexicon
from pipeline.errors import ConfigError
from pipeline.lexicon import Lexicon, compile_lexicon
from pipeline.names import Names
from pipeline.reading import reading
from pipeline.render import Options, explain_only, input_files, render


def lex(mapping: dict) -> Lexicon:
    return compile_lexicon(mapping, "test.yaml")


def test_words_match_whole_words_and_case_as_written():
    lexicon = lex({"AGI": "A G I", "nginx": "engine x", "C++": "see plus plus", "vs.": "versus"})
    assert lexicon.apply("AGI, agi, AGIs, MAGI; Nginx NGINX nginx-conf C++ code, A vs. B") == \
        "A G I, agi, AGIs, MAGI; engine x engine x engine x-conf see plus plus code, A versus B"


def test_patterns_groups_flags_and_first_match_wins():
    lexicon = lex({"re:GPT-?(\\d)": "G P T \\1", "/(?i)kube(?:rnetes)?/": "koo-ber-net-eez",
                   "GPT-4": "never reached", "/v(?P<n>\\d+)/": "version \\g<n>"})
    assert lexicon.apply("GPT-4o? GPT-4, GPT4, kube and KUBERNETES, v12 and v3x") == \
        "GPT-4o? G P T 4, G P T 4, koo-ber-net-eez and koo-ber-net-eez, version 12 and v3x"
    # config entries come first: the file's entry for the same word is not used
    both = lex({"Leyan": "Lay-yen"}) + compile_lexicon({"Leyan": "Lee-yan"}, "file.yaml")
    assert both.apply("Leyan Technologies") == "Lay-yen Technologies"


def test_a_reading_is_not_matched_again():
    lexicon = lex({"A": "B", "B": "C"})
    assert lexicon.apply("A B") == "B C"
    assert reading("A B", lexicon, Names()) == "B C"


@pytest.mark.parametrize("entry, message", [
    ({"re:(unclosed": "x"}, "test.yaml: lexicon.re:(unclosed: bad regular expression: missing ), unterminated "
                            "subpattern at position 0"),
    ({"/a[/": "x"}, "test.yaml: lexicon./a[/: bad regular expression: unterminated character set at position 1"),
    ({"AGI": ""}, "test.yaml: lexicon.AGI: the respelling is empty"),
    ({"AGI": "  "}, "test.yaml: lexicon.AGI: the respelling is empty"),
    ({"AGI": 3}, "test.yaml: lexicon.AGI: expected a respelling or [[phonemes]] string, got int 3"),
    ({"AGI": None}, "test.yaml: lexicon.AGI: expected a respelling or [[phonemes]] string, got NoneType None"),
    ({"AGI": ["a"]}, "test.yaml: lexicon.AGI: expected a respelling or [[phonemes]] string, got list ['a']"),
    ({2017: "x"}, "test.yaml: lexicon.2017: a key must be a non-empty word or pattern (quote numbers), got int 2017"),
    ({"re:a*": "x"}, "test.yaml: lexicon.re:a*: the regular expression matches empty text"),
    ({"re:GPT(\\d)": "\\2"}, "test.yaml: lexicon.re:GPT(\\d): the reading refers to group 2, which the pattern "
                             "does not have"),
    ({"nginx": "[[EndZIn"}, "test.yaml: lexicon.nginx: unbalanced or empty [[phonemes]] in '[[EndZIn'"),
    ({"nginx": "[[]]"}, "test.yaml: lexicon.nginx: unbalanced or empty [[phonemes]] in '[[]]'"),
])
def test_bad_entries_are_one_line_errors_naming_file_and_entry(entry, message):
    with pytest.raises(ConfigError) as caught:
        lex(entry)
    assert str(caught.value) == message


@pytest.mark.parametrize("text, message", [
    ("lexicon:\n  're:(': x\n", "{f}: lexicon.re:(: bad regular expression: missing ), unterminated subpattern "
                                "at position 0"),
    ("AGI: ''\n", "{f}: AGI: the respelling is empty"),
    ("- AGI\n", "{f}: expected a mapping of word or pattern to respelling, got list ['AGI']"),
    ("AGI: [1\n", "{f}:2: invalid YAML: did not find expected ',' or ']'"),
])
def test_a_bad_lexicon_file_exits_3_with_one_line(run, tmp_path, text, message):
    path = tmp_path / "words.yaml"
    path.write_text(text, encoding="utf-8")
    for command in ("inspect", "render"):
        result = run(command, SAMPLE, "--lexicon", path, "-o" if command == "render" else "--json",
                     *([tmp_path / "x.mp3"] if command == "render" else []))
        assert result.exit_code == 3, result.output
        assert result.output.splitlines() == ["Error: " + message.format(f=path)]
    assert not (tmp_path / "x.mp3").exists()


def test_a_bad_config_lexicon_names_the_config(run, tmp_path):
    config = tmp_path / "episode.yaml"
    config.write_text("title: T\nlexicon:\n  Ines: 42\n", encoding="utf-8")
    result = run("inspect", SAMPLE, "--config", config)
    assert result.exit_code == 3
    assert result.output == (f"Error: {config}: lexicon.Ines: expected a respelling or [[phonemes]] string, "
                             "got int 42\n")


def test_files_load_with_or_without_the_lexicon_key(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("lexicon:\n  Elsby: Elz-bee\n", encoding="utf-8")
    b.write_text("Elsby: Elz-bee\n're:Kreel': Kreel\n", encoding="utf-8")
    assert load_lexicon(a).apply("Port Elsby") == load_lexicon(b).apply("Port Elsby") == "Port Elz-bee"
    c = tmp_path / "episode.yaml"
    c.write_text("lexicon:\n  Elsby: Elz-bee\n", encoding="utf-8")
    assert load_config(c).lexicon.apply("Elsby") == "Elz-bee"


def test_an_entry_changes_what_espeak_says():
    lexicon = lex({"AGI": "A G I", "Tsinghua": "Ching-wah"})
    text = "AGI at Tsinghua"
    spoken = reading(text, lexicon, Names())
    before, after = phonemes_of([text, spoken])
    hand = "a#dZi:aI at tSIN wA:"          # "ay-jee-eye at ching-wah", written by hand
    assert re.sub(r"[',;%= -]", "", after) == hand.replace(" ", "")
    assert re.sub(r"[',;%= -]", "", before) != hand.replace(" ", "")


# ---------------------------------------------------------------- the cache: only units with the word

WORD = "harbour"           # in some of the sample's units, not all


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The sample rendered once with a lexicon file naming WORD."""
    base = tmp_path_factory.mktemp("lexicon-render")
    transcript = base / "show.txt"
    transcript.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    words = base / "words.yaml"
    words.write_text(f"lexicon:\n  {WORD}: harber\n", encoding="utf-8")
    return base, transcript, words


def _options(base: Path, words: Path) -> Options:
    return Options(output=base / "show.mp3", cache_root=str(base / "cache"), lexicon=load_lexicon(words),
                   lexicon_source=str(words))


def test_changing_an_entry_redoes_only_the_units_with_the_word(rendered):
    base, transcript, words = rendered
    first = render(transcript, _options(base, words))
    holding = {s.unit.ident for s in first.statuses if re.search(rf"\b{WORD}\b", s.unit.text, re.I)}
    speech = [s for s in first.statuses if s.unit.kind != "jingle"]
    assert 0 < len(holding) < len(speech) / 2
    assert all("harber" in s.unit.spoken for s in first.statuses if s.unit.ident in holding)
    assert os.path.abspath(words) in input_files(transcript, _options(base, words))

    words.write_text(f"lexicon:\n  {WORD}: har-bore\n", encoding="utf-8")
    planned = explain_only(transcript, _options(base, words))
    redo = {s.unit.ident for s in planned if s.synthesize}
    assert redo == holding
    assert {s.reason for s in planned if s.synthesize} == {"text changed"}
    shown = CliRunner().invoke(cli, ["render", str(transcript), "-o", str(base / "show.mp3"), "--cache-dir",
                                     str(base / "cache"), "--lexicon", str(words), "--dry-run"])
    assert shown.exit_code == 0, shown.output
    listed = {line.split()[0] for line in shown.output.splitlines() if " text changed " in line}
    assert listed == holding
    assert shown.output.splitlines()[-1] == f"{len(first.statuses)} units: {len(holding)} to synthesize, " \
                                            f"{len(holding)} to encode"

    second = render(transcript, _options(base, words))
    assert second.synthesized == len(holding) and second.encoded == len(holding)


def test_the_command_line_sees_a_changed_lexicon_file(rendered):
    """A repeated command is answered from its receipt; the lexicon file is one of its inputs."""
    base, transcript, words = rendered
    command = [sys.executable, "-m", "pipeline", "render", str(transcript), "-o", str(base / "cli.mp3"),
               "--cache-dir", str(base / "cache"), "--lexicon", str(words)]
    env = {**os.environ, "PANELCAST_DAEMON": "off"}
    runs = []
    for reading_of_word in ("harber", "harber", "haar-bur"):
        words.write_text(f"lexicon:\n  {WORD}: {reading_of_word}\n", encoding="utf-8")
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=base)
        assert done.returncode == 0, done.stderr
        runs.append(done.stdout)
    assert "up to date" in runs[1]
    assert runs[2].startswith("Wrote") and "up to date" not in runs[2]
    synthesized = int(re.search(r"\((\d+) synthesized", runs[2]).group(1))
    assert 0 < synthesized < 10


# ---------------------------------------------------------------- inspect: what will be spoken

def test_inspect_json_gives_each_turn_the_text_handed_to_the_engine(run, tmp_path):
    from pipeline.sentences import pieces
    from pipeline.transcript import parse

    words = tmp_path / "words.yaml"
    words.write_text("harbour: harber\nInes: Ee-ness\n", encoding="utf-8")
    result = run("inspect", SAMPLE, "--lexicon", words, "--json")
    assert result.exit_code == 0, result.output
    turns = json.loads(result.output)["turns"]
    script = parse(SAMPLE)
    lexicon = load_lexicon(words)
    assert len(turns) == len(script.turns)
    for shown, turn in zip(turns, script.turns):
        expected = "\n\n".join(" ".join(reading(piece, lexicon, Names()) for piece in pieces(p))
                               for p in turn.paragraphs)
        assert shown["spoken"] == expected
    assert sum("harber" in t["spoken"] for t in turns) >= 2
    assert not any(re.search(r"\bharbour\b", t["spoken"]) for t in turns)


def test_inspect_spoken_marks_each_change(run, tmp_path):
    words = tmp_path / "words.yaml"
    words.write_text("harbour: harber\n", encoding="utf-8")
    result = run("inspect", SAMPLE, "--lexicon", words, "--spoken")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Narrator:"
    assert "Tomasz Kreel:" in lines and "Amara Osei:" in lines
    changed = [line for line in lines if "[" in line]
    assert any("[harbour -> harber]" in line for line in changed)
    assert "  Tomasz, you run a working [harbour. -> harber.] Does that match what you see on the quay?" in lines
