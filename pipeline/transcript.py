"""Read a transcript file into a :class:`~pipeline.model.Script`.

The format is detected from the content (the file extension only breaks ties), or forced with
``fmt``. Each format lives in its own module under ``pipeline/formats``; this module reads the
file, picks the parser and hands its draft to ``formats.assemble``.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from .errors import ParseError, located
from .fsutil import read_bounded
from .formats import BY_NAME, DETECTION_ORDER, PARSERS, plain
from .formats.assemble import build_script
from .formats.common import CastEntry
from .formats.companion import find_companion, load_companion
from .model import Script

FORMATS: tuple[str, ...] = tuple(p.NAME for p in PARSERS)

_EXTENSION_HINTS = {".vtt": ("vtt",), ".srt": ("srt",), ".json": ("json",), ".jsonl": ("json",),
                    ".md": ("markdown",)}
_MIN_EVIDENCE = 2


def parse(path: str | os.PathLike, fmt: str | None = None,
          speakers: dict[str, str] | None = None) -> Script:
    """Parse the transcript at ``path``; raise ParseError naming the file if it cannot.

    A sibling file mapping speaker ids to names (see ``formats.companion``) is used when
    there is one.
    """
    source = os.fspath(path)
    text = _read(source)
    companion = find_companion(Path(source))
    cast = load_companion(companion) if companion else []
    return _parse(text, source, fmt, speakers, cast)


def parse_text(text: str, source: str = "<text>", fmt: str | None = None,
               speakers: dict[str, str] | None = None) -> Script:
    """Parse transcript ``text``; ``source`` names it in messages and in ``Script.source``."""
    return _parse(text, source, fmt, speakers, [])


def load_speaker_map(path: str | os.PathLike) -> dict[str, str]:
    """Read a speaker names file (JSON, JSON Lines or YAML; id -> name) as a ``speakers`` map.

    A role in parentheses stays in the name (``"Zac Johnson (Anchorage Assembly)"``);
    ``parse`` turns it into ``Speaker.role``.
    """
    cast = load_companion(Path(path))
    return {ident: f"{c.name} ({'; '.join(c.roles)})" if c.roles else c.name
            for c in cast for ident in c.ids}


def _parse(text: str, source: str, fmt: str | None, speakers: dict[str, str] | None,
           cast: list[CastEntry]) -> Script:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ParseError(located(source, None, "the transcript is empty"))
    parser = _choose(text, source, fmt)
    draft = parser.parse(text, source)
    if not any(t.paragraphs for t in draft.turns):
        raise ParseError(located(source, None, f"no speech found (read as {parser.NAME})"))
    if not draft.title:
        draft.title = _title_from_path(source)
    known = {c.name for c in draft.cast}
    draft.cast.extend(c for c in cast if c.name not in known)
    return build_script(draft, parser.NAME, source, speakers)


def _read(source: str) -> str:
    try:
        data = read_bounded(source, "transcript")
    except OSError as err:
        message = f"cannot read the transcript: {err.strerror or err}"
        raise ParseError(located(source, None, message)) from None
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):          # what Windows editors save
            break
    else:
        codec = "utf-8"
        if b"\x00" in data:
            raise ParseError(located(source, None, "not a text file (binary data)"))
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1 if codec == "utf-8" else None
        raise ParseError(located(source, line, f"not {codec.upper().replace('-SIG', '')} text")) from None
    if "\x00" in text:
        raise ParseError(located(source, None, "not a text file (binary data)"))
    return text


def _choose(text: str, source: str, fmt: str | None):
    if fmt is not None:
        if fmt not in BY_NAME:
            raise ParseError(located(source, None, f"unknown transcript format {fmt!r}; "
                                                   f"valid formats: {', '.join(FORMATS)}"))
        return BY_NAME[fmt]
    if not re.search(r"\w", text):
        raise ParseError(located(source, None, "cannot detect the transcript format "
                                               f"(tried: {', '.join(FORMATS)})"))
    hinted = _EXTENSION_HINTS.get(Path(source).suffix.lower(), ())
    scores = [(p.detect(text), p.NAME in hinted, -i, p) for i, p in enumerate(DETECTION_ORDER)]
    best, _, _, parser = max(scores, key=lambda s: s[:3])
    return parser if best >= _MIN_EVIDENCE else plain


def _title_from_path(source: str) -> str:
    stem = Path(source).name.split(".")[0] if source and not source.startswith("<") else ""
    return re.sub(r"[_-]+", " ", stem).strip()
