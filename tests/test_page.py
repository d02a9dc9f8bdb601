"""The episode page and the show page, read back with html.parser and webvtt-py, and used in
headless Chromium (Debian's ``chromium``, driven by Playwright with the system browser).

One browser and one render of examples/sample.txt serve the whole module; the seed is opened once,
for its size, its open time and its transcript. Browser tests skip, saying why, only when no
chromium is installed (and fail instead under CI, which installs it).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import webvtt
from PIL import Image, ImageStat

from conftest import SAMPLE, SEED
from pipeline import tools
from pipeline.config import SIDECAR_KINDS, load_config
from pipeline.model import Chapter, Segment, Timeline
from pipeline.page import build_page, clock, fragment
from pipeline.render import Options, render
from pipeline.sidecars import DEFAULT_KINDS, page_files, sidecar_path, write_sidecars
from pipeline.transcript import parse

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
# The closed network refuses Chromium's background connections: ask for none.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = "<script>alert(1)</script>"


# --------------------------------------------------------------------------- fixtures and readers

@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """examples/sample.txt rendered once (every sidecar, the page included); the MP3's path."""
    base = tmp_path_factory.mktemp("page")
    out = base / "site" / "sample.mp3"
    render(SAMPLE, Options(output=out, cache_root=str(base / "cache")))
    return out


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests, and no chromium is installed (.ci/run installs it)")
        pytest.skip("no chromium on this machine (apt-get install chromium): browser tests not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives the browser a fresh profile of its own
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Opened:
    """A page in a fresh browser context, with every console error, page error and dialog kept."""

    def __init__(self, browser, url: str, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        started = time.perf_counter()
        self.page.goto(url)                     # returns on the load event
        self.open_s = time.perf_counter() - started

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.context.close()

    def ready(self):
        """Wait for the audio's metadata (its duration); return the page."""
        self.page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=15_000)
        return self.page

    def seek(self, t: float) -> None:
        self.page.evaluate("t => { document.getElementById('audio').currentTime = t; }", t)


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run([tools.ffprobe().path, "-v", "error", "-show_entries", "format=duration", "-of",
                          "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return float(out)


class PageReader(HTMLParser):
    """Cues, paragraphs, turns and chapters of an episode page, as the markup has them."""

    def __init__(self):
        super().__init__()
        self.cues: list[tuple[str, str, str]] = []       # (data-start, data-end, text)
        self.turns: list[tuple[str, str]] = []           # (speaker, text of its cues)
        self.chapters: list[tuple[str, str]] = []        # (data-start, title)
        self.scripts = 0
        self._in: str | None = None
        self._cue: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "script":
            self.scripts += 1
        if tag == "div" and "turn" in cls:
            self.turns.append(("", ""))
        if tag == "span" and "name" in cls and self.turns and not self.turns[-1][0]:
            self._in = "name"
        if tag == "span" and "cue" in cls:
            self._cue = [a["data-start"], a["data-end"], ""]
        if tag == "a" and "seek" in cls and "at" not in cls:
            self.chapters.append((a["data-start"], ""))
        if tag == "span" and "title" in cls and self.chapters:
            self._in = "chapter"

    def handle_endtag(self, tag):
        if tag == "span" and self._cue is not None:
            self.cues.append(tuple(self._cue))
            speaker, text = self.turns[-1]
            self.turns[-1] = (speaker, (text + " " + self._cue[2]).strip())
            self._cue = None
        elif tag == "span":
            self._in = None

    def handle_data(self, data):
        if self._cue is not None:
            self._cue[2] += data
        elif self._in == "name":
            self.turns[-1] = (self.turns[-1][0] + data, self.turns[-1][1])
        elif self._in == "chapter":
            start, title = self.chapters[-1]
            self.chapters[-1] = (start, title + data)


def read_page(path: Path) -> PageReader:
    reader = PageReader()
    reader.feed(path.read_text("utf-8"))
    return reader


def vtt_seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def turns_of(transcript: Path) -> list[tuple[str, str]]:
    """The transcript's turns as the parser reads them: (speaker, its paragraphs joined)."""
    return [(t.speaker, " ".join(" ".join(t.paragraphs).split())) for t in parse(transcript).turns]


def assert_every_turn_on(page: PageReader, transcript: Path) -> None:
    shown = [(speaker, text) for speaker, text in page.turns]
    expected = turns_of(transcript)
    spoken = {speaker for speaker, _ in expected}
    assert [t for t in shown if t[0] in spoken] == expected


def not_blank(png: bytes) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 100, "the screenshot has almost no colours"
    assert max(ImageStat.Stat(image).stddev) > 20, "the screenshot is nearly one flat colour"
    background = max(colours)[0] / (image.width * image.height)
    assert background < 0.9, f"{background:.0%} of the screenshot is one colour"


# --------------------------------------------------------------------------- the file itself

def test_html_is_a_default_sidecar_that_the_config_can_turn_off(tmp_path):
    assert "html" in DEFAULT_KINDS and "html" in SIDECAR_KINDS
    (tmp_path / "a.yaml").write_text("sidecars: {html: false}\n", "utf-8")
    (tmp_path / "b.yaml").write_text("sidecars: [vtt, html]\n", "utf-8")
    assert "html" not in load_config(tmp_path / "a.yaml").sidecars
    assert load_config(tmp_path / "b.yaml").sidecars == ("vtt", "html")


def test_the_page_has_the_sidecars_times_and_every_turn(sample):
    page = read_page(sidecar_path(sample, "html"))
    vtt = webvtt.read(str(sidecar_path(sample, "vtt")))
    assert len(page.cues) == len(vtt.captions) > 10
    for (start, end, text), caption in zip(page.cues, vtt.captions):
        assert float(start) == pytest.approx(vtt_seconds(caption.start), abs=1e-9)
        assert float(end) == pytest.approx(vtt_seconds(caption.end), abs=1e-9)
        assert text == " ".join(caption.text.split())
    chapters = json.loads(sidecar_path(sample, "chapters").read_text("utf-8"))["chapters"]
    assert [(float(s), t) for s, t in page.chapters] == [(c["startTime"], c["title"]) for c in chapters]
    assert_every_turn_on(page, SAMPLE)
    assert page.scripts == 1


def test_the_page_links_every_file_and_the_cover(sample):
    text = sidecar_path(sample, "html").read_text("utf-8")
    for name in ["sample.mp3", "sample.captions.vtt", "sample.captions.srt", "sample.chapters.json", "sample.transcript.json",
                 "sample.jpg"]:
        assert f'href="{name}"' in text
        assert (sample.parent / name).is_file()
    assert 'src="sample.jpg"' in text and 'src="sample.mp3"' in text and 'data-captions="sample.captions.vtt"' in text
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), "the page reaches out to the network"


def hostile_timeline() -> Timeline:
    return Timeline(
        title=f"{HOSTILE} & friends",
        author='<img src=x onerror="window.ran=1">',
        speakers=('<b onmouseover="window.ran=2">Eve</b>', "Bob"),
        duration_ms=20_000,
        segments=(Segment('<b onmouseover="window.ran=2">Eve</b>', f"Hello {HOSTILE} there.", 500, 4_000),
                  Segment("Bob", 'Quote " and </p></div><script>window.ran=3</script> {{files}}', 4_500, 9_000)),
        chapters=(Chapter("<svg onload=window.ran=4>", 0, 4_200), Chapter("Second", 4_200, 20_000)),
    )


def test_transcript_text_is_escaped_in_the_markup(tmp_path):
    text = build_page(hostile_timeline(), page_files(tmp_path / "x.mp3", DEFAULT_KINDS),
                      {"Bob": "</li><script>window.ran=5</script>"})
    assert text.count("<script") == 1
    assert HOSTILE not in text and "<svg" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "{{files}}" in text        # a template mark inside the text stays text


def test_clock_and_fragment():
    assert [clock(ms) for ms in (0, 59_999, 90_000, 3_599_000, 3_600_000, 3_723_500)] == [
        "0:00", "0:59", "1:30", "59:59", "1:00:00", "1:02:03"]
    assert [fragment(ms) for ms in (90_000, 58_223, 3_723_050)] == ["#t=1:30", "#t=0:58.223", "#t=1:02:03.050"]


# --------------------------------------------------------------------------- in the browser

def test_the_page_loads_clean_and_its_duration_is_the_mp3s(sample, browser):
    with Opened(browser, sidecar_path(sample, "html").as_uri()) as opened:
        page = opened.ready()
        probed = ffprobe_duration(sample)
        shown = page.text_content("#duration")
        assert shown == clock(int(probed * 1000))
        assert float(page.get_attribute("#duration", "data-seconds")) == pytest.approx(probed, abs=0.002)
        assert page.evaluate("document.getElementById('audio').duration") == pytest.approx(probed, abs=0.05)
        # opened as a file, the captions track is made of the page's own cues
        vtt = webvtt.read(str(sidecar_path(sample, "vtt")))
        track = page.evaluate("(() => { const t = document.getElementById('audio').textTracks[0];"
                              " return [t.kind, t.mode, t.cues.length, t.cues[1].startTime, t.cues[1].endTime]; })()")
        assert track == ["captions", "showing", len(vtt.captions),
                         pytest.approx(vtt_seconds(vtt.captions[1].start), abs=1e-6),
                         pytest.approx(vtt_seconds(vtt.captions[1].end), abs=1e-6)]
        assert page.locator(".speakers li").count() >= 3
        assert "Marine Geographer" in page.text_content(".speakers")
        not_blank(page.screenshot())
        assert opened.errors == [] and opened.dialogs == []


def test_a_chapter_click_seeks_to_its_start_and_marks_it(sample, browser):
    chapters = json.loads(sidecar_path(sample, "chapters").read_text("utf-8"))["chapters"]
    with Opened(browser, sidecar_path(sample, "html").as_uri()) as opened:
        page = opened.ready()
        page.click("#chapters li:nth-child(3) a")
        now = page.evaluate("document.getElementById('audio').currentTime")
        assert abs(now - chapters[2]["startTime"]) < 0.1
        current = page.locator("#chapters [aria-current]")
        assert current.count() == 1
        assert current.get_attribute("aria-current") == "true"
        assert chapters[2]["title"] in current.text_content()
        assert page.text_content("#now") == f"Chapter 3: {chapters[2]['title']}"
        link = page.evaluate("location.hash")              # a link to share: it opens at the chapter
        assert link == fragment(round(chapters[2]["startTime"] * 1000))
        with Opened(browser, sidecar_path(sample, "html").as_uri() + link) as shared:
            shared.ready().wait_for_function(
                "s => Math.abs(document.getElementById('audio').currentTime - s) < 0.3", arg=chapters[2]["startTime"])
            assert shared.page.locator("#chapters a").nth(2).get_attribute("aria-current") == "true"
        assert opened.errors == []


def test_the_sentence_playing_is_the_one_highlighted(sample, browser):
    segments = json.loads(sidecar_path(sample, "transcript").read_text("utf-8"))["segments"]
    with Opened(browser, sidecar_path(sample, "html").as_uri()) as opened:
        page = opened.ready()
        for index in (0, 5, len(segments) // 2, len(segments) - 1):
            seg = segments[index]
            t = (seg["startTime"] + seg["endTime"]) / 2
            opened.seek(t)
            page.wait_for_function("s => { const n = document.querySelectorAll('.seg.now');"
                                   " return n.length === 1 && parseFloat(n[0].dataset.start) === s; }",
                                   arg=seg["startTime"], timeout=5_000)
            lit = page.evaluate("[...document.querySelectorAll('.now')].map(e => [e.className, e.dataset.start,"
                                " e.dataset.end, e.textContent])")
            assert len(lit) == 2                          # the paragraph and one sentence in it
            (cue,) = [x for x in lit if x[0] == "cue now"]
            assert float(cue[1]) <= t < float(cue[2])
            assert cue[3] in seg["body"]
        # a sentence clicked is where the audio goes
        cue = page.locator(".cue").nth(7)
        cue.click()
        assert page.evaluate("document.getElementById('audio').currentTime") == float(cue.get_attribute("data-start"))
        assert "now" in cue.get_attribute("class")
        assert opened.errors == []


@pytest.mark.parametrize("fragment, seconds", [("#t=1:30", 90.0), ("#t=0:01:05", 65.0), ("#t=42.5", 42.5)])
def test_a_time_fragment_starts_there(sample, browser, fragment, seconds):
    with Opened(browser, sidecar_path(sample, "html").as_uri() + fragment) as opened:
        page = opened.ready()
        page.wait_for_function("s => Math.abs(document.getElementById('audio').currentTime - s) < 0.5",
                               arg=seconds, timeout=5_000)
        now = page.evaluate("document.getElementById('audio').currentTime")
        assert seconds - 0.001 <= now < seconds + 0.5     # there, or just after if it began to play
        chapters = json.loads(sidecar_path(sample, "chapters").read_text("utf-8"))["chapters"]
        expected = max(i for i, c in enumerate(chapters) if c["startTime"] <= seconds)
        assert page.locator("#chapters a").nth(expected).get_attribute("aria-current") == "true"
        page.evaluate("location.hash = '#t=0:20'")        # a new fragment on the open page
        page.wait_for_function("Math.abs(document.getElementById('audio').currentTime - 20) < 0.5", timeout=5_000)
        assert opened.errors == []


def test_the_keyboard_plays_seeks_and_steps_through_chapters(sample, browser):
    starts = [c["startTime"] for c in json.loads(sidecar_path(sample, "chapters").read_text("utf-8"))["chapters"]]
    with Opened(browser, sidecar_path(sample, "html").as_uri()) as opened:
        page = opened.ready()

        def now() -> float:
            return page.evaluate("document.getElementById('audio').currentTime")

        page.click("#chapters li:nth-child(1) a")     # the focus on a link, as after a click
        assert now() == starts[0]
        page.keyboard.press("]")
        assert now() == pytest.approx(starts[1], abs=0.05)
        page.keyboard.press("]")
        assert now() == pytest.approx(starts[2], abs=0.05)
        page.keyboard.press("[")
        assert now() == pytest.approx(starts[1], abs=0.05)
        page.keyboard.press("ArrowRight")
        assert now() == pytest.approx(starts[1] + 15, abs=0.05)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert now() == pytest.approx(starts[1] - 15, abs=0.05)
        page.keyboard.press(" ")
        page.wait_for_function("!document.getElementById('audio').paused", timeout=5_000)
        page.wait_for_function(f"document.getElementById('audio').currentTime > {starts[1] - 15 + 0.3}",
                               timeout=5_000)          # it really plays
        page.keyboard.press(" ")
        page.wait_for_function("document.getElementById('audio').paused", timeout=5_000)
        assert page.evaluate("scrollY") >= 0 and opened.errors == []
        # the controls are labelled for a screen reader
        assert page.get_attribute("#audio", "aria-label")
        assert page.locator("nav[aria-labelledby=chapters-title]").count() == 1
        assert page.get_attribute("#now", "aria-live") == "polite"


def settle(page) -> None:
    """Wait for a smooth scroll to end (scrollY unchanged for 200 ms)."""
    before = None
    for _ in range(50):
        now = page.evaluate("scrollY")
        if now == before:
            return
        before = now
        page.wait_for_timeout(200)


def test_the_transcript_follows_until_the_reader_scrolls_away(sample, browser):
    segments = json.loads(sidecar_path(sample, "transcript").read_text("utf-8"))["segments"]
    in_view = ("() => { const e = document.querySelector('.cue.now'), r = e.getBoundingClientRect();"
               " return r.top >= 0 && r.bottom <= innerHeight; }")
    with Opened(browser, sidecar_path(sample, "html").as_uri(), viewport={"width": 1000, "height": 600}) as opened:
        page = opened.ready()
        last = segments[-1]
        opened.seek((last["startTime"] + last["endTime"]) / 2)
        page.wait_for_function(in_view, timeout=5_000)         # scrolled to the sentence
        settle(page)
        assert page.evaluate("scrollY") > 300
        page.mouse.move(500, 400)
        page.mouse.wheel(0, -100_000)                         # the reader goes back to the top
        page.wait_for_function("scrollY === 0", timeout=5_000)
        assert page.is_visible("#follow")
        second = segments[len(segments) // 2]
        opened.seek((second["startTime"] + second["endTime"]) / 2)
        page.wait_for_function("s => parseFloat(document.querySelector('.seg.now').dataset.start) === s",
                               arg=second["startTime"])
        page.wait_for_timeout(300)
        assert page.evaluate("scrollY") == 0                  # left where the reader is
        page.click("#follow")
        page.wait_for_function(in_view, timeout=5_000)
        assert not page.is_visible("#follow")
        assert opened.errors == []


def test_a_script_in_a_transcript_runs_nothing(sample, browser, tmp_path):
    # a page built straight from hostile text, next to a real MP3
    hostile = sample.parent / "hostile.html"
    hostile.write_text(build_page(hostile_timeline(), page_files(sample, DEFAULT_KINDS),
                                  {"Bob": "</li><script>window.ran=5</script>"}), "utf-8")
    with Opened(browser, hostile.as_uri()) as opened:
        page = opened.ready()
        page.hover(".turn .name")
        assert page.evaluate("window.ran") is None
        assert opened.dialogs == [] and opened.errors == []
        assert page.evaluate("document.scripts.length") == 1
        assert HOSTILE in page.text_content("#transcript")
        assert page.text_content("h1") == f"{HOSTILE} & friends"
    # and a real render whose transcript and config hold a script
    (tmp_path / "t.txt").write_text(f"Alice: Hello {HOSTILE} there.\nBob: Fine, thanks {HOSTILE}.\n", "utf-8")
    (tmp_path / "c.yaml").write_text(f"title: '{HOSTILE}'\n", "utf-8")
    out = tmp_path / "t.mp3"
    render(tmp_path / "t.txt", Options(output=out, cache_root=str(tmp_path / "cache"),
                                       config=load_config(tmp_path / "c.yaml")))
    with Opened(browser, sidecar_path(out, "html").as_uri()) as opened:
        page = opened.ready()
        assert page.text_content("h1") == HOSTILE
        assert page.evaluate("document.scripts.length") == 1
        assert opened.dialogs == [] and opened.errors == []


def test_a_phone_sized_screen(sample, browser):
    with Opened(browser, sidecar_path(sample, "html").as_uri(), viewport={"width": 390, "height": 844},
                device_scale_factor=2, is_mobile=True, has_touch=True) as opened:
        page = opened.ready()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390    # nothing sideways
        box = page.locator("#audio").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.locator("#chapters a").first.bounding_box()["width"] > 300  # one column
        not_blank(page.screenshot())
        assert opened.errors == []


def test_the_show_page_through_panelcast_serve(sample, browser):
    server = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", str(sample.parent), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert match, line + server.stderr.read()
        base = match.group(1)
        with Opened(browser, base) as opened:
            page = opened.page
            assert (sample.parent / "index.html").is_file()
            episode = page.locator(".episode")
            assert episode.count() == 1
            assert page.text_content("h1") == "Small Harbours, Big Tides: A Panel on Coastal Towns"
            assert episode.locator(".duration").text_content() == clock(int(ffprobe_duration(sample) * 1000))
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", episode.locator("time").get_attribute("datetime"))
            assert page.evaluate("fetch('feed.xml').then(r => r.status)") == 200
            assert page.evaluate("document.querySelector('.episode img').naturalWidth") > 0
            episode.locator("h2 a").click()
            page.wait_for_url(base + "sample.html")
            opened.ready()
            # served over HTTP, the page's track loads the .vtt itself
            page.wait_for_function("document.querySelector('#audio track') &&"
                                   " document.querySelector('#audio track').readyState === 2", timeout=10_000)
            cues = page.evaluate("document.getElementById('audio').textTracks[0].cues.length")
            assert cues == len(webvtt.read(str(sidecar_path(sample, "vtt"))).captions)
            page.click("#chapters li:nth-child(3) a")
            page.wait_for_function("document.getElementById('audio').currentTime > 1")
            assert opened.errors == [] and opened.dialogs == []
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_seed_page_is_small_opens_fast_and_works(seed_render, browser):
    result, _, _ = seed_render
    path = sidecar_path(result.output, "html")
    size = path.stat().st_size
    assert size < 300_000, f"the seed's page is {size} bytes"
    timings = []
    for _ in range(3):                       # the first open also starts the renderer process
        with Opened(browser, path.as_uri()) as opened:
            nav = opened.page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
            timings.append((opened.open_s, nav["domContentLoadedEventEnd"], nav["loadEventEnd"]))
            assert opened.errors == []
    print(f"\nseed page: {size} bytes; opened in " + ", ".join(
        f"{w * 1000:.0f} ms (DOMContentLoaded {d:.0f} ms, load {e:.0f} ms)" for w, d, e in timings))
    assert min(t[2] for t in timings) < 1000 and min(t[0] for t in timings) < 1.0
    assert_every_turn_on(read_page(path), SEED)

    chapters = json.loads(sidecar_path(result.output, "chapters").read_text("utf-8"))["chapters"]
    segments = json.loads(sidecar_path(result.output, "transcript").read_text("utf-8"))["segments"]
    with Opened(browser, path.as_uri() + "#t=1:30") as opened:
        page = opened.ready()
        assert page.text_content("#duration") == clock(int(ffprobe_duration(result.output) * 1000))
        page.wait_for_function("Math.abs(document.getElementById('audio').currentTime - 90) < 0.5", timeout=5_000)
        page.click("#chapters li:nth-child(3) a")
        assert abs(page.evaluate("document.getElementById('audio').currentTime") - chapters[2]["startTime"]) < 0.1
        assert page.locator("#chapters [aria-current]").count() == 1
        seg = segments[len(segments) * 2 // 3]
        opened.seek((seg["startTime"] + seg["endTime"]) / 2)
        page.wait_for_function("s => { const n = document.querySelectorAll('.seg.now');"
                               " return n.length === 1 && parseFloat(n[0].dataset.start) === s; }",
                               arg=seg["startTime"], timeout=5_000)
        not_blank(page.screenshot())
        assert opened.errors == [] and opened.dialogs == []


# --------------------------------------------------------------------------- the show page at /

def test_serve_answers_slash_with_the_show_page_and_never_one_leading_out(tmp_path):
    import threading
    import urllib.request

    from pipeline.serve import make_server

    site, other = tmp_path / "site", tmp_path / "other"
    site.mkdir()
    other.mkdir()
    (site / "index.html").write_text("<h1>the show</h1>", "utf-8")
    (other / "index.html").write_text("TOP-SECRET", "utf-8")
    (site / "inner").mkdir()
    os.symlink(other / "index.html", site / "inner" / "index.html")
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base = "http://%s:%d/" % server.server_address[:2]
        with urllib.request.urlopen(base) as answer:
            assert answer.read() == b"<h1>the show</h1>"
            assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
            assert answer.headers["ETag"] and answer.headers["Accept-Ranges"] == "bytes"
        with urllib.request.urlopen(base + "inner/") as answer:
            assert b"TOP-SECRET" not in answer.read()          # a listing instead
        with urllib.request.urlopen(base + "inner") as answer:  # redirected to inner/
            assert answer.url.endswith("/inner/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_feed_writes_the_show_page_and_leaves_an_index_of_its_own_alone(sample, tmp_path):
    from pipeline.feed import write_feed

    for name in ("sample.mp3", "sample.html", "sample.jpg"):
        shutil.copy(sample.parent / name, tmp_path / name)
    shutil.copy(sample, tmp_path / "older.mp3")
    os.utime(tmp_path / "older.mp3", (1_000_000_000, 1_000_000_000))
    warnings: list[str] = []
    write_feed(tmp_path, "https://example.org/show/", title="A <b>show</b>", warn=warnings.append)
    index = (tmp_path / "index.html").read_text("utf-8")
    links = re.findall(r'<h2><a href="([^"]+)">', index)
    assert set(links) == {"sample.html", "older.mp3"}         # a page where there is one, else the MP3
    assert "<h1>A &lt;b&gt;show&lt;/b&gt;</h1>" in index and 'href="feed.xml"' in index
    assert index.count('<span class="duration">2:20</span>') == 2 and warnings == []
    write_feed(tmp_path, "https://example.org/show/", warn=warnings.append)   # its own page: rewritten
    assert warnings == []
    (tmp_path / "index.html").write_text("<h1>my own site</h1>", "utf-8")
    write_feed(tmp_path, "https://example.org/show/", warn=warnings.append)
    assert (tmp_path / "index.html").read_text("utf-8") == "<h1>my own site</h1>"
    assert warnings == [f"{tmp_path / 'index.html'}: not a show page panelcast wrote, so it is left as it is"]
