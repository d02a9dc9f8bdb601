"""Files written next to an episode MP3: captions, chapters and transcript.

From one :class:`~pipeline.model.Timeline`:

- ``X.captions.vtt``    WebVTT with ``<v Speaker>`` voice tags, text lines of at most 65 characters
- ``X.captions.srt``    SubRip; ``Name: `` is prefixed whenever the speaker changes
- ``X.chapters.json``   Podcasting 2.0 chapters (version 1.2.0)
- ``X.transcript.json`` Podcasting 2.0 JSON transcript (version 1.0.0)
- ``X.html``            the episode page, to listen with the transcript (:mod:`pipeline.page`)

The captions and the JSON files take two suffixes, so no sidecar of ``X.mp3`` is named like a
transcript panelcast reads (``X.vtt``, ``X.srt``, ``X.json``...). :func:`sidecar_path` is the one
place that names them; :func:`find_sidecar` also finds the captions of episodes rendered when
they were ``X.vtt`` and ``X.srt``.

The ``to_*`` functions are pure; :func:`write_sidecars` writes the files atomically
(through :mod:`pipeline.fsutil`).
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from .errors import InputError
from .fsutil import atomic_write_text
from .model import Segment, Timeline

if TYPE_CHECKING:
    from .page import PageFiles

LINE_WIDTH = 65      # longest caption text line, in characters
MAX_LINES = 2        # text lines per caption cue

CHAPTERS_VERSION = "1.2.0"
TRANSCRIPT_VERSION = "1.0.0"

SIDECAR_SUFFIXES = {
    "vtt": ".captions.vtt",
    "srt": ".captions.srt",
    "chapters": ".chapters.json",
    "transcript": ".transcript.json",
    "html": ".html",
}
FORMER_SUFFIXES = {"vtt": ".vtt", "srt": ".srt"}   # the captions' names before; found, never written
DEFAULT_KINDS = ("vtt", "srt", "chapters", "transcript", "html")
COVER_SUFFIXES = (".jpg", ".png")   # the cover the render writes next to the MP3


# --------------------------------------------------------------------------- cue splitting

@dataclass(frozen=True)
class Cue:
    """One caption cue: a piece of a segment with its share of the segment's time."""

    start_ms: int
    end_ms: int
    speaker: str
    lines: tuple[str, ...]   # display lines, each at most LINE_WIDTH characters (prefix included)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")


_ABBREVIATIONS = frozenset(
    "dr mr mrs ms mx prof sr jr st vs etc e.g i.e no fig approx dept inc ltd co corp".split()
)
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")


def _sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    if not text:
        return []
    parts, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        words = text[start:m.start()].split()
        last = words[-1].rstrip(".").lower() if words else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue  # "Dr. Tian", "J. Smith": not a sentence end
        parts.append(text[start:m.end()].strip())
        start = m.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _wrap(text: str, width: int, prefix: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=prefix,
        break_long_words=True,
        break_on_hyphens=False,
    )


def _line_count(text: str, width: int, prefix: str = "") -> int:
    """``len(_wrap(text, width, prefix))`` for single-spaced text, without textwrap's cost
    (captions ask it thousands of times per episode): greedy filling, word by word."""
    words = text.split()
    if not words:
        return 0
    if len(prefix) + max(len(w) for w in words) > width:
        return len(_wrap(text, width, prefix))  # a word is cut across lines: textwrap's rules
    lines, used = 1, len(prefix) + len(words[0])
    for w in words[1:]:
        if used + 1 + len(w) <= width:
            used += 1 + len(w)
        else:
            lines, used = lines + 1, len(w)
    return lines


def _even_groups(words: list[str], n: int) -> list[str]:
    """Cut ``words`` into ``n`` runs of about equal length (in characters)."""
    total = sum(len(w) + 1 for w in words)
    groups: list[list[str]] = [[] for _ in range(n)]
    seen = 0
    for w in words:
        middle = seen + (len(w) + 1) / 2
        groups[min(n - 1, int(middle * n / total))].append(w)
        seen += len(w) + 1
    return [" ".join(g) for g in groups if g]


def _cut_evenly(text: str, fits) -> list[str]:
    """Cut ``text`` at word boundaries into as few even pieces as ``fits`` allows."""
    words = text.split()
    for n in range(2, len(words) + 1):
        pieces = _even_groups(words, n)
        if all(fits(p) for p in pieces):
            return pieces
    return words


def _phrases(sentence: str, fits) -> list[str]:
    """A sentence as one phrase if it fits a cue, else its clauses, else even word runs."""
    if fits(sentence):
        return [sentence]
    out: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        out.extend([clause] if fits(clause) else _cut_evenly(clause, fits))
    return out


def split_text(text: str, width: int = LINE_WIDTH, max_lines: int = MAX_LINES,
               prefix: str = "") -> list[list[str]]:
    """Split ``text`` into cues of at most ``max_lines`` lines of at most ``width`` characters.

    Cuts fall, in order of preference, at sentence ends, at clause punctuation (``, ; : —``),
    then between words into runs of about equal length; pieces are packed greedily into cues,
    and a short leftover (a third of a line or less) is cut together with what follows rather
    than shown alone.
    A word longer than ``width`` (a URL, say) is cut into ``width``-sized pieces. ``prefix``
    (e.g. ``"Name: "``) starts the first line of the first cue and counts towards its width;
    a prefix longer than half a line is left off.
    """
    if len(prefix) > width // 2:
        prefix = ""
    text = " ".join(
        " ".join(w[i:i + width] for i in range(0, len(w), width)) if len(w) > width else w
        for w in text.split()
    )
    chunks: list[list[str]] = []
    current = ""

    def pre() -> str:
        return prefix if not chunks else ""

    def fits(piece: str) -> bool:
        length = len(pre()) + len(piece)
        if length <= width:
            return True          # one line
        if length > width * max_lines:
            return False         # more characters than the lines can hold
        return _line_count(piece, width, pre()) <= max_lines

    for sentence in _sentences(text):
        for phrase in _phrases(sentence, fits):
            candidate = f"{current} {phrase}" if current else phrase
            if fits(candidate):
                current = candidate
                continue
            if current and len(current) <= width // 3:
                # a stub like "Therefore," would flash by alone: share the next phrase's cues
                phrase, current = candidate, ""
            if current:
                chunks.append(_wrap(current, width, pre()))
            pieces = [phrase] if fits(phrase) else _cut_evenly(phrase, fits)
            for piece in pieces[:-1]:
                chunks.append(_wrap(piece, width, pre()))
            current = pieces[-1]
    if current:
        chunks.append(_wrap(current, width, pre()))
    return chunks


@functools.lru_cache(maxsize=4096)
def _split_cached(text: str, width: int, max_lines: int, prefix: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(lines) for lines in split_text(text, width, max_lines, prefix))


def prepare_captions(text: str, speaker: str, previous_speaker: str | None) -> None:
    """Cut ``text``'s caption lines ahead of time, as ``cues`` will ask for them (with and
    without the ``"Name: "`` prefix); they depend on the text only, not on times."""
    _split_cached(text, LINE_WIDTH, MAX_LINES, "")
    if speaker != previous_speaker:
        _split_cached(text, LINE_WIDTH, MAX_LINES, f"{speaker}: ")


def _check_segment(index: int, seg: Segment) -> None:
    where = f"timeline segment {index + 1} ({seg.speaker})"
    if seg.start_ms < 0:
        raise InputError(f"{where}: negative start {seg.start_ms} ms")
    if seg.end_ms < seg.start_ms:
        raise InputError(f"{where}: end {seg.end_ms} ms is before start {seg.start_ms} ms")


def _sorted_segments(timeline: Timeline) -> list[Segment]:
    for i, seg in enumerate(timeline.segments):
        _check_segment(i, seg)
    return sorted(timeline.segments, key=lambda s: s.start_ms)


def cues(timeline: Timeline, *, name_prefix: bool = False,
         width: int = LINE_WIDTH, max_lines: int = MAX_LINES) -> list[Cue]:
    """All caption cues of ``timeline``, in time order.

    A segment too long for one cue becomes several; its time is shared in proportion to the
    characters of each cue, and the first cue starts exactly at the segment's ``start_ms``.
    With ``name_prefix`` the first line of a cue whose speaker differs from the previous cue's
    starts with ``"Name: "`` (SubRip has no voice tags).
    """
    return [cue for _, group in cues_by_segment(timeline, name_prefix=name_prefix, width=width,
                                                max_lines=max_lines) for cue in group]


def cues_by_segment(timeline: Timeline, *, name_prefix: bool = False, width: int = LINE_WIDTH,
                    max_lines: int = MAX_LINES) -> list[tuple[Segment, list[Cue]]]:
    """Each segment with text, in time order, with its caption cues (see :func:`cues`)."""
    out: list[tuple[Segment, list[Cue]]] = []
    previous_speaker: str | None = None
    for seg in _sorted_segments(timeline):
        prefix = f"{seg.speaker}: " if name_prefix and seg.speaker != previous_speaker else ""
        chunks = _split_cached(seg.text, width, max_lines, prefix)
        if not chunks:
            continue
        if prefix and not chunks[0][0].startswith(prefix):
            prefix = ""
        sizes = [len(" ".join(c)) for c in chunks]
        sizes[0] -= len(prefix)
        total = sum(sizes) or 1
        span = seg.end_ms - seg.start_ms
        bounds, acc = [], 0
        for size in sizes:
            bounds.append(seg.start_ms + (span * acc + total // 2) // total)
            acc += size
        bounds.append(seg.end_ms)
        out.append((seg, [Cue(bounds[k], bounds[k + 1], seg.speaker, tuple(chunk))
                          for k, chunk in enumerate(chunks)]))
        previous_speaker = seg.speaker
    return out


# --------------------------------------------------------------------------- formats

def _clock(ms: int, sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(timeline: Timeline) -> str:
    """WebVTT captions with ``<v Speaker>`` voice tags; the header names the language."""
    blocks = [f"WEBVTT\nLanguage: {timeline.language}\n"]
    for cue in cues(timeline):
        name = _vtt_escape(" ".join(cue.speaker.split())) or "Speaker"
        lines = [_vtt_escape(line) for line in cue.lines]
        lines[0] = f"<v {name}>{lines[0]}"
        timing = f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}"
        blocks.append(timing + "\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def to_srt(timeline: Timeline) -> str:
    """SubRip captions; ``Name: `` starts a cue whenever the speaker changes."""
    blocks = []
    for n, cue in enumerate(cues(timeline, name_prefix=True), start=1):
        timing = f"{_clock(cue.start_ms, ',')} --> {_clock(cue.end_ms, ',')}"
        blocks.append(f"{n}\n{timing}\n" + "\n".join(cue.lines) + "\n")
    return "\n".join(blocks)


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def _is_web_url(value: str | None) -> bool:
    return bool(value) and value.lower().startswith(("http://", "https://"))


def to_chapters_json(timeline: Timeline) -> dict:
    """Podcasting 2.0 chapters (``application/json+chapters``, version 1.2.0).

    ``img`` and ``url`` are included only when they are web addresses: a chapter image given as a
    local file path has no address a podcast app could fetch.
    """
    doc: dict = {"version": CHAPTERS_VERSION}
    if timeline.title:
        doc["title"] = timeline.title
    if timeline.author:
        doc["author"] = timeline.author
    chapters = []
    for i, ch in enumerate(sorted(timeline.chapters, key=lambda c: c.start_ms)):
        if ch.start_ms < 0:
            raise InputError(f"chapter {i + 1} ({ch.title!r}): negative start {ch.start_ms} ms")
        entry: dict = {"startTime": _seconds(ch.start_ms), "title": str(ch.title)}
        if ch.end_ms > ch.start_ms:
            entry["endTime"] = _seconds(ch.end_ms)
        if _is_web_url(ch.image):
            entry["img"] = ch.image
        if _is_web_url(ch.url):
            entry["url"] = ch.url
        chapters.append(entry)
    doc["chapters"] = chapters
    return doc


def to_transcript_json(timeline: Timeline) -> dict:
    """Podcasting 2.0 JSON transcript: one entry per timeline segment."""
    segments = [
        {
            "speaker": seg.speaker,
            "startTime": _seconds(seg.start_ms),
            "endTime": _seconds(seg.end_ms),
            "body": " ".join(seg.text.split()),
        }
        for seg in _sorted_segments(timeline)
        if seg.text.strip()
    ]
    return {"version": TRANSCRIPT_VERSION, "language": timeline.language, "segments": segments}


def _json_text(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


_RENDERERS = {
    "vtt": to_vtt,
    "srt": to_srt,
    "chapters": lambda t: _json_text(to_chapters_json(t)),
    "transcript": lambda t: _json_text(to_transcript_json(t)),
}


def sidecar_path(mp3_path: Path, kind: str, *, former: bool = False) -> Path:
    """Where the sidecar ``kind`` of ``X.mp3`` lives (``X.captions.vtt``, ``X.chapters.json``...);
    ``former``: where an earlier panelcast wrote it (``X.vtt``, ``X.srt``; the others unchanged)."""
    mp3_path = Path(mp3_path)
    suffix = FORMER_SUFFIXES.get(kind) if former else None
    return mp3_path.with_name(mp3_path.stem + (suffix or SIDECAR_SUFFIXES[kind]))


def find_sidecar(mp3_path: Path, kind: str) -> Path | None:
    """The sidecar ``kind`` of ``X.mp3`` if it is there: under its name, else under its former
    name (an episode rendered before the captions were ``X.captions.vtt``)."""
    for former in (False, True):
        path = sidecar_path(mp3_path, kind, former=former)
        if path.is_file():
            return path
    return None


def page_files(mp3_path: Path, kinds: Iterable[str]) -> "PageFiles":
    """The files the episode page of ``X.mp3`` links to: the MP3, the other sidecars in
    ``kinds`` and the cover found next to it."""
    from .page import PageFiles

    mp3_path = Path(mp3_path)
    cover = next((mp3_path.with_suffix(s) for s in COVER_SUFFIXES if mp3_path.with_suffix(s).is_file()), None)
    others = [k for k in kinds if k != "html"]
    return PageFiles(
        audio=mp3_path.name,
        captions=sidecar_path(mp3_path, "vtt").name if "vtt" in others else None,
        cover=cover.name if cover else None,
        links=tuple((k, sidecar_path(mp3_path, k).name) for k in others),
    )


def write_sidecars(timeline: Timeline, mp3_path: Path,
                   kinds: Iterable[str] = DEFAULT_KINDS, roles: Mapping[str, str] | None = None) -> list[Path]:
    """Write the chosen sidecars next to ``mp3_path``; return the paths written, in ``kinds`` order.

    ``roles`` (speaker name -> role) is shown on the episode page. All files are rendered before
    the first is written, so bad timeline data leaves no partial set behind.
    """
    kinds = list(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in SIDECAR_SUFFIXES]
    if unknown:
        raise InputError(
            f"unknown sidecar kind {unknown[0]!r}; choose from {', '.join(SIDECAR_SUFFIXES)}"
        )
    folder = Path(mp3_path).parent
    if not folder.is_dir():
        raise InputError(f"{folder}: output folder does not exist")

    def rendered(kind: str) -> str:
        if kind == "html":
            from .page import build_page

            return build_page(timeline, page_files(mp3_path, kinds), roles)
        return _RENDERERS[kind](timeline)

    texts = [(sidecar_path(mp3_path, k), rendered(k)) for k in kinds]
    return [atomic_write_text(path, text) for path, text in texts]
