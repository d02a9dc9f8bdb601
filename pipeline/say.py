"""``panelcast say``: one sentence in one speaker's voice, to hear how it will be read.

The speaker is cast as a render casts it: with a transcript, from its speakers, the
config and the cast file; without one, from the cast entries of the config and cast file
(or the narrator). The text goes through the same reading layer as a render's units
(lexicon, names, ``spoken_text``), the same engine and the same encoder. It is read in
``--language``, else the config's ``language:``, else the speaker's language in the
transcript, else the language of the text when it is clear, else English.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .assemble import lame_encode, leveled, read_wav
from .cache import Cache
from .cast import NARRATOR, cast_voices, engine_palette
from .errors import InputError
from .fsutil import atomic_write_bytes, temp_path
from .language import TURN_MIN_CHARS, TURN_SURE, Languages, detect
from .model import Script, Speaker, SynthJob, Voice
from .render import Options, episode_reading, input_files, never_overwrite_inputs, prepare


@dataclass(frozen=True)
class Said:
    output: Path
    speaker: str
    voice: Voice
    spoken: str          # exactly what the engine was given
    duration_ms: int     # of the speech (before encoding)


def say(text: str, speaker: str, options: Options, transcript: str | os.PathLike | None = None) -> Said:
    """Speak ``text`` as ``speaker`` into ``options.output`` (an MP3)."""
    if not text.strip():
        raise InputError("say: the text to speak is empty")
    output = Path(options.output)
    never_overwrite_inputs(input_files(transcript or "", options), {os.path.abspath(output): "the spoken sentence"})
    cache_dir = Cache(options.cache_root).dir
    engine = options.engines(cache_dir)
    if transcript is not None:
        prepared = prepare(transcript, options, engine)
        cast, reading, source, script = prepared.cast, prepared.reading, str(transcript), prepared.script
        name = _speaker(speaker, script, source)
        language = prepared.languages.episode if name == NARRATOR else prepared.languages.of_speaker(name)
    else:
        config = options.config
        overrides = {**config.cast_map(), **dict(options.cast)}
        source = options.cast_source if options.cast else (config.source or "the cast")
        speakers = tuple(Speaker(name) for name in overrides if name != NARRATOR)
        script = Script(title="", speakers=speakers, turns=(), source=source)
        name = _speaker(speaker, script, source)
        language = options.language or config.language or _language_of(text)
        cast = cast_voices(script, overrides, overrides_source=source, check_voice=engine.check_voice,
                           engine=engine.name, languages=Languages(episode=language),
                           palettes=lambda e, lang: engine_palette(e, engine.get, cache_dir, lang))
        reading = episode_reading(options, [s.name for s in speakers], overrides)
    voice = cast.voice_for(name)
    spoken = reading(text, language)
    audio = options.config.audio
    with temp_path(output, suffix=".wav") as wav:
        engine.synthesize([SynthJob(text=spoken, voice=voice, out_path=str(wav))], workers=1)
        raw, rate = read_wav(wav)
    atomic_write_bytes(output, lame_encode(leveled(raw, rate, 0, audio), rate, audio))
    return Said(output, name, voice, spoken, round(len(raw) * 1000 / rate))


def _language_of(text: str) -> str:
    """The language of ``text`` when the detector is sure and there is enough of it, else English."""
    guess = detect(text)
    return guess.language if guess.confidence >= TURN_SURE and guess.weight >= TURN_MIN_CHARS else "en"


def _speaker(wanted: str, script: Script, source: str) -> str:
    """The speaker called ``wanted`` (a name or one of its labels), or the narrator."""
    if wanted == NARRATOR:
        return NARRATOR
    name = script.named(wanted)
    if name is None:
        known = ", ".join([NARRATOR, *(s.name for s in script.speakers)])
        raise InputError(f"--speaker: '{wanted}' is not a speaker of {source} (speakers: {known})")
    return name
