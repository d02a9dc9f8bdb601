"""Plan: the ordered units of an episode, each with content keys derived from its inputs.

A unit is the atom of rendering and caching: a run of whole sentences of a spoken paragraph
(``sentences.pieces``: a short paragraph is one unit, a long one several) or a jingle.
``synth_key`` hashes everything that changes the synthesized speech; ``key`` hashes that
plus everything that changes the encoded MP3 unit. Keys are hashes of the canonical JSON
of the inputs themselves, never of a hand-kept list of fields.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import narration
from .cast import NARRATOR, Cast
from .config import Config
from .errors import InputError
from .language import Languages
from .model import Script, Voice
from .sentences import pieces, sentences
from .speech import spoken_text

CACHE_FORMAT = 1  # bump when the cached data's layout or meaning changes


@dataclass(frozen=True)
class Unit:
    index: int
    ident: str                # stable position name: "intro:0", "turn:3:1", "outro:0", "jingle:intro"
    kind: str                 # "intro" | "turn" | "outro" | "jingle"
    speaker: str              # speaker name, NARRATOR for intro/outro, "" for a jingle
    text: str                 # the written text (what captions show)
    spoken: str               # the text as handed to the engine
    voice: Voice | None       # None for a jingle
    pause_ms: int             # silence after the unit
    turn: int | None = None   # index into Script.turns
    language: str = "en"      # the language it is read in
    audio_file: str | None = None  # source audio for a jingle
    synth_key: str = ""
    key: str = ""


@dataclass(frozen=True)
class Plan:
    title: str
    units: tuple[Unit, ...]


def canonical_hash(data: object) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def _plain(obj: object) -> object:
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    raise TypeError(f"cannot hash {type(obj).__name__}")


def file_digest(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise InputError(f"{path}: cannot read audio file: {exc.strerror or exc}") from None
    return h.hexdigest()


def intro_paragraphs(script: Script, title: str, language: str = "en", text: str | None = None) -> list[str]:
    """The narrator's intro in ``language``: the title, each panelist with role, then the
    moderator (``text``, the config's, instead), then any intro the transcript has."""
    def who(s) -> tuple[str, str]:
        return s.name, s.role

    if text is not None:
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
    else:
        paragraphs = narration.intro(title, [who(s) for s in script.speakers if not s.moderator],
                                     [who(s) for s in script.speakers if s.moderator], language)
    paragraphs.extend(p for p in script.intro.split("\n\n") if p.strip())
    return paragraphs


def outro_paragraphs(script: Script, title: str, language: str = "en", text: str | None = None) -> list[str]:
    if text is not None:
        return [p for p in text.split("\n\n") if p.strip()]
    paragraphs = [p for p in script.outro.split("\n\n") if p.strip()]
    return paragraphs or [narration.outro(title, language)]


def narration_language(language: str, config: Config) -> str:
    """The language the intro and outro are read in: the episode's, or English (in an English
    voice) for a language the templates lack, unless the config gives both texts."""
    if narration.has_templates(language) or (config.intro_text and config.outro_text):
        return language
    return narration.ENGLISH


def make_plan(script: Script, cast: Cast, config: Config, engine_identity: Callable[[Voice], dict],
              encoder_identity: dict, read: Callable[[str, str], str] | None = None,
              languages: Languages | None = None,
              sentence_pause: Callable[[Voice], int | None] | None = None) -> Plan:
    """List the units in play order and derive their keys; ``engine_identity(voice)`` is what
    of the voice's speech engine (versions, model files) goes into its units' synth keys, and
    ``read(text, language)`` gives a unit's spoken text (``reading.Reading``: lexicon, names,
    then the normalizer of the language). The intro and outro are in the episode's language,
    each turn in its own (``languages``; default: English).

    A paragraph's units are its ``pieces``, except for a voice whose engine speaks each sentence
    on its own anyway (``sentence_pause(voice)`` is a pause in ms, not None: Piper): then each
    sentence is a unit, followed by that pause, so an edit redoes one sentence."""
    read = read or spoken_text
    languages = languages or Languages()
    episode = narration_language(languages.episode, config)
    title = config.title or script.title or Path(script.source).stem or "Untitled"
    pauses = config.pauses
    rows: list[dict] = []

    if config.intro_audio:
        rows.append(dict(ident="jingle:intro", kind="jingle", speaker="", text="", audio_file=config.intro_audio,
                         pause_ms=pauses.paragraph_ms))
    blocks = [("intro", NARRATOR, None, intro_paragraphs(script, title, episode, config.intro_text), pauses.turn_ms)]
    blocks += [("turn", turn.speaker, t, turn.paragraphs, pauses.turn_ms) for t, turn in enumerate(script.turns)]
    blocks.append(("outro", NARRATOR, None, outro_paragraphs(script, title, episode, config.outro_text),
                   pauses.paragraph_ms))
    voices: dict[tuple[str, str], tuple[Voice, dict, dict]] = {}

    def voice_of(speaker: str, language: str) -> tuple[Voice, dict, dict]:
        """The speaker's voice in the language, as plain data, and its engine's identity."""
        who = speaker, language
        if who not in voices:
            found = cast.voice_for(*who)
            voices[who] = found, _plain(found), engine_identity(found)
        return voices[who]

    for kind, speaker, t, paragraphs, last_pause in blocks:
        language = episode if t is None else languages.of_turn(t)
        gap = sentence_pause(voice_of(speaker, language)[0]) if sentence_pause and paragraphs else None
        for p, paragraph in enumerate(paragraphs):
            parts = pieces(paragraph) if gap is None else (sentences(paragraph) or [paragraph])
            for c, text in enumerate(parts):
                if c < len(parts) - 1:
                    pause = gap or 0               # a sentence end inside a paragraph (eSpeak pauses there itself)
                else:
                    pause = last_pause if p == len(paragraphs) - 1 else pauses.paragraph_ms
                where = f"{kind}:{p}" if t is None else f"{kind}:{t}:{p}"
                rows.append(dict(ident=f"{where}:{c}", kind=kind, speaker=speaker, text=text, turn=t,
                                 pause_ms=pause, language=language))
    if config.outro_audio:
        rows.append(dict(ident="jingle:outro", kind="jingle", speaker="", text="", audio_file=config.outro_audio,
                         pause_ms=0))

    units = []
    audio = _plain(config.audio)         # converted once: the same JSON, hashed 2 x units times
    for index, row in enumerate(rows):
        if row["kind"] == "jingle":
            voice, spoken = None, ""
            synth_key = canonical_hash({"cache_format": CACHE_FORMAT, "audio_file": file_digest(row["audio_file"])})
        else:
            voice, plain_voice, identity = voice_of(row["speaker"], row["language"])
            spoken = read(row["text"], row["language"])
            synth_key = canonical_hash(
                {"cache_format": CACHE_FORMAT, "engine": identity, "voice": plain_voice, "text": spoken}
            )
        key = canonical_hash(
            {"cache_format": CACHE_FORMAT, "synth": synth_key, "pause_ms": row["pause_ms"],
             "audio": audio, "encoder": encoder_identity}
        )
        units.append(Unit(index=index, voice=voice, spoken=spoken, synth_key=synth_key, key=key, **row))
    return Plan(title=title, units=tuple(units))
