"""Cast: give every speaker a distinct voice, plus a narrator for the intro and outro.

Every speech engine has a palette: eSpeak's is voices/palette.yaml; Piper's is either the
installed voices, measured (several models, or a multi-speaker model), or with the bundled
joe voice alone voices/piper.yaml, derived variants of joe. A speaker speaks with the
episode's engine unless its cast entry names another (``engine: piper``), so one episode can
mix engines; each engine's speakers are spread over that engine's palette.

A cast of n speakers gets n palette voices spread evenly over the pitch range (measured
median pitch), handed out lowest first in order of appearance, so the same script always
gets the same cast. A cast file or the episode config overrides any field per speaker;
overrides are checked against the script and the engine before anything is rendered
(eSpeak silently falls back to its default voice otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from .config import ENGINE_VOICE_KEYS, SAFE_LOADER, SEMITONES_NATURAL, VoiceOverride
from .errors import CastError, ConfigError
from .model import Script, Voice

NARRATOR = "Narrator"
MODEL_PACE = 170   # a Piper voice's rate at the model's own pace (see model.Voice)


def _voices_file(name: str) -> Path:
    """A file of voices/: in a checkout (and an editable install) next to the package, in an
    installed wheel inside it (pyproject.toml installs voices/ as pipeline/voices)."""
    here = Path(__file__).resolve().parent
    inside = here / "voices" / name
    return inside if inside.is_file() else here.parent / "voices" / name


PALETTE_PATH = _voices_file("palette.yaml")        # eSpeak NG through pyttsx3
PIPER_PALETTE_PATH = _voices_file("piper.yaml")    # Piper: derived variants of the bundled joe voice
PALETTE_PATHS = {"pyttsx3": PALETTE_PATH, "piper": PIPER_PALETTE_PATH}


@dataclass(frozen=True)
class PaletteVoice:
    voice: str
    variant: str | None = None
    pitch: int = 50
    rate: int = 170
    volume: float = 1.0
    hz: float = 0.0      # measured median pitch, used to spread a cast over the range
    engine: str = "pyttsx3"
    speaker: str | None = None   # piper: a multi-speaker model's speaker
    semitones: float = 0.0       # piper: pitch shift

    def as_voice(self) -> Voice:
        if self.engine != "pyttsx3":
            return Voice(voice=self.voice, rate=self.rate, volume=self.volume, engine=self.engine,
                         speaker=self.speaker, semitones=self.semitones)
        return Voice(voice=f"{self.voice}+{self.variant}" if self.variant else self.voice,
                     pitch=self.pitch, rate=self.rate, volume=self.volume)


@dataclass(frozen=True)
class Palette:
    narrator: PaletteVoice
    speakers: tuple[PaletteVoice, ...]
    engine: str = "pyttsx3"


@dataclass(frozen=True)
class Cast:
    narrator: Voice
    voices: tuple[tuple[str, Voice], ...]   # speaker name -> voice, in script order
    warnings: tuple[str, ...] = ()

    def voice_for(self, speaker: str) -> Voice:
        if speaker == NARRATOR:
            return self.narrator
        return dict(self.voices)[speaker]


def _palette_voice(entry: object, where: str, engine: str) -> PaletteVoice:
    if not isinstance(entry, dict) or not isinstance(entry.get("voice"), str):
        raise ConfigError(f"{where}: expected a mapping with a 'voice' string")
    speaker = entry.get("speaker")
    return PaletteVoice(
        voice=entry["voice"],
        variant=entry.get("variant"),
        pitch=int(entry.get("pitch", 50)),
        rate=int(entry.get("rate", MODEL_PACE)),
        volume=float(entry.get("volume", 1.0)),
        hz=float(entry.get("hz", 0.0)),
        engine=engine,
        speaker=None if speaker is None else str(speaker),
        semitones=float(entry.get("semitones", 0.0)),
    )


def load_palette(path: str | Path = PALETTE_PATH) -> Palette:
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the voice palette: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("speakers"), list) or not data["speakers"]:
        raise ConfigError(f"{path}: a palette needs 'narrator' and a non-empty 'speakers' list")
    engine = data.get("engine", "pyttsx3")
    if engine not in ENGINE_VOICE_KEYS:
        raise ConfigError(f"{path}: engine: unknown speech engine {engine!r}")
    return Palette(
        narrator=_palette_voice(data.get("narrator"), f"{path}: narrator", engine),
        speakers=tuple(_palette_voice(e, f"{path}: speakers[{i}]", engine)
                       for i, e in enumerate(data["speakers"])),
        engine=engine,
    )


def default_palette(engine: str) -> Palette:
    """The palette shipped for ``engine`` (for piper: the derived variants of joe)."""
    if engine not in PALETTE_PATHS:
        raise ConfigError(f"no voice palette for the speech engine '{engine}' (known: {', '.join(PALETTE_PATHS)})")
    return load_palette(PALETTE_PATHS[engine])


def engine_palette(name: str, get_engine: Callable[[str], Any], cache_dir: str | Path | None = None
                   ) -> Palette:
    """The palette of engine ``name``; ``get_engine(name)`` gives the engine, asked only for Piper's
    installed voices."""
    if name == "piper":
        return piper_palette(get_engine(name), cache_dir)
    return default_palette(name)


MAX_MEASURED_SPEAKERS = 12   # of a multi-speaker model (some have hundreds), evenly chosen by id


def piper_palette(engine: Any, cache_dir: str | Path | None = None) -> Palette:
    """Piper's palette: with the bundled joe voice alone, its derived variants (voices/piper.yaml);
    with several voices (installed models of the narrator's language, a multi-speaker model's
    speakers), those voices, each measured once (cached) by its median pitch. The narrator is
    the derived palette's (without joe: the voice in the middle of the pitch range)."""
    derived = default_palette("piper")
    candidates = [PaletteVoice(voice=name, engine="piper", speaker=speaker, rate=MODEL_PACE)
                  for name, speaker in _installed_voices(engine, derived.narrator.voice)]
    if len(candidates) == 1 and (candidates[0].voice, candidates[0].speaker) != (derived.narrator.voice, None):
        return _derived_from(derived, candidates[0])    # one voice, not joe: its own variants
    if len(candidates) <= 1:
        return derived
    from .voicepitch import measure_voices

    measured = measure_voices(engine, [c.as_voice() for c in candidates], cache_dir)
    speakers = tuple(replace(c, hz=hz) for c, hz in zip(candidates, measured) if not math.isnan(hz))
    if not speakers:
        return derived
    palette = Palette(narrator=derived.narrator, speakers=speakers, engine="piper")
    if all(c.voice != derived.narrator.voice for c in candidates):   # joe is not installed
        palette = replace(palette, narrator=spread(palette, 1)[0])
    return palette


def _derived_from(derived: Palette, voice: PaletteVoice) -> Palette:
    """The derived variants made from ``voice`` instead of joe (same shifts and rates; their
    ``hz`` stay joe's, which orders them the same way)."""
    def swap(v: PaletteVoice) -> PaletteVoice:
        return replace(v, voice=voice.voice, speaker=voice.speaker)

    return replace(derived, narrator=swap(derived.narrator), speakers=tuple(swap(v) for v in derived.speakers))


def _installed_voices(engine: Any, narrator: str) -> list[tuple[str, str | None]]:
    """(model name, speaker) of every installed voice in the narrator's language (a voice
    speaking another language would read the transcript with its own language's sounds); a
    multi-speaker model gives up to MAX_MEASURED_SPEAKERS of its speakers, evenly spread over
    its ids."""
    models = engine.installed()
    language = next((_family(m) for m in models if m["name"] == narrator), "")
    voices: list[tuple[str, str | None]] = []
    for model in models:
        if language and _family(model) not in (language, ""):
            continue
        name = model["name"]
        speakers = list(model.get("speakers") or ())
        if len(speakers) <= 1:
            voices.append((name, None))
            continue
        count = min(len(speakers), MAX_MEASURED_SPEAKERS)
        chosen = sorted({round(i * (len(speakers) - 1) / max(count - 1, 1)) for i in range(count)})
        voices.extend((name, str(speakers[i])) for i in chosen)
    return voices


def _family(model: Mapping) -> str:
    """A model's language family: "en" for en_US, en-gb..."""
    return str(model.get("language") or "").replace("-", "_").split("_")[0].lower()


def _apply(base: PaletteVoice, o: VoiceOverride | None) -> Voice:
    o = o or VoiceOverride()
    if base.engine != "pyttsx3":
        return _apply_model(base, o)
    language = o.voice if o.voice is not None else base.voice
    if o.voice is not None and "+" in o.voice:
        language, _, variant = o.voice.partition("+")
    else:
        variant = o.variant if o.variant is not None else base.variant
    return Voice(
        voice=f"{language}+{variant}" if variant else language,
        pitch=base.pitch if o.pitch is None else o.pitch,
        rate=base.rate if o.rate is None else o.rate,
        volume=base.volume if o.volume is None else o.volume,
    )


def _apply_model(base: PaletteVoice, o: VoiceOverride) -> Voice:
    """A neural voice: an entry that names its own model or speaker starts from that voice as
    it is (no shift, the model's pace); otherwise the palette voice's settings are the base."""
    own = o.voice is not None or o.speaker is not None
    return Voice(
        voice=o.voice if o.voice is not None else base.voice,
        rate=o.rate if o.rate is not None else (MODEL_PACE if own else base.rate),
        volume=base.volume if o.volume is None else o.volume,
        engine=base.engine,
        speaker=o.speaker if own else base.speaker,
        semitones=o.semitones if o.semitones is not None else (0.0 if own else base.semitones),
    )


def spread(palette: Palette, n: int) -> list[PaletteVoice]:
    """``n`` palette voices, evenly spread over the pitch range, lowest first.

    More speakers than voices: the palette is repeated (voices are then shared).
    """
    ordered = sorted(palette.speakers, key=lambda v: v.hz)
    size = len(ordered)
    if n <= 0:
        return []
    if n == 1:
        return [ordered[(size - 1) // 2]]
    if n > size:
        return [ordered[i % size] for i in range(n)]
    return [ordered[round(i * (size - 1) / (n - 1))] for i in range(n)]


def cast_voices(
    script: Script,
    overrides: Mapping[str, VoiceOverride] | None = None,
    *,
    overrides_source: str = "cast",
    palette: Palette | None = None,
    check_voice: Callable[[Voice], None] | None = None,
    engine: str = "pyttsx3",
    palettes: Callable[[str], Palette] | None = None,
) -> Cast:
    """Assign voices: each speaker speaks with ``engine`` (the episode's) unless its entry names
    another. ``palette`` is ``engine``'s palette (default: ``palettes(engine)``); ``palettes``
    gives any engine's (default: the shipped ones). ``check_voice`` (the engine's) raises
    CastError for voices it lacks."""
    overrides = dict(overrides or {})
    names = [s.name for s in script.speakers]
    for name in overrides:
        if name != NARRATOR and name not in names:
            raise CastError(
                f"{overrides_source}: cast entry '{name}' is not a speaker of {script.source or 'the transcript'} "
                f"(speakers: {', '.join(names) or 'none'}; '{NARRATOR}' reads the intro and outro)"
            )

    def engine_of(name: str) -> str:
        o = overrides.get(name)
        return o.engine if o is not None and o.engine else engine

    warnings = []
    for name, o in overrides.items():
        used = engine_of(name)
        wrong = o.check_engine(used)
        if wrong is not None:
            raise CastError(
                f"{overrides_source}: cast entry '{name}': {wrong}: not a {used} setting (a {used} voice takes: "
                f"{', '.join(ENGINE_VOICE_KEYS[used])}; give 'engine:' to use another engine)"
            )
        lo, hi = SEMITONES_NATURAL
        if o.semitones is not None and not lo <= o.semitones <= hi:
            warnings.append(f"{overrides_source}: cast entry '{name}': semitones: {o.semitones:+g} is outside "
                            f"{lo:+g}..{hi:+g}, the range measured to sound natural")
    loaded: dict[str, Palette] = {}

    def palette_of(name: str) -> Palette:
        if name not in loaded:
            if palette is not None and name == engine:
                loaded[name] = palette
            else:
                loaded[name] = palettes(name) if palettes is not None else default_palette(name)
        return loaded[name]

    picked: dict[str, Voice] = {}
    for used in dict.fromkeys(engine_of(n) for n in names):
        group = [n for n in names if engine_of(n) == used]
        pal = palette_of(used)
        if len(group) > len(pal.speakers):
            warnings.append(
                f"{len(group)} {used} speakers but the {used} palette has {len(pal.speakers)} voices "
                "that can be told apart: some speakers share a voice (give them their own in a cast file)"
            )
        for name, base in zip(group, spread(pal, len(group))):
            picked[name] = _apply(base, overrides.get(name))
    voices = tuple((name, picked[name]) for name in names)
    narrator = _apply(palette_of(engine_of(NARRATOR)).narrator, overrides.get(NARRATOR))
    if check_voice is not None:
        for name, voice in ((NARRATOR, narrator), *voices):
            try:
                check_voice(voice)
            except CastError as exc:
                where = overrides_source if name in overrides else "voice palette"
                raise CastError(f"{where}: {name}: {exc}") from None
    return Cast(narrator=narrator, voices=voices, warnings=tuple(warnings))
