"""Episode config and cast files: YAML read once, validated into frozen dataclasses.

Every error names the file and the key (``episode.yaml: cast.Ella Hu.voice: ...``).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .engines import ENGINES
from .errors import ConfigError
from .fsutil import read_bounded
from .language import check as check_language
from .lexicon import Lexicon, compile_entry, compile_lexicon

# libyaml's parser where PyYAML has it (the same documents, several times faster), else PyYAML's own.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CHAPTER_MODES = ("topics", "turns")
SAMPLE_RATES = (32000, 44100, 48000)  # MPEG-1 Layer III rates (1152-sample frames)
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


# Speech engines a cast entry may name, and the keys each of them understands.
VOICE_ENGINES = ("pyttsx3", "piper")
ENGINE_VOICE_KEYS = {
    "pyttsx3": ("voice", "variant", "pitch", "rate", "volume"),
    "piper": ("voice", "speaker", "semitones", "rate", "volume"),
}
SEMITONES_NATURAL = (-1.5, 5.0)   # shifts measured to keep Piper's naturalness (3.8-4.0 of 5)
SEMITONES_LIMIT = (-6.0, 8.0)     # accepted (the Piper engine's limits), with a warning outside the natural range


@dataclass(frozen=True)
class VoiceOverride:
    voice: str | None = None
    variant: str | None = None
    pitch: int | None = None
    rate: int | None = None
    volume: float | None = None
    say: str | None = None     # how the speaker's name is said (a respelling or [[phonemes]])
    engine: str | None = None      # None: the episode's engine
    speaker: str | None = None     # piper: a multi-speaker model's speaker, by name or id
    semitones: float | None = None  # piper: pitch shift
    language: str | None = None    # the speaker's language (None: detected)

    def given(self) -> tuple[str, ...]:
        """The keys this entry sets (``engine`` aside)."""
        return tuple(k for k in ("voice", "variant", "pitch", "rate", "volume", "speaker", "semitones")
                     if getattr(self, k) is not None)

    def check_engine(self, engine: str) -> str | None:
        """The first key that ``engine`` does not understand, or None."""
        allowed = ENGINE_VOICE_KEYS.get(engine, ())
        return next((k for k in self.given() if k not in allowed), None)


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = 44100
    bitrate: int = 64          # kbit/s, constant bit rate
    channels: int = 1
    quality: int = 7           # LAME algorithm quality 0 (best, slowest) .. 9 (fastest)
    loudness: float | None = -16.0  # integrated loudness target, LUFS (None: leave levels alone)
    true_peak: float = -1.0    # ceiling, dBTP


@dataclass(frozen=True)
class Pauses:
    paragraph_ms: int = 450    # silence after each paragraph
    turn_ms: int = 900         # silence after the last paragraph of a turn


@dataclass(frozen=True)
class ChapterSettings:
    mode: str = "topics"
    titles: tuple[tuple[int, str], ...] = ()   # (chapter index, title) overrides
    images: tuple[tuple[int, str], ...] = ()   # (chapter index, image path)
    urls: tuple[tuple[int, str], ...] = ()     # (chapter index, link)


SIDECAR_KINDS = ("vtt", "srt", "chapters", "transcript", "html")


@dataclass(frozen=True)
class Config:
    source: str = ""
    title: str | None = None
    author: str | None = None
    album: str | None = None
    date: str | None = None
    comment: str | None = None
    moderator: str | None = None
    speakers: tuple[tuple[str, str], ...] = ()        # label -> speaker name
    cast: tuple[tuple[str, VoiceOverride], ...] = ()  # speaker name -> override
    chapters: ChapterSettings = field(default_factory=ChapterSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    pauses: Pauses = field(default_factory=Pauses)
    intro_audio: str | None = None
    outro_audio: str | None = None
    intro_text: str | None = None                     # the narrator's intro, instead of the templates'
    outro_text: str | None = None
    language: str | None = None                       # the episode's language (None: detected)
    cover: str | None = None                          # image to embed; None: generate one
    sidecars: tuple[str, ...] = SIDECAR_KINDS         # files written next to the MP3
    lexicon: Lexicon = field(default_factory=Lexicon)  # word or pattern -> how to say it
    engine: str | None = None                         # speech engine for voices that name none
    voice_dirs: tuple[str, ...] = ()                  # folders of Piper voices (before the default one)

    def cast_map(self) -> dict[str, VoiceOverride]:
        return dict(self.cast)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {value} (YAML reads yes/no/on/off as booleans: quote the value)"
    return f"{type(value).__name__} {value!r}"


class _Reader:
    """Typed access to a YAML mapping with error messages that name file and key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: {message}")

    def mapping(self, value: Any, key: str, allowed: tuple[str, ...] | None = None) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, got {_describe(value)}")
        for k in value:
            if not isinstance(k, str):
                raise self.fail(key, f"keys must be strings, got {_describe(k)}")
            if allowed is not None and k not in allowed:
                raise self.fail(f"{key}.{k}" if key else k, f"unknown key (expected one of: {', '.join(allowed)})")
        return value

    def string(self, value: Any, key: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, (_dt.date, _dt.datetime)) and key.endswith("date"):
            return value.isoformat()
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {_describe(value)}")
        return value.strip()

    def integer(self, value: Any, key: str, lo: int, hi: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer {lo}..{hi}, got {_describe(value)}")
        if not lo <= value <= hi:
            raise self.fail(key, f"expected an integer {lo}..{hi}, got {value}")
        return value

    def number(self, value: Any, key: str, lo: float, hi: float) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"expected a number {lo}..{hi}, got {_describe(value)}")
        if not lo <= value <= hi:
            raise self.fail(key, f"expected a number {lo}..{hi}, got {value}")
        return float(value)

    def choice(self, value: Any, key: str, choices: tuple) -> Any:
        if value is None:
            return None
        if value not in choices or isinstance(value, bool):
            shown = ", ".join(str(c) for c in choices)
            raise self.fail(key, f"expected one of {shown}, got {_describe(value)}")
        return value


_OCTAL_LOOKING = re.compile(r"(?:^|[\s{,])([A-Za-z_]+):\s*(0[0-9]+)\s*(?:[,}#]|$)")


def _load_yaml(path: Path) -> Any:
    try:
        text = read_bounded(path, "config").decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: str | Path) -> Any:
    """YAML ``text`` read from ``path``, safely: aliases refused, octal-looking numbers and every
    problem a one-line ConfigError naming the file (and line)."""
    for number, line in enumerate(text.splitlines(), 1):
        m = _OCTAL_LOOKING.search(line)
        if m:
            raise ConfigError(
                f"{path}:{number}: {m.group(1)}: {m.group(2)} has a leading zero, which YAML reads as an "
                f"octal number; write {int(m.group(2))}"
            )
    try:
        refuse_aliases(text)
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else f"{path}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except ValueError as exc:                          # a date that does not exist: 2024-02-30
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None


def refuse_aliases(text: str) -> None:
    """Raise a YAMLError at the first alias (``*name``): a few lines of aliases can expand into
    billions of nodes ("billion laughs"), and panelcast's files have no use for them."""
    if "*" not in text:
        return
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(event.start_mark)


class AliasRefused(yaml.YAMLError):
    problem = "aliases (*name) are not allowed"

    def __init__(self, mark):
        super().__init__(self.problem)
        self.problem_mark = mark


VOICE_KEYS = ("voice", "variant", "pitch", "rate", "volume", "engine", "speaker", "semitones", "say", "language")


def _voice_override(r: _Reader, value: Any, key: str) -> VoiceOverride:
    m = r.mapping(value, key, VOICE_KEYS)
    engine = r.choice(m.get("engine"), f"{key}.engine", VOICE_ENGINES)
    speaker = m.get("speaker")
    if isinstance(speaker, int) and not isinstance(speaker, bool):
        if speaker < 0:
            raise r.fail(f"{key}.speaker", f"expected a speaker name or an id from 0, got {speaker}")
        speaker = str(speaker)
    voice = r.string(m.get("voice"), f"{key}.voice")
    if voice is not None and voice.endswith(".onnx"):   # a Piper model file: relative to this file
        voice = _relative(Path(r.source), voice)
    override = VoiceOverride(
        voice=voice,
        variant=r.string(m.get("variant"), f"{key}.variant"),
        pitch=r.integer(m.get("pitch"), f"{key}.pitch", 0, 100),
        rate=r.integer(m.get("rate"), f"{key}.rate", 80, 450),
        volume=r.number(m.get("volume"), f"{key}.volume", 0.0, 1.0),
        engine=engine,
        speaker=r.string(speaker, f"{key}.speaker"),
        semitones=r.number(m.get("semitones"), f"{key}.semitones", *SEMITONES_LIMIT),
        say=_say(r, m.get("say"), f"{key}.say"),
        language=_language(r, m.get("language"), f"{key}.language"),
    )
    if engine is not None:
        wrong = override.check_engine(engine)
        if wrong is not None:
            raise r.fail(f"{key}.{wrong}", f"not a {engine} setting (a {engine} voice takes: "
                                           f"{', '.join(('engine', *ENGINE_VOICE_KEYS[engine]))})")
    return override


def _language(r: _Reader, value: Any, key: str) -> str | None:
    """A language code (``de``, ``pt-BR``); ``auto`` (or nothing): detected."""
    text = r.string(value, key)
    return None if text is None or text.lower() == "auto" else check_language(text, f"{r.source}: {key}")


def _narration(r: _Reader, value: Any, key: str) -> tuple[str | None, str | None]:
    """``intro:``/``outro:``: the narrator's text, or a mapping of ``text`` and ``audio`` (a jingle)."""
    if isinstance(value, str):
        return r.string(value, key), None
    m = r.mapping(value, key, ("text", "audio"))
    return r.string(m.get("text"), f"{key}.text"), _relative(Path(r.source), r.string(m.get("audio"), f"{key}.audio"))


def _say(r: _Reader, value: Any, key: str) -> str | None:
    """A cast entry's ``say:``, checked as a lexicon reading is."""
    return None if value is None else compile_entry("say", value, f"{r.source}: {key}").say


def _cast(r: _Reader, value: Any, key: str) -> tuple[tuple[str, VoiceOverride], ...]:
    m = r.mapping(value, key)
    return tuple((name, _voice_override(r, v, f"{key}.{name}" if key else name)) for name, v in m.items())


def load_cast(path: str | Path) -> tuple[tuple[str, VoiceOverride], ...]:
    """Read a cast file: a mapping speaker -> voice settings, optionally under ``cast:``."""
    path = Path(path)
    r = _Reader(str(path))
    top = r.mapping(_load_yaml(path), "")
    if "cast" in top:
        r.mapping(top, "", ("cast",))
        return _cast(r, top["cast"], "cast")
    return _cast(r, top, "")


def load_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon file: a mapping word or pattern -> reading, optionally under ``lexicon:``."""
    path = Path(path)
    top = _load_yaml(path)
    if isinstance(top, dict) and list(top) == ["lexicon"]:
        return compile_lexicon(top["lexicon"], str(path))
    return compile_lexicon(top, str(path), key="")


TOP_KEYS = ("title", "author", "album", "date", "comment", "moderator", "speakers", "cast",
            "chapters", "pauses", "audio", "intro", "outro", "cover", "sidecars", "lexicon", "engine",
            "voice_dirs", "language")


def load_config(path: str | Path) -> Config:
    path = Path(path)
    r = _Reader(str(path))
    top = r.mapping(_load_yaml(path), "", TOP_KEYS)

    speakers = tuple(
        (label, r.string(name, f"speakers.{label}")) for label, name in r.mapping(top.get("speakers"), "speakers").items()
    )
    chapters = _chapters(r, top.get("chapters"), path)
    pauses = r.mapping(top.get("pauses"), "pauses", ("paragraph_ms", "turn_ms"))
    audio_m = r.mapping(top.get("audio"), "audio",
                        ("sample_rate", "bitrate", "channels", "quality", "loudness", "true_peak"))
    defaults = AudioSettings()
    audio = AudioSettings(
        sample_rate=r.choice(audio_m.get("sample_rate"), "audio.sample_rate", SAMPLE_RATES) or defaults.sample_rate,
        bitrate=r.choice(audio_m.get("bitrate"), "audio.bitrate", BITRATES) or defaults.bitrate,
        channels=r.choice(audio_m.get("channels"), "audio.channels", (1, 2)) or defaults.channels,
        quality=_or(r.integer(audio_m.get("quality"), "audio.quality", 0, 9), defaults.quality),
        loudness=_loudness(r, audio_m, defaults.loudness),
        true_peak=_or(r.number(audio_m.get("true_peak"), "audio.true_peak", -9.0, 0.0), defaults.true_peak),
    )
    pause_defaults = Pauses()
    pause_settings = Pauses(
        paragraph_ms=_or(r.integer(pauses.get("paragraph_ms"), "pauses.paragraph_ms", 0, 10000),
                         pause_defaults.paragraph_ms),
        turn_ms=_or(r.integer(pauses.get("turn_ms"), "pauses.turn_ms", 0, 10000), pause_defaults.turn_ms),
    )
    intro_text, intro_audio = _narration(r, top.get("intro"), "intro")
    outro_text, outro_audio = _narration(r, top.get("outro"), "outro")
    return Config(
        source=str(path),
        title=r.string(top.get("title"), "title"),
        author=r.string(top.get("author"), "author"),
        album=r.string(top.get("album"), "album"),
        date=r.string(top.get("date"), "date"),
        comment=r.string(top.get("comment"), "comment"),
        moderator=r.string(top.get("moderator"), "moderator"),
        speakers=speakers,
        cast=_cast(r, top.get("cast"), "cast"),
        chapters=chapters,
        audio=audio,
        pauses=pause_settings,
        intro_audio=intro_audio,
        outro_audio=outro_audio,
        intro_text=intro_text,
        outro_text=outro_text,
        language=_language(r, top.get("language"), "language"),
        cover=_relative(path, r.string(top.get("cover"), "cover")),
        sidecars=_sidecars(r, top.get("sidecars")),
        lexicon=compile_lexicon(top.get("lexicon"), str(path)),
        engine=r.choice(top.get("engine"), "engine", tuple(ENGINES)),
        voice_dirs=_voice_dirs(r, top.get("voice_dirs"), path),
    )


def _voice_dirs(r: _Reader, value: Any, config_path: Path) -> tuple[str, ...]:
    """``voice_dirs:`` a folder or a list of folders, relative to the config file."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise r.fail("voice_dirs", f"expected a list of folders, got {_describe(value)}")
    return tuple(_relative(config_path, r.string(v, f"voice_dirs[{i}]")) for i, v in enumerate(items))


def _sidecars(r: _Reader, value: Any) -> tuple[str, ...]:
    """``sidecars:`` a list of kinds to write, ``false``/``[]`` for none, or a mapping kind -> bool."""
    if value is None:
        return SIDECAR_KINDS
    if value is False:
        return ()
    if isinstance(value, dict):
        r.mapping(value, "sidecars", SIDECAR_KINDS)
        for k, v in value.items():
            if not isinstance(v, bool):
                raise r.fail(f"sidecars.{k}", f"expected true or false, got {_describe(v)}")
        return tuple(k for k in SIDECAR_KINDS if value.get(k, True))
    if isinstance(value, list):
        for i, k in enumerate(value):
            r.choice(k, f"sidecars[{i}]", SIDECAR_KINDS)
        return tuple(k for k in SIDECAR_KINDS if k in value)
    raise r.fail("sidecars", f"expected a list of {', '.join(SIDECAR_KINDS)} or false, got {_describe(value)}")


def _loudness(r: _Reader, audio: dict, default: float | None) -> float | None:
    """``audio.loudness``: a LUFS target, or ``off`` (YAML may read it as false) to keep raw levels."""
    if "loudness" not in audio:
        return default
    value = audio["loudness"]
    if value is False or value == "off":
        return None
    return r.number(value, "audio.loudness", -40.0, -5.0)


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _relative(config_path: Path, value: str | None) -> str | None:
    """Audio paths in a config are relative to the config file."""
    if value is None:
        return None
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else config_path.parent / p)


def _chapters(r: _Reader, value: Any, config_path: Path) -> ChapterSettings:
    m = r.mapping(value, "chapters", ("mode", "titles", "images", "urls"))
    mode = r.choice(m.get("mode"), "chapters.mode", CHAPTER_MODES) or "topics"
    titles = _numbered(r, m.get("titles"), "chapters.titles")
    images = tuple((i, _relative(config_path, v)) for i, v in _numbered(r, m.get("images"), "chapters.images"))
    urls = _numbered(r, m.get("urls"), "chapters.urls")
    for i, url in urls:
        if not url.startswith(("http://", "https://")):
            raise r.fail(f"chapters.urls.{i}", f"expected an http(s) link, got {url!r}")
    return ChapterSettings(mode=mode, titles=titles, images=images, urls=urls)


def _numbered(r: _Reader, value: Any, key: str) -> tuple[tuple[int, str], ...]:
    """A list (by position) or mapping (chapter number -> string); 0 is the intro."""
    items: list[tuple[int, str]] = []
    if isinstance(value, list):
        for i, t in enumerate(value):
            if t is not None:
                items.append((i, r.string(t, f"{key}[{i}]")))
    elif isinstance(value, dict):
        for k, t in value.items():
            if isinstance(k, bool) or not isinstance(k, int) or k < 0:
                raise r.fail(f"{key}.{k}", "expected a chapter number (0 = the intro)")
            items.append((k, r.string(t, f"{key}.{k}")))
    elif value is not None:
        raise r.fail(key, f"expected a list or a mapping of chapter number to text, got {_describe(value)}")
    return tuple(sorted(items))
