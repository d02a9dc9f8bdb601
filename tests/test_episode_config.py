"""Episode settings that change the output: cover, chapter images and links, sidecars, loudness target."""

from __future__ import annotations

import re
import subprocess

import eyed3
from mutagen.id3 import ID3
from PIL import Image

from conftest import SAMPLE
from pipeline import tools
from pipeline.config import load_config
from pipeline.render import Options, render
from pipeline.sidecars import sidecar_path


def integrated_lufs(path) -> float:
    err = subprocess.run([tools.ffmpeg().path, "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true:framelog=quiet", "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1])


def test_cover_chapter_art_links_and_no_sidecars(tmp_path):
    Image.new("RGB", (1400, 1400), (200, 30, 30)).save(tmp_path / "cover.png")
    Image.new("RGB", (300, 300), (30, 200, 30)).save(tmp_path / "q1.jpg")
    (tmp_path / "episode.yaml").write_text(
        "cover: cover.png\n"
        "chapters:\n  images: {1: q1.jpg}\n  urls: {1: 'https://example.org/q1'}\n  titles: {0: Welcome}\n"
        "sidecars: [chapters]\nauthor: Harbour Radio\n", encoding="utf-8")
    out = tmp_path / "ep.mp3"
    render(SAMPLE, Options(output=out, cache_root=str(tmp_path / "cache"),
                           config=load_config(tmp_path / "episode.yaml")))
    tags = ID3(str(out))
    assert tags["TPE2"].text == ["Harbour Radio"]
    (cover,) = tags.getall("APIC")
    assert cover.type == 3 and cover.mime == "image/png" and cover.data == (tmp_path / "cover.png").read_bytes()
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert chaps[0].sub_frames["TIT2"].text[0] == "Welcome"
    subs = chaps[1].sub_frames
    assert subs.getall("WXXX")[0].url == "https://example.org/q1"
    assert subs.getall("APIC")[0].data == (tmp_path / "q1.jpg").read_bytes()
    eyed3_chapter = {c.element_id: c for c in eyed3.load(str(out)).tag.chapters}[chaps[1].element_id.encode()]
    # mutagen ends the URL with a NUL, which eyeD3 keeps; the link itself is the same
    assert eyed3_chapter.user_url.rstrip("\x00") == "https://example.org/q1"
    assert sidecar_path(out, "chapters").exists()
    assert not sidecar_path(out, "vtt").exists() and not sidecar_path(out, "srt").exists()
    assert out.with_suffix(".png").read_bytes() == cover.data


def test_a_missing_chapter_image_is_an_input_error_before_any_work(tmp_path):
    from pipeline.errors import InputError

    (tmp_path / "episode.yaml").write_text("chapters: {images: {1: nope.jpg}}\n", encoding="utf-8")
    out = tmp_path / "ep.mp3"
    try:
        render(SAMPLE, Options(output=out, cache_root=str(tmp_path / "cache"),
                               config=load_config(tmp_path / "episode.yaml")))
    except InputError as err:
        assert "nope.jpg" in str(err)
    else:
        raise AssertionError("expected an InputError")
    assert not out.exists() and not (tmp_path / "cache" / "v1" / "wav").exists()


def test_broadcast_loudness_target(tmp_path):
    (tmp_path / "episode.yaml").write_text("audio: {loudness: -23, true_peak: -2}\n", encoding="utf-8")
    out = tmp_path / "ep.mp3"
    render(SAMPLE, Options(output=out, cache_root=str(tmp_path / "cache"),
                           config=load_config(tmp_path / "episode.yaml")))
    assert abs(integrated_lufs(out) - (-23.0)) <= 1.0
