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

from . import language as lang
from .config import ENGINE_VOICE_KEYS, SAFE_LOADER, SEMITONES_NATURAL, VoiceOverride
from .errors import CastError, ConfigError
from .language import Languages
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
    warning: str = ""    # why this palette stands in for another (no Piper voice for a language)
    voice: str = ""      # eSpeak: the language's own voice ("de", "cmn"); "": the narrator's


@dataclass(frozen=True)
class Cast:
    narrator: Voice
    voices: tuple[tuple[str, Voice], ...]   # speaker name -> voice (in their own language), in script order
    warnings: tuple[str, ...] = ()
    # (speaker name, language) -> voice, for turns in another language than the speaker's own
    other: tuple[tuple[tuple[str, str], Voice], ...] = ()

    def voice_for(self, speaker: str, language: str | None = None) -> Voice:
        if language is not None:
            found = dict(self.other).get((speaker, language))
            if found is not None:
                return found
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


def engine_palette(name: str, get_engine: Callable[[str], Any], cache_dir: str | Path | None = None,
                   language: str = lang.DEFAULT) -> Palette:
    """The palette of engine ``name`` for ``language``; ``get_engine(name)`` gives the engine, asked
    for Piper's installed voices and for other languages than English. Piper without a voice of
    the language: eSpeak NG's palette for it, with a warning that says what to download."""
    if name == "piper":
        found = piper_palette(get_engine(name), cache_dir, language)
        if found is not None:
            return found
        fallback = engine_palette("pyttsx3", get_engine, cache_dir, language)
        return replace(fallback, warning=(
            f"no Piper voice for {lang.name(language)} ({language}) is installed: {language} turns are read "
            f"with eSpeak NG; for a neural voice, download {piper_suggestion(language)} into a voices folder"))
    if name == "pyttsx3" and not lang.is_english(language):
        return espeak_palette(get_engine(name), language, cache_dir)
    if name == "pyttsx3":
        return replace(default_palette(name), voice=ESPEAK_PREFERRED["en"])
    return default_palette(name)


# A Piper voice to suggest per language (from the public piper-voices collection).
PIPER_SUGGESTIONS = {
    "ar": "ar_JO-kareem-medium", "ca": "ca_ES-upc_ona-medium", "cs": "cs_CZ-jirka-medium",
    "da": "da_DK-talesyntese-medium", "de": "de_DE-thorsten-medium", "el": "el_GR-rapunzelina-low",
    "es": "es_ES-davefx-medium", "fi": "fi_FI-harri-medium", "fr": "fr_FR-siwis-medium",
    "hu": "hu_HU-anna-medium", "it": "it_IT-riccardo-x_low", "nl": "nl_BE-nathalie-medium",
    "no": "no_NO-talesyntese-medium", "pl": "pl_PL-darkman-medium", "pt": "pt_BR-faber-medium",
    "ru": "ru_RU-irina-medium", "sv": "sv_SE-nst-medium", "tr": "tr_TR-dfki-medium",
    "uk": "uk_UA-ukrainian_tts-medium", "vi": "vi_VN-vais1000-medium", "zh": "zh_CN-huayan-medium",
}


def piper_suggestion(language: str) -> str:
    found = PIPER_SUGGESTIONS.get(lang.base(language))
    if found:
        return f"{found} (.onnx and .onnx.json, from the piper-voices collection)"
    return f"a {lang.name(language)} voice from the piper-voices collection, if it has one"


# eSpeak NG voices chosen for a language that several voices speak.
ESPEAK_PREFERRED = {"zh": "cmn", "en": "en-us"}


def espeak_voice(voices: list[Mapping], language: str) -> str:
    """eSpeak NG's voice for ``language`` ("de" -> "de", "zh" -> "cmn"): a voice named so, else the
    first whose languages include it (with, then without the region); CastError with none."""
    wanted = language.lower()
    for code in dict.fromkeys((wanted, lang.base(wanted))):
        if code in ESPEAK_PREFERRED:
            return ESPEAK_PREFERRED[code]
        for v in voices:
            if v["id"].rsplit("/", 1)[-1] == code:
                return code
        for v in voices:
            if code in (x.lower() for x in v.get("languages") or ()):
                return v["id"].rsplit("/", 1)[-1]
    raise CastError(f"eSpeak NG has no voice for the language '{language}' (panelcast voices lists them)")


MIN_SEMITONES = 2.0   # between the voices of an eSpeak palette, as in voices/palette.yaml


def _apart(voices: list[PaletteVoice], semitones: float) -> tuple[PaletteVoice, ...]:
    """The voices, lowest first, without any that is less than ``semitones`` above the one kept
    before it (a language can bring two of the English palette's voices close together)."""
    kept: list[PaletteVoice] = []
    for v in sorted(voices, key=lambda v: v.hz):
        if not kept or 12 * math.log2(v.hz / kept[-1].hz) >= semitones:
            kept.append(v)
    return tuple(kept)


def espeak_palette(engine: Any, language: str, cache_dir: str | Path | None = None) -> Palette:
    """eSpeak NG's palette for ``language``: the English palette's variants, pitches and rates on
    the language's voice, each measured (once, cached) speaking a sentence of the language; of
    two that come out less than MIN_SEMITONES apart, the higher is left out."""
    from .narration import measure_text
    from .voicepitch import measure_voices

    voice = espeak_voice(engine.voices(), language)
    english = default_palette("pyttsx3")
    moved = [replace(v, voice=voice) for v in (english.narrator, *english.speakers)]
    measured = measure_voices(engine, [v.as_voice() for v in moved], cache_dir, text=measure_text(language))
    found = [replace(v, hz=hz) for v, hz in zip(moved, measured)]
    speakers = _apart([v for v in found[1:] if not math.isnan(v.hz)], MIN_SEMITONES)
    if not speakers:
        raise CastError(f"eSpeak NG's voice '{voice}' for {language} spoke nothing voiced")
    return Palette(narrator=found[0], speakers=speakers, engine="pyttsx3", voice=voice)


MAX_MEASURED_SPEAKERS = 12   # of a multi-speaker model (some have hundreds), evenly chosen by id


def piper_palette(engine: Any, cache_dir: str | Path | None = None, language: str | None = None
                  ) -> Palette | None:
    """Piper's palette for ``language`` (default: the bundled joe voice's): with joe alone, its
    derived variants (voices/piper.yaml); with one other voice of the language, the same variants
    of it; with several (installed models of the language, a multi-speaker model's speakers),
    those voices, each measured once (cached) by its median pitch. The narrator is the derived
    palette's (without joe: the voice in the middle of the pitch range). None: no installed
    voice speaks the language."""
    derived = default_palette("piper")
    models = engine.installed()
    joe = next((_family(m) for m in models if m["name"] == derived.narrator.voice), "")
    wanted = lang.base(language) if language else joe
    candidates = [PaletteVoice(voice=name, engine="piper", speaker=speaker, rate=MODEL_PACE)
                  for name, speaker in _installed_voices(models, wanted)]
    if not candidates:
        return derived if wanted in (joe, "") else None
    if len(candidates) == 1 and (candidates[0].voice, candidates[0].speaker) != (derived.narrator.voice, None):
        return _derived_from(derived, candidates[0])    # one voice, not joe: its own variants
    if len(candidates) == 1:
        return derived
    from .narration import measure_text
    from .voicepitch import measure_voices

    measured = measure_voices(engine, [c.as_voice() for c in candidates], cache_dir,
                              text=measure_text(wanted or lang.DEFAULT))
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


def _installed_voices(models: list[Mapping], language: str) -> list[tuple[str, str | None]]:
    """(model name, speaker) of every installed voice in ``language`` (a voice speaking another
    language would read the transcript with its own language's sounds); a multi-speaker model
    gives up to MAX_MEASURED_SPEAKERS of its speakers, evenly spread over its ids."""
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
    palettes: Callable[[str, str], Palette] | None = None,
    languages: Languages | None = None,
    narrator_language: str | None = None,
) -> Cast:
    """Assign voices: each speaker speaks with ``engine`` (the episode's) unless its entry names
    another, in their own language (``languages``; default: English). ``palettes(engine,
    language)`` gives a palette (default: the shipped ones); ``palette`` is ``engine``'s for the
    episode's language. ``check_voice`` (the engine's) raises CastError for voices it lacks.

    The speakers of one engine are spread over its palette in order of appearance, each over
    the palette of their own language, so a panel with a guest of another language still gets
    distinct voices. A turn in another language is read by the speaker's voice moved to that
    language: an eSpeak voice keeps its variant, pitch and rate; a Piper voice keeps its place
    in the language's palette. The narrator reads in ``narrator_language`` (default: the
    episode's)."""
    overrides = dict(overrides or {})
    languages = languages or Languages()
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
    loaded: dict[tuple[str, str], Palette] = {}

    def palette_of(used: str, language: str) -> Palette:
        if (used, language) not in loaded:
            if palette is not None and used == engine and language == languages.episode:
                found = palette
            elif palettes is not None:
                found = palettes(used, language)
            else:
                found = default_palette(used)
            loaded[used, language] = found
            if found.warning:
                warnings.append(found.warning)
        return loaded[used, language]

    def voice(base: PaletteVoice, name: str, used: str) -> Voice:
        o = overrides.get(name)
        if base.engine != used and o is not None:      # a stand-in engine: only pace and volume carry over
            o = VoiceOverride(rate=o.rate, volume=o.volume)
        return _apply(base, o)

    picked: dict[str, Voice] = {}
    other: dict[tuple[str, str], Voice] = {}
    spoken = _languages_spoken(script, languages)
    for used in dict.fromkeys(engine_of(n) for n in names):
        group = [n for n in names if engine_of(n) == used]
        size = len(palette_of(used, languages.episode).speakers)
        if len(group) > size:
            warnings.append(
                f"{len(group)} {used} speakers but the {used} palette has {size} voices "
                "that can be told apart: some speakers share a voice (give them their own in a cast file)"
            )
        for rank, name in enumerate(group):
            own = languages.of_speaker(name)
            picked[name] = voice(spread(palette_of(used, own), len(group))[rank], name, used)
            for language in spoken.get(name, ()):
                if language == own:
                    continue
                if picked[name].engine == "pyttsx3" and used == "pyttsx3":
                    other[name, language] = _moved(picked[name], palette_of(used, language))
                else:
                    other[name, language] = voice(spread(palette_of(used, language), len(group))[rank], name, used)
    voices = tuple((name, picked[name]) for name in names)
    narrator_engine = engine_of(NARRATOR)
    narrator = voice(palette_of(narrator_engine, languages.episode).narrator, NARRATOR, narrator_engine)
    if narrator_language and narrator_language != languages.episode:
        other[NARRATOR, narrator_language] = voice(palette_of(narrator_engine, narrator_language).narrator,
                                                   NARRATOR, narrator_engine)
    if check_voice is not None:
        for name, v in ((NARRATOR, narrator), *voices, *((n, v) for (n, _), v in other.items())):
            try:
                check_voice(v)
            except CastError as exc:
                where = overrides_source if name in overrides else "voice palette"
                raise CastError(f"{where}: {name}: {exc}") from None
    return Cast(narrator=narrator, voices=voices, warnings=tuple(dict.fromkeys(warnings)),
                other=tuple(other.items()))


def _languages_spoken(script: Script, languages: Languages) -> dict[str, tuple[str, ...]]:
    """Each speaker's languages, in order of first use."""
    spoken: dict[str, dict[str, None]] = {}
    for i, turn in enumerate(script.turns):
        spoken.setdefault(turn.speaker, {})[languages.of_turn(i)] = None
    return {name: tuple(found) for name, found in spoken.items()}


def _moved(voice: Voice, palette: Palette) -> Voice:
    """An eSpeak voice moved to the language of ``palette``: its variant, pitch and rate kept."""
    _, plus, variant = voice.voice.partition("+")
    language = palette.voice or palette.narrator.voice
    return replace(voice, voice=f"{language}+{variant}" if plus else language)
