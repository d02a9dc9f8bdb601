"""Helpers for the Piper tests: a short transcript cut from the seed, and Piper casts."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pipeline import cast as cast_module
from pipeline.model import Voice

JOE = "en_US-joe-medium"
# Pitch shifts (semitones) for the speakers in order, within the range measured to stay natural.
SHIFTS = (-1.5, 0.5, 2.5, 4.5, 1.5, 3.5)


def short_seed(seed: Path, target: Path, turns: int = 14, sentences: int = 1) -> Path:
    """The seed's header and its first ``turns`` turns, each cut to its first ``sentences``
    sentences: every speaker speaks, in a few seconds of speech each."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    label = re.compile(r"^\??([A-Z][\w .'-]{1,40}):\s*$")
    starts = [i for i, line in enumerate(lines) if label.match(line)]
    out = lines[:starts[0]]
    for i in starts[:turns]:
        body = lines[i + 1].strip() if i + 1 < len(lines) else ""
        out += [lines[i], " ".join(re.split(r"(?<=[.!?])\s+", body)[:sentences])]
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return target


def piper_cast_voices(narrator: Voice | None = None, voice: str = JOE, engine_of=None):
    """A stand-in for ``cast.cast_voices`` giving every speaker a joe variant (the casting stage
    chooses Piper voices itself; these tests are about the engine)."""
    real = cast_module.cast_voices

    def cast(script, overrides=None, *, overrides_source="cast", palette=None, check_voice=None, **_):
        base = real(script, overrides, overrides_source=overrides_source, palette=palette)
        voices = tuple((name, Voice(voice, engine="piper", semitones=SHIFTS[i % len(SHIFTS)],
                                    rate=160 + 10 * (i % 3)))
                       for i, (name, _) in enumerate(base.voices))
        if engine_of is not None:
            voices = tuple((name, engine_of(name, v)) for name, v in voices)
        chosen = narrator or Voice(voice, engine="piper")
        if check_voice is not None:
            for _, v in ((None, chosen), *voices):
                check_voice(v)
        return replace(base, narrator=chosen, voices=voices)

    return cast


__all__ = ["JOE", "SHIFTS", "piper_cast_voices", "short_seed"]
