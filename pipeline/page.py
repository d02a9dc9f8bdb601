"""The episode page (``X.html``) and the show page (``index.html``): static HTML to listen with.

The episode page is one self-contained file (inline CSS and JavaScript, no network) placed next
to the MP3 it plays: the cover, title and speakers, a native ``<audio>`` element with the WebVTT
track, the chapters, and the transcript by speaker turns. Every time in it comes from the
sidecars' own helpers (:func:`pipeline.sidecars.cues`, :func:`~pipeline.sidecars.to_chapters_json`),
so a highlighted sentence is exactly the caption cue of the ``.vtt`` and a chapter starts exactly
where ``.chapters.json`` says. All text is HTML-escaped here; the script reads times from
``data-`` attributes only and never builds HTML from text.

The templates are package data (``page.html``, ``show.html``); ``{{name}}`` marks are replaced by
markup built here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from itertools import groupby
from typing import Mapping
from urllib.parse import quote

from .model import Timeline
from .sidecars import cues_by_segment, to_chapters_json

# One colour per speaker, in order of appearance: dark enough to read on white, apart in hue.
COLOURS = ("#1f6fb2", "#b23a48", "#2e7d32", "#8e44ad", "#b35c00", "#00796b", "#5d4037", "#c2185b",
           "#455a64", "#6d6d00")

FILE_LABELS = {
    "mp3": "MP3 audio",
    "vtt": "Captions (WebVTT)",
    "srt": "Captions (SubRip)",
    "chapters": "Chapters (JSON)",
    "transcript": "Transcript (JSON)",
    "cover": "Cover image",
}


@dataclass(frozen=True)
class PageFiles:
    """Names of the episode's files, relative to the page (they sit in the same folder)."""

    audio: str
    captions: str | None = None                   # the .vtt, for the <track>
    cover: str | None = None
    links: tuple[tuple[str, str], ...] = ()       # (kind, file name), in the order listed


@dataclass(frozen=True)
class ShowEpisode:
    """One line of the show page."""

    title: str
    audio: str                    # file name of the MP3
    page: str | None              # file name of its episode page, if there is one
    cover: str | None
    duration_s: float
    published: datetime


_MARK = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return resources.files("pipeline").joinpath(name).read_text(encoding="utf-8")


def _fill(name: str, values: Mapping[str, str]) -> str:
    """The template with each ``{{key}}`` replaced, in one pass: text put in is never read again."""
    return _MARK.sub(lambda m: values[m.group(1)], _template(name))


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _href(name: str) -> str:
    return _e(quote(name))


def clock(ms: int) -> str:
    """``M:SS``, or ``H:MM:SS`` from an hour on (what the page shows and ``#t=`` accepts)."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fragment(ms: int) -> str:
    """The ``#t=`` link to a moment: ``M:SS`` with the milliseconds when there are any
    (``#t=0:58.223``), so the link lands on the sentence or chapter itself, not just before it."""
    millis = max(0, ms) % 1000
    return f"#t={clock(ms)}" + (f".{millis:03d}" if millis else "")


def _secs(ms: int) -> str:
    """Seconds with three decimals: the sidecars' milliseconds, exactly."""
    return f"{ms / 1000:.3f}"


def speaker_colours(timeline: Timeline) -> dict[str, str]:
    """A colour for each speaker: the listed speakers first, then others who speak (the narrator)."""
    names = list(dict.fromkeys([*timeline.speakers, *(s.speaker for s in timeline.segments)]))
    return {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}


def _speakers(colours: Mapping[str, str], roles: Mapping[str, str]) -> str:
    items = []
    for name, colour in colours.items():
        role = roles.get(name, "")
        role_html = f' <span class="role">{_e(role)}</span>' if role else ""
        items.append(f'<li style="--c:{colour}"><span class="dot" aria-hidden="true"></span>'
                     f'<span class="name">{_e(name)}</span>{role_html}</li>')
    return "\n".join(items)


def _chapters(timeline: Timeline) -> str:
    items = []
    for ch in to_chapters_json(timeline)["chapters"]:
        start_ms = round(ch["startTime"] * 1000)
        end = f' data-end="{ch["endTime"]:.3f}"' if "endTime" in ch else ""
        items.append(
            f'<li><a class="seek" href="{fragment(start_ms)}" data-start="{ch["startTime"]:.3f}"{end}>'
            f'<span class="time">{clock(start_ms)}</span> <span class="title">{_e(ch["title"])}</span></a></li>')
    return "\n".join(items)


def _transcript(timeline: Timeline, colours: Mapping[str, str]) -> str:
    """Speaker turns (a run of segments of one speaker); a segment is a paragraph and each of
    its caption cues a clickable sentence with the cue's times."""
    turns = []
    for speaker, group in groupby(cues_by_segment(timeline), key=lambda pair: pair[0].speaker):
        group = list(group)
        start_ms = group[0][0].start_ms
        body = []
        for seg, seg_cues in group:
            spans = " ".join(
                f'<span class="cue" data-start="{_secs(c.start_ms)}" data-end="{_secs(c.end_ms)}">'
                f'{_e(" ".join(c.lines))}</span>' for c in seg_cues)
            body.append(f'<p class="seg" data-start="{_secs(seg.start_ms)}" data-end="{_secs(seg.end_ms)}">'
                        f'{spans}</p>')
        turns.append(
            f'<div class="turn" style="--c:{colours.get(speaker, COLOURS[0])}">'
            f'<p class="who"><span class="name">{_e(speaker)}</span> '
            f'<a class="seek at" href="{fragment(start_ms)}" data-start="{_secs(start_ms)}" '
            f'aria-label="{_e(speaker)} at {clock(start_ms)}: play from here">{clock(start_ms)}</a></p>\n'
            + "\n".join(body) + "</div>")
    return "\n".join(turns)


def _files(files: PageFiles) -> str:
    links = [("mp3", files.audio), *files.links]
    if files.cover:
        links.append(("cover", files.cover))
    return "\n".join(f'<li><a href="{_href(name)}">{_e(FILE_LABELS.get(kind, kind))}</a> '
                     f'<span class="file">{_e(name)}</span></li>' for kind, name in links)


def build_page(timeline: Timeline, files: PageFiles, roles: Mapping[str, str] | None = None) -> str:
    """The episode page of ``timeline`` as HTML text; ``roles`` maps speaker names to roles."""
    colours = speaker_colours(timeline)
    title = timeline.title or files.audio
    cover = (f'<img class="cover" src="{_href(files.cover)}" alt="Cover of {_e(title)}" width="200" '
             f'height="200">' if files.cover else "")
    # the <track> is added by the page's script: from a web server it loads the .vtt; opened as a
    # file (where Chromium refuses to load a track file) it is made of the page's own cues
    track = f' data-captions="{_href(files.captions)}"' if files.captions else ""
    return _fill("page.html", {
        "language": _e(timeline.language),
        "title": _e(title),
        "author": _e(timeline.author),
        "cover": cover,
        "duration": _e(clock(timeline.duration_ms)),
        "duration_s": _secs(timeline.duration_ms),
        "audio": _href(files.audio),
        "track": track,
        "speakers": _speakers(colours, roles or {}),
        "chapters": _chapters(timeline),
        "transcript": _transcript(timeline, colours),
        "files": _files(files),
    })


def build_show_page(title: str, description: str, feed: str, episodes: list[ShowEpisode],
                    cover: str | None = None, language: str = "en") -> str:
    """The show page: the show's cover, title and description, a link to the feed, and each
    episode (newest first, as given) with its cover, title, duration, date and links."""
    items = []
    for ep in episodes:
        link = ep.page or ep.audio
        image = (f'<img src="{_href(ep.cover)}" alt="" width="96" height="96" loading="lazy">'
                 if ep.cover else '<span class="noimg" aria-hidden="true"></span>')
        audio = (f' · <a href="{_href(ep.audio)}">MP3</a>' if ep.page else "")
        items.append(
            f'<li class="episode">{image}<div><h2><a href="{_href(link)}">{_e(ep.title)}</a></h2>'
            f'<p class="meta"><span class="duration">{clock(round(ep.duration_s * 1000))}</span> · '
            f'<time datetime="{ep.published.date().isoformat()}">{ep.published:%d %B %Y}</time>{audio}</p>'
            f'</div></li>')
    return _fill("show.html", {
        "language": _e(language),
        "title": _e(title),
        "description": _e(description),
        "cover": (f'<img class="cover" src="{_href(cover)}" alt="" width="160" height="160">' if cover else ""),
        "feed": _href(feed),
        "episodes": "\n".join(items),
    })
