"""Cover art: a square JPEG/PNG that Pillow reads back, identical bytes for identical inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from pipeline.cover import (
    FALLBACK_FONTS,
    _drawable,
    _Family,
    _family_for,
    _wrap,
    load_cover,
    make_cover,
    palette,
    render_cover,
)
from pipeline.errors import InputError

TITLE = "Is AGI two to three years away? A panel on scaling, RLHF and what comes next"
SPEAKERS = ["Ella Hu", "Tian Yuandong", "Shen Libin", "Wu Yi", "Zhu Xiaoyong"]


@pytest.mark.parametrize("name, fmt", [("cover.jpg", "JPEG"), ("cover.png", "PNG")])
def test_cover_is_a_square_image_of_at_least_1400(tmp_path, name, fmt):
    out = make_cover(TITLE, SPEAKERS, tmp_path / name)
    assert out == tmp_path / name
    with Image.open(out) as img:
        assert img.format == fmt
        assert img.mode == "RGB"
        assert img.size == (1400, 1400)
    assert os.listdir(tmp_path) == [name]


def test_same_inputs_same_bytes(tmp_path):
    a = make_cover(TITLE, SPEAKERS, tmp_path / "a.jpg").read_bytes()
    b = make_cover(TITLE, SPEAKERS, tmp_path / "b.jpg").read_bytes()
    assert a == b
    c = make_cover(TITLE + "!", SPEAKERS, tmp_path / "c.jpg").read_bytes()
    assert c != a


def test_colours_come_from_the_title():
    assert palette(TITLE) == palette(TITLE)
    assert palette("Episode 1")["top"] != palette("Episode 2")["top"]


def test_cover_is_not_blank_and_text_is_light_on_dark():
    img = render_cover(TITLE, SPEAKERS)
    # the title area (top-left) holds near-white text pixels over a dark background
    region = img.crop((100, 100, 1300, 300)).convert("L")
    lo, hi = region.getextrema()
    assert lo < 90 and hi > 230
    assert len(img.getcolors(maxcolors=1_000_000)) > 50


def test_larger_size_and_edge_inputs():
    assert render_cover("Weekly chat", [], size=3000).size == (3000, 3000)
    assert render_cover("A" * 300, [f"Speaker {i}" for i in range(40)]).size == (1400, 1400)


@pytest.mark.parametrize("size", [1000, 4000])
def test_size_out_of_range(size):
    with pytest.raises(InputError, match="outside 1400-3000"):
        render_cover(TITLE, SPEAKERS, size=size)


def test_empty_title_and_bad_suffix(tmp_path):
    with pytest.raises(InputError, match="title is empty"):
        render_cover("  ", SPEAKERS)
    with pytest.raises(InputError, match=r"cover\.gif: cover must end in"):
        make_cover(TITLE, SPEAKERS, tmp_path / "cover.gif")


def test_load_cover_round_trip(tmp_path):
    data, mime = load_cover(make_cover(TITLE, SPEAKERS, tmp_path / "c.jpg"))
    assert mime == "image/jpeg" and data[:2] == b"\xff\xd8"
    data, mime = load_cover(make_cover(TITLE, SPEAKERS, tmp_path / "c.png"))
    assert mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_cover_rejects_bad_files(tmp_path):
    missing = tmp_path / "missing.jpg"
    with pytest.raises(InputError, match="missing.jpg: cannot read"):
        load_cover(missing)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not an image")
    with pytest.raises(InputError, match="junk.jpg: not a readable JPEG or PNG"):
        load_cover(junk)
    gif = tmp_path / "art.gif"
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    with pytest.raises(InputError, match="art.gif: cover image must be JPEG or PNG, not GIF"):
        load_cover(gif)
    good = make_cover(TITLE, SPEAKERS, tmp_path / "cut.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good[: len(good) // 3])
    with pytest.raises(InputError, match="cut.jpg: not a readable"):
        load_cover(cut)


INSTALLED_FALLBACK = next((p for p in FALLBACK_FONTS if Path(p).is_file()), None)


def test_bundled_font_for_plain_titles():
    assert _family_for(TITLE + "".join(SPEAKERS), None).path is None


@pytest.mark.skipif(INSTALLED_FALLBACK is None, reason="no fallback font installed")
def test_accents_and_dashes_use_a_font_that_has_them():
    family = _family_for("Café society – a “panel” with José Núñez", None)
    assert family.path is not None
    assert all(family.has(ch) for ch in "éñ–“”")
    img = render_cover("Café society – a “panel”", ["José Núñez"])
    assert img.size == (1400, 1400)


def test_characters_without_a_glyph_are_left_out():
    bundled = _Family(None)
    assert bundled.has("A") and not bundled.has("\U0010fffd")
    assert _drawable("\U0010fffd\U0010fffd AI panel", bundled) == "AI panel"
    # a title with nothing drawable still gives a cover (colours and waveform only)
    assert render_cover("\U0010fffd\U0010fffd", ["Ella Hu"]).size == (1400, 1400)


def test_cjk_wraps_between_characters():
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    font = _Family(None).at(40)
    text = "人工智能的未来与大型语言模型的发展" * 3
    lines = _wrap(draw, text, font, 300)
    assert lines is not None and len(lines) > 1
    assert "".join(lines) == text
    assert all(draw.textlength(line, font=font) <= 300 for line in lines)
    assert _wrap(draw, "two words", font, 1000) == ["two words"]


def test_explicit_font_path(tmp_path):
    with pytest.raises(InputError, match="nope.ttf: cannot load font"):
        render_cover(TITLE, SPEAKERS, font_path=tmp_path / "nope.ttf")
    if INSTALLED_FALLBACK:
        a = make_cover(TITLE, SPEAKERS, tmp_path / "a.png", font_path=INSTALLED_FALLBACK)
        b = make_cover(TITLE, SPEAKERS, tmp_path / "b.png")
        assert a.read_bytes() != b.read_bytes()
