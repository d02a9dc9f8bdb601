"""The RSS feed, read back with feedparser (a real podcast-client parser) and checked as raw XML."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import COMM, TALB, TPE1, TPE2
from mutagen.mp3 import MP3

from conftest import add_episode
from pipeline.cover import make_cover
from pipeline.errors import InputError
from pipeline.feed import NS, build_feed, normalize_base_url, write_feed
from pipeline.model import Chapter, Segment, Timeline
from pipeline.sidecars import write_sidecars

BASE = "https://example.org/pod"


def timeline() -> Timeline:
    return Timeline(
        title="Episode one", author="Ella Hu", speakers=("Ella Hu", "Wu Yi"), duration_ms=2000,
        segments=(Segment("Ella Hu", "Hello there.", 0, 900), Segment("Wu Yi", "Hi!", 1000, 1900)),
        chapters=(Chapter("Start", 0, 1000), Chapter("End", 1000, 2000)),
    )


@pytest.fixture
def podcast(tmp_path, tone_mp3) -> Path:
    one = add_episode(tone_mp3, tmp_path, "episode one.mp3", "Episode one: the start",
                      "2026-03-01T10:00:00", album=TALB(encoding=3, text="AI Panels"),
                      artist=TPE1(encoding=3, text=["Ella Hu", "Wu Yi"]),
                      comm=COMM(encoding=3, lang="eng", desc="", text="Five panelists on AGI."))
    write_sidecars(timeline(), one)
    make_cover("Episode one: the start", ["Ella Hu", "Wu Yi"], tmp_path / "episode one.jpg")
    add_episode(tone_mp3, tmp_path, "ep2.mp3", "Episode two", "2026-04-01", v23=True,
                album=TALB(encoding=3, text="AI Panels"),
                artist=TPE1(encoding=3, text=["Zhu Xiaoyong", "Wu Yi"]))
    make_cover("AI Panels", [], tmp_path / "cover.png")
    return tmp_path


def items_by_title(parsed) -> dict:
    return {e.title: e for e in parsed.entries}


def test_feedparser_reads_channel_and_items(podcast):
    path = write_feed(podcast, BASE)
    assert path == podcast / "feed.xml"
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    feed = parsed.feed
    assert feed.title == "AI Panels"            # the albums agree
    assert feed.link == BASE + "/"
    assert feed.author == "Zhu Xiaoyong, Wu Yi"  # artists differ: the newest episode's
    assert feed.language == "en"
    assert feed.image.href == BASE + "/cover.png"
    assert [t.term for t in feed.tags] == ["Technology"]
    # newest first
    assert [e.title for e in parsed.entries] == ["Episode two", "Episode one: the start"]


def test_item_enclosure_duration_date_and_guid(podcast):
    parsed = feedparser.parse(write_feed(podcast, BASE).read_bytes())
    one = items_by_title(parsed)["Episode one: the start"]
    (enclosure,) = one.enclosures
    assert enclosure.href == BASE + "/episode%20one.mp3"
    assert int(enclosure.length) == os.path.getsize(podcast / "episode one.mp3")
    assert enclosure.type == "audio/mpeg"
    assert int(one.itunes_duration) == round(MP3(podcast / "episode one.mp3").info.length) == 2
    assert one.guidislink is False
    assert one.published_parsed[:6] == (2026, 3, 1, 10, 0, 0)
    assert one.summary == "Five panelists on AGI."
    assert one.image.href == BASE + "/episode%20one.jpg"
    assert one.author == "Ella Hu, Wu Yi"       # every TPE1 value (ID3v2.4)
    two = items_by_title(parsed)["Episode two"]
    assert two.author == "Zhu Xiaoyong, Wu Yi"  # ID3v2.3 keeps them as "Zhu Xiaoyong/Wu Yi"
    assert two.published_parsed[:3] == (2026, 4, 1)  # TYER + TDAT in an ID3v2.3 tag
    assert two.image.href == BASE + "/cover.png"     # no own cover: the channel's


def test_guid_stable_across_rewrites_and_rerenders(podcast, tone_mp3):
    first = {e.title: e.id for e in feedparser.parse(write_feed(podcast, BASE).read_bytes()).entries}
    # re-render episode two: new bytes, new mtime, same name
    ep2 = podcast / "ep2.mp3"
    with open(ep2, "ab") as fh:
        fh.write(b"\0" * 417)
    os.utime(ep2, (1, 1))
    second = {e.title: e.id for e in feedparser.parse(write_feed(podcast, BASE).read_bytes()).entries}
    assert first == second
    assert len(set(first.values())) == 2
    # and the same folder gives the same feed bytes
    assert build_feed(podcast, BASE) == build_feed(podcast, BASE + "/")


def test_podcasting20_tags_in_raw_xml(podcast):
    root = ET.fromstring(write_feed(podcast, BASE).read_bytes())
    channel = root.find("channel")
    assert channel.find(f"{{{NS['podcast']}}}guid").text.count("-") == 4
    self_link = channel.find(f"{{{NS['atom']}}}link")
    assert self_link.get("href") == BASE + "/feed.xml" and self_link.get("rel") == "self"
    items = {i.findtext("title"): i for i in channel.findall("item")}
    one = items["Episode one: the start"]
    chapters = one.find(f"{{{NS['podcast']}}}chapters")
    assert chapters.get("url") == BASE + "/episode%20one.chapters.json"
    assert chapters.get("type") == "application/json+chapters"
    transcripts = {t.get("type"): t for t in one.findall(f"{{{NS['podcast']}}}transcript")}
    assert set(transcripts) == {"text/vtt", "application/json", "application/x-subrip"}
    assert transcripts["text/vtt"].get("url") == BASE + "/episode%20one.captions.vtt"
    assert transcripts["text/vtt"].get("rel") == "captions"
    assert transcripts["application/json"].get("url") == BASE + "/episode%20one.transcript.json"
    assert transcripts["application/x-subrip"].get("url") == BASE + "/episode%20one.captions.srt"
    two = items["Episode two"]
    assert two.find(f"{{{NS['podcast']}}}chapters") is None
    assert two.findall(f"{{{NS['podcast']}}}transcript") == []
    # every linked file exists in the folder
    for el in root.iter():
        link = el.get("url") or el.get("href")
        if link and link.startswith(BASE + "/") and el.tag != f"{{{NS['atom']}}}link":
            name = link[len(BASE) + 1:].replace("%20", " ")
            assert (podcast / name).is_file(), link


def test_explicit_channel_fields_and_fallbacks(tmp_path, tone_mp3):
    add_episode(tone_mp3, tmp_path, "b.mp3", None)            # no tags at all
    add_episode(tone_mp3, tmp_path, "a.mp3", "Alpha")
    os.utime(tmp_path / "a.mp3", (1_700_000_000, 1_700_000_000))
    os.utime(tmp_path / "b.mp3", (1_700_000_000, 1_700_000_000))
    parsed = feedparser.parse(write_feed(
        tmp_path, "http://localhost:8000", title="My show", author="Me",
        description="About things").read_bytes())
    assert parsed.feed.title == "My show"
    assert parsed.feed.author == "Me"
    assert parsed.feed.subtitle == "About things"
    assert "image" not in parsed.feed
    # same date: by name; the untagged file is titled by its name; date from mtime
    assert [e.title for e in parsed.entries] == ["Alpha", "b"]
    expected = datetime.fromtimestamp(1_700_000_000, timezone.utc).timetuple()[:6]
    assert parsed.entries[0].published_parsed[:6] == expected


def test_empty_folder_is_an_input_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="no .mp3 files"):
        write_feed(tmp_path, BASE)
    assert not (tmp_path / "feed.xml").exists()
    with pytest.raises(InputError, match="not a folder"):
        write_feed(tmp_path / "missing", BASE)


def test_unreadable_mp3_names_the_file(tmp_path):
    (tmp_path / "broken.mp3").write_bytes(b"not audio at all" * 10)
    with pytest.raises(InputError, match="broken.mp3: not a readable MP3"):
        write_feed(tmp_path, BASE)


@pytest.mark.parametrize("bad", ["", "example.org/pod", "ftp://example.org/", "/local/path",
                                 "https://", "https://example.org/p?x=1", "http://h:99999/",
                                 "https://exa mple.org/"])
def test_bad_base_url(tmp_path, tone_mp3, bad):
    add_episode(tone_mp3, tmp_path, "a.mp3", "A")
    with pytest.raises(InputError, match="base URL"):
        write_feed(tmp_path, bad)


def test_normalize_base_url():
    assert normalize_base_url("https://example.org/pod") == "https://example.org/pod/"
    assert normalize_base_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/"


def test_the_show_comes_from_show_yaml_or_the_episodes_else_the_folder_with_a_warning(tmp_path, tone_mp3):
    folder = tmp_path / "episodes"
    folder.mkdir()
    add_episode(tone_mp3, folder, "one.mp3", "One", album=TALB(encoding=3, text="One"))
    add_episode(tone_mp3, folder, "two.mp3", "Two", album=TALB(encoding=3, text="Two"))
    warnings = []
    parsed = feedparser.parse(write_feed(folder, BASE, warn=warnings.append).read_bytes())
    assert parsed.feed.title == "episodes"
    assert parsed.feed.subtitle == "episodes: 2 episodes."            # not the folder's name again
    assert len(warnings) == 1 and "titled after the folder, 'episodes'" in warnings[0]

    (folder / "show.yaml").write_text("title: Gate Talks\nauthor: Sky Nine\nemail: host@example.org\n"
                                      "description: Panels on AI, read aloud.\nlanguage: en-gb\n", encoding="utf-8")
    warnings.clear()
    raw = write_feed(folder, BASE, warn=warnings.append).read_bytes()
    parsed = feedparser.parse(raw)
    assert (parsed.feed.title, parsed.feed.author, parsed.feed.subtitle, parsed.feed.language) == (
        "Gate Talks", "Sky Nine", "Panels on AI, read aloud.", "en-gb")
    owner = ET.fromstring(raw).find(f"channel/{{{NS['itunes']}}}owner")
    assert owner.findtext(f"{{{NS['itunes']}}}email") == "host@example.org"
    assert owner.findtext(f"{{{NS['itunes']}}}name") == "Sky Nine"
    assert warnings == []
    assert feedparser.parse(write_feed(folder, BASE, title="Flag wins").read_bytes()).feed.title == "Flag wins"


def test_episodes_that_agree_name_the_show(tmp_path, tone_mp3):
    for name in ("a.mp3", "b.mp3"):
        add_episode(tone_mp3, tmp_path, name, name, album=TALB(encoding=3, text="Panels 2023"),
                    band=TPE2(encoding=3, text="Sky Nine"))
    parsed = feedparser.parse(write_feed(tmp_path, BASE).read_bytes())
    assert (parsed.feed.title, parsed.feed.author) == ("Panels 2023", "Sky Nine")


def test_a_bad_show_file_is_one_line(tmp_path, tone_mp3):
    add_episode(tone_mp3, tmp_path, "a.mp3", "A")
    (tmp_path / "show.yaml").write_text("email: not-an-address\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"show.yaml: email: expected an e-mail address, got 'not-an-address'"):
        write_feed(tmp_path, BASE)
    (tmp_path / "show.yaml").write_text("titel: Typo\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"show.yaml: titel: unknown key"):
        write_feed(tmp_path, BASE)


def test_captions_under_their_former_names_are_still_linked(podcast):
    """An episode rendered when the captions were X.vtt and X.srt keeps its podcast:transcript
    tags; once the episode has X.captions.vtt and X.captions.srt, those are linked instead."""
    def caption_urls() -> dict:
        root = ET.fromstring(build_feed(podcast, BASE))
        one = next(i for i in root.find("channel").findall("item") if i.findtext("title") == "Episode one: the start")
        return {t.get("type"): t.get("url") for t in one.findall(f"{{{NS['podcast']}}}transcript")
                if t.get("rel") == "captions"}

    for suffix in (".vtt", ".srt"):
        os.replace(podcast / f"episode one.captions{suffix}", podcast / f"episode one{suffix}")
    assert caption_urls() == {"text/vtt": BASE + "/episode%20one.vtt",
                              "application/x-subrip": BASE + "/episode%20one.srt"}
    write_sidecars(timeline(), podcast / "episode one.mp3", kinds=["vtt", "srt"])
    assert caption_urls() == {"text/vtt": BASE + "/episode%20one.captions.vtt",
                              "application/x-subrip": BASE + "/episode%20one.captions.srt"}


def test_a_client_that_keeps_one_transcript_keeps_the_webvtt(podcast):
    parsed = feedparser.parse(write_feed(podcast, BASE).read_bytes())
    kept = items_by_title(parsed)["Episode one: the start"].podcast_transcript
    assert (kept["type"], kept["rel"]) == ("text/vtt", "captions")
    assert kept["url"].endswith(".captions.vtt")
