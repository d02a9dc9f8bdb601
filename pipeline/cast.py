"""Cast: give every speaker a distinct voice, plus a narrator for the intro and outro.

A cast of n speakers gets n palette voices spread evenly over the pitch range, handed out
lowest first in order of appearance, so the same script always gets the same cast. The
palette's voices have pairwise different eSpeak variants and measured median pitches at
least 2 semitones apart. A cast file or the episode config overrides
any field per speaker; overrides are checked against the script and the engine before
anything is rendered (eSpeak silently falls back to its default voice otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import yaml

from .config import SAFE_LOADER, VoiceOverride
from .errors import CastError, ConfigError
from .model import Script, Voice

NARRATOR = "Narrator"


def _palette_path() -> Path:
    """voices/palette.yaml: in a checkout (and an editable install) next to the package, in an
    installed wheel inside it (pyproject.toml installs voices/ as pipeline/voices)."""
    here = Path(__file__).resolve().parent
    inside = here / "voices" / "palette.yaml"
    return inside if inside.is_file() else here.parent / "voices" / "palette.yaml"


PALETTE_PATH = _palette_path()


@dataclass(frozen=True)
class PaletteVoice:
    voice: str
    variant: str | None
    pitch: int
    rate: int
    volume: float = 1.0
    hz: float = 0.0      # measured median pitch, used to spread a cast over the range


@dataclass(frozen=True)
class Palette:
    narrator: PaletteVoice
    speakers: tuple[PaletteVoice, ...]


@dataclass(frozen=True)
class Cast:
    narrator: Voice
    voices: tuple[tuple[str, Voice], ...]   # speaker name -> voice, in script order
    warnings: tuple[str, ...] = ()

    def voice_for(self, speaker: str) -> Voice:
        if speaker == NARRATOR:
            return self.narrator
        return dict(self.voices)[speaker]


def _palette_voice(entry: object, where: str) -> PaletteVoice:
    if not isinstance(entry, dict) or not isinstance(entry.get("voice"), str):
        raise ConfigError(f"{where}: expected a mapping with a 'voice' string")
    return PaletteVoice(
        voice=entry["voice"],
        variant=entry.get("variant"),
        pitch=int(entry.get("pitch", 50)),
        rate=int(entry.get("rate", 170)),
        volume=float(entry.get("volume", 1.0)),
        hz=float(entry.get("hz", 0.0)),
    )


def load_palette(path: str | Path = PALETTE_PATH) -> Palette:
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the voice palette: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("speakers"), list) or not data["speakers"]:
        raise ConfigError(f"{path}: a palette needs 'narrator' and a non-empty 'speakers' list")
    return Palette(
        narrator=_palette_voice(data.get("narrator"), f"{path}: narrator"),
        speakers=tuple(_palette_voice(e, f"{path}: speakers[{i}]") for i, e in enumerate(data["speakers"])),
    )


def _apply(base: PaletteVoice, o: VoiceOverride | None) -> Voice:
    o = o or VoiceOverride()
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
) -> Cast:
    """Assign voices. ``check_voice`` (the engine's) raises CastError for voices it lacks."""
    palette = palette or load_palette()
    overrides = dict(overrides or {})
    names = [s.name for s in script.speakers]
    for name in overrides:
        if name != NARRATOR and name not in names:
            raise CastError(
                f"{overrides_source}: cast entry '{name}' is not a speaker of {script.source or 'the transcript'} "
                f"(speakers: {', '.join(names) or 'none'}; '{NARRATOR}' reads the intro and outro)"
            )
    warnings = []
    if len(names) > len(palette.speakers):
        warnings.append(
            f"{len(names)} speakers but the palette has {len(palette.speakers)} distinct voices: "
            "some speakers share a voice (give them their own in a cast file)"
        )
    picks = spread(palette, len(names))
    voices = tuple((name, _apply(base, overrides.get(name))) for name, base in zip(names, picks))
    narrator = _apply(palette.narrator, overrides.get(NARRATOR))
    if check_voice is not None:
        for name, voice in ((NARRATOR, narrator), *voices):
            try:
                check_voice(voice)
            except CastError as exc:
                where = overrides_source if name in overrides else "voice palette"
                raise CastError(f"{where}: {name}: {exc}") from None
    return Cast(narrator=narrator, voices=voices, warnings=tuple(warnings))
