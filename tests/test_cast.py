"""Casting: distinct, deterministic voices; overrides; errors for impossible casts."""

from __future__ import annotations

import math

import pytest

from pipeline.cast import NARRATOR, cast_voices, load_palette, spread
from pipeline.config import VoiceOverride
from pipeline.errors import CastError
from pipeline.model import Script, Speaker, Turn


def script_with(n: int) -> Script:
    names = [f"Person {i}" for i in range(n)]
    return Script(title="T", speakers=tuple(Speaker(x) for x in names),
                  turns=tuple(Turn(x, ("Hello.",)) for x in names), source="t.txt")


def variant(voice: str) -> str:
    return voice.partition("+")[2]


@pytest.mark.parametrize("n", range(1, 13))
def test_distinct_voices_for_1_to_12_speakers(n):
    palette = load_palette()
    hz = {(p.voice + "+" + p.variant): p.hz for p in palette.speakers}
    cast = cast_voices(script_with(n))
    voices = [v for _, v in cast.voices] + [cast.narrator]
    assert len(voices) == n + 1
    assert len({variant(v.voice) for v in voices}) == n + 1
    pitches = sorted(hz.get(v.voice, palette.narrator.hz) for v in voices)
    for low, high in zip(pitches, pitches[1:]):
        assert 12 * math.log2(high / low) >= 2.0
    assert not cast.warnings


def test_cast_is_deterministic():
    assert cast_voices(script_with(5)) == cast_voices(script_with(5))


def test_more_speakers_than_palette_warns():
    cast = cast_voices(script_with(14))
    assert len(cast.voices) == 14
    assert cast.warnings and "share a voice" in cast.warnings[0]


def test_spread_uses_extremes_first():
    palette = load_palette()
    two = spread(palette, 2)
    assert two[0].hz == min(p.hz for p in palette.speakers)
    assert two[1].hz == max(p.hz for p in palette.speakers)


def test_overrides_apply_per_field():
    script = script_with(3)
    base = cast_voices(script)
    cast = cast_voices(script, {"Person 1": VoiceOverride(pitch=10, rate=200),
                                NARRATOR: VoiceOverride(voice="en-us", variant="m1")})
    v0, v1 = cast.voice_for("Person 0"), cast.voice_for("Person 1")
    assert v0 == base.voice_for("Person 0")
    assert (v1.pitch, v1.rate, v1.voice) == (10, 200, base.voice_for("Person 1").voice)
    assert cast.narrator.voice == "en-us+m1"


def test_voice_with_plus_variant_overrides_both():
    cast = cast_voices(script_with(1), {"Person 0": VoiceOverride(voice="en-gb-x-rp+m7")})
    assert cast.voice_for("Person 0").voice == "en-gb-x-rp+m7"


def test_unknown_speaker_is_an_error():
    with pytest.raises(CastError) as err:
        cast_voices(script_with(2), {"Nobody": VoiceOverride(pitch=3)}, overrides_source="cast.yaml")
    assert str(err.value).startswith("cast.yaml: cast entry 'Nobody' is not a speaker of t.txt")


def test_voice_check_failure_names_source_and_speaker():
    def check(voice):
        if voice.voice.startswith("xx"):
            raise CastError(f"unknown voice '{voice.voice}'")

    with pytest.raises(CastError) as err:
        cast_voices(script_with(2), {"Person 1": VoiceOverride(voice="xx-nope")},
                    overrides_source="cast.yaml", check_voice=check)
    assert str(err.value).startswith("cast.yaml: Person 1: unknown voice 'xx-nope")


def test_real_engine_rejects_unknown_voice_and_variant():
    from pipeline.engines import get_engine

    engine = get_engine()
    for bad in (VoiceOverride(voice="xx-nope"), VoiceOverride(variant="zz9")):
        with pytest.raises(CastError):
            cast_voices(script_with(1), {"Person 0": bad}, check_voice=engine.check_voice)
    cast_voices(script_with(12), check_voice=engine.check_voice)  # the whole palette exists
