"""Hostile input: files that never end, pipes with no writer, alias bombs, impossible dates,
huge images and control characters. Each is a one-line error or a clean result, quickly."""

from __future__ import annotations

import os
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest

from conftest import SAMPLE, add_episode
from pipeline.config import load_config
from pipeline.cover import load_cover
from pipeline.errors import ConfigError, InputError, ParseError
from pipeline.transcript import parse

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("bcdefgh", "cdefghi"))


def test_a_pipe_with_no_writer_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "talk.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"talk.txt: not a regular file \(a pipe, device or socket\)"):
        parse(fifo)
    with pytest.raises(InputError, match="talk.txt: not a regular file"):
        load_config(fifo)


def test_an_endless_device_is_refused(run, tmp_path):
    for option in ([], ["--config", "/dev/zero"]):
        transcript = "/dev/zero" if not option else SAMPLE
        result = run("render", transcript, *option, "-o", tmp_path / "x.mp3")
        assert result.exit_code == 3, result.output
        assert result.output.splitlines()[-1].startswith("Error: /dev/zero: ")
        assert "not a regular file" in result.output
    with pytest.raises(InputError, match="/dev/zero: not a regular file"):
        load_cover("/dev/zero")


def test_a_transcript_over_the_limit_is_refused(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"Ann: hello there.\n" * 70_000)            # 1.3 MB
    monkeypatch.setenv("PANELCAST_MAX_TRANSCRIPT_MB", "1")
    with pytest.raises(InputError, match="big.txt: larger than the 1 MB a transcript file may have"):
        parse(big)
    monkeypatch.delenv("PANELCAST_MAX_TRANSCRIPT_MB")
    assert parse(big).turns


def test_a_folder_given_as_transcript(tmp_path):
    with pytest.raises(InputError, match="is a folder, not a file"):
        parse(tmp_path)


def test_a_yaml_alias_bomb_is_refused(tmp_path):
    config = tmp_path / "episode.yaml"
    config.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"episode.yaml:2: invalid YAML: aliases \(\*name\) are not allowed"):
        load_config(config)


def test_an_impossible_date_is_a_config_error(run, tmp_path):
    config = tmp_path / "episode.yaml"
    config.write_text("date: 2024-02-30\n", encoding="utf-8")
    result = run("render", SAMPLE, "--config", config, "-o", tmp_path / "x.mp3")
    assert result.exit_code == 3
    assert result.output == f"Error: {config}: invalid YAML: day is out of range for month\n"


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels (its data is not needed to be refused)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\0\0\0\0IEND\xaeB`\x82")


def test_a_huge_cover_is_refused_before_decoding(tmp_path, recwarn):
    cover = tmp_path / "huge.png"
    cover.write_bytes(png_header(12000, 12000))
    with pytest.raises(InputError, match="huge.png: the image is 12000x12000; at most 6000x6000 pixels"):
        load_cover(cover)
    assert not [w for w in recwarn if "DecompressionBomb" in type(w.message).__name__]


def test_control_characters_in_titles_keep_the_feed_well_formed(tmp_path, tone_mp3):
    from pipeline.feed import write_feed

    add_episode(tone_mp3, tmp_path, "one.mp3", "Bell\x07 and\x1b escape\x00")
    feed = write_feed(tmp_path, "https://example.org/", title="Show\x0b title")
    root = ET.fromstring(feed.read_bytes())                      # raises if not well-formed
    assert root.find("channel/title").text == "Show title"
    assert root.find("channel/item/title").text == "Bell and escape"


def test_utf16_with_a_bom_is_read(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    for codec in ("utf-16", "utf-8-sig"):
        path = tmp_path / f"sample-{codec}.txt"
        path.write_bytes(text.encode(codec))
        assert parse(path).turns == parse(SAMPLE).turns


def test_nul_bytes_anywhere_are_refused(tmp_path):
    path = tmp_path / "late-nul.txt"
    path.write_bytes(SAMPLE.read_bytes() * 5 + b"\x00tail\n")
    assert path.stat().st_size > 8192
    with pytest.raises(ParseError, match="late-nul.txt: not a text file"):
        parse(path)


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


# --- every parser and loader, fed random bytes and random text: a result or a clean error ---

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.config import load_cast, load_lexicon  # noqa: E402
from pipeline.transcript import FORMATS, load_speaker_map, parse_text  # noqa: E402

LOADERS = {
    "transcript.txt": parse, "transcript.vtt": parse, "transcript.json": parse, "transcript.md": parse,
    "episode.yaml": load_config, "cast.yaml": load_cast, "lexicon.yaml": load_lexicon, "names.json": load_speaker_map,
    "names.yaml": load_speaker_map, "cover.png": load_cover,
}
fuzz = settings(max_examples=int(os.environ.get("PANELCAST_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LABELLED = st.lists(st.sampled_from(["Ann:", "**Bob:**", "<v Cy>", "00:01 --> 00:02", "WEBVTT", "{", "}", "[",
                                     "]", '"speaker":', "- ", "*a", "&a", "\n", "\n\n", "：", "🎙️", "\x00"])
                    | st.text(), max_size=12).map("".join)


@fuzz
@given(data=st.binary(max_size=600) | LABELLED.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_every_loader_gives_a_result_or_a_clean_error(tmp_path, data):
    for name, load in LOADERS.items():
        path = tmp_path / name
        path.write_bytes(data)
        try:
            load(path)
        except InputError as err:
            assert str(err) and "\n" not in str(err)


@fuzz
@given(text=LABELLED | st.text(max_size=300), fmt=st.sampled_from([None, *FORMATS]))
def test_every_transcript_format_gives_a_result_or_a_clean_error(text, fmt):
    try:
        script = parse_text(text, "t.txt", fmt=fmt)
    except InputError as err:
        assert str(err) and "\n" not in str(err)
    else:
        assert all(t.paragraphs for t in script.turns)
