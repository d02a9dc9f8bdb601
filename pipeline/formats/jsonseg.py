"""Diarized JSON and JSON Lines: lists of segments or words, each with a speaker.

Accepted shapes (keys are looked up by their common names):

- a list of segments ``{"speaker", "text", "start", "end"}`` (WhisperX, pyannote, curated),
- a list of words with a speaker per word (AssemblyAI-style), grouped into turns,
- an object holding such a list (``segments``, ``transcripts`` as in Podlove, ``utterances``...),
  optionally with a ``speakers`` map of id -> name,
- JSON Lines, one segment per line.
"""

from __future__ import annotations

import json

from .common import CastEntry, Draft, fail
from .companion import cast_from_records
from .timed import Segment, build_turns, seconds

NAME = "json"

_LIST_KEYS = ("segments", "transcripts", "transcript", "utterances", "monologues", "results",
              "items", "words", "captions", "cues")
_SPEAKER_KEYS = ("voice", "speaker_name", "speaker", "speaker_label", "speakerLabel",
                 "person_slug", "person", "spk", "speaker_id", "speakerId")
_TEXT_KEYS = ("text", "transcript", "punctuated_word", "word", "content", "value")
_START_KEYS = ("start", "start_secs", "start_time", "startTime", "begin", "offset")
_START_MS_KEYS = ("start_ms", "startMs", "start_millis")


def detect(text: str) -> int:
    head = text.lstrip("\ufeff \t\r\n")[:2]
    return 1000 if head[:1] == "{" or head in ("[{", "[\n", "[\r", "[ ") or head == "[" else 0


def parse(text: str, source: str) -> Draft:
    records, lines = _load(text, source)
    items, cast = _items(records)
    if not items:
        raise fail(source, None, "no list of segments or words found in the JSON")
    lines = lines if len(lines) == len(items) else [0] * len(items)
    segments = [_segment(item, line) for item, line in zip(items, lines)]
    segments = [s for s in segments if s is not None]
    if not segments:
        raise fail(source, None, "the JSON segments have no text")
    draft = Draft(cast=cast)
    if all(s.label is None for s in segments):
        for segment in segments:
            segment.label = "Narrator"
        draft.warnings.append("no speakers in the JSON: one Narrator reads it")
    build_turns(segments, draft, sort=all(s.start is not None for s in segments))
    return draft


def _load(text: str, source: str) -> tuple[object, list[int]]:
    try:
        return _load_records(text, source)
    except RecursionError:
        raise fail(source, None, "the JSON is nested too deeply") from None


def _load_records(text: str, source: str) -> tuple[object, list[int]]:
    """The whole document, or the JSON Lines records with their line numbers."""
    try:
        data = json.loads(text)
        return data, _item_lines(text) if isinstance(data, list) else []
    except json.JSONDecodeError as err:
        first_error = err
    records, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if not records:
                raise fail(source, first_error.lineno,
                           f"invalid JSON: {first_error.msg}") from None
            raise fail(source, number, "invalid JSON Lines record") from None
        lines.append(number)
    return records, lines


def _item_lines(text: str) -> list[int]:
    """1-based line of each element of a top-level JSON array."""
    decoder, lines = json.JSONDecoder(), []
    pos = text.index("[") + 1
    counted, line = 0, 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        pos = decoder.raw_decode(text, pos)[1]


def _items(data: object, depth: int = 0) -> tuple[list, list[CastEntry]]:
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)], []
    if not isinstance(data, dict):
        return [], []
    cast = _embedded_cast(data.get("speakers"))
    for key in _LIST_KEYS:
        value = data.get(key)
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            return [v for v in value if isinstance(v, dict)], cast
        if isinstance(value, dict) and depth < 3:
            items, inner = _items(value, depth + 1)
            if items:
                return items, cast + inner
    return [], cast


def _embedded_cast(speakers: object) -> list[CastEntry]:
    """``"speakers": {"0": "Ann"}`` or ``[{"id": "0", "name": "Ann"}]``."""
    if isinstance(speakers, dict):
        speakers = [{"id": k, "name": v} for k, v in speakers.items() if isinstance(v, str)]
    if isinstance(speakers, list):
        return cast_from_records([s for s in speakers if isinstance(s, dict)])
    return []


def _segment(item: dict, line: int) -> Segment | None:
    text = _first(item, _TEXT_KEYS)
    if not isinstance(text, str) or not text.strip():
        return None
    label = _first(item, _SPEAKER_KEYS)
    label = str(label).strip() if label is not None and str(label).strip() else None
    return Segment(label, text.strip(), _start(item), line)


def _start(item: dict) -> float | None:
    value = _first(item, _START_MS_KEYS)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000
    value = _first(item, _START_KEYS)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return seconds(value) if isinstance(value, str) else None


def _first(item: dict, keys: tuple[str, ...]) -> object:
    return next((item[k] for k in keys if item.get(k) is not None), None)
