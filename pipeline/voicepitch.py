"""Measured median pitch of voices: the engine speaks a fixed text, pitch.py measures it.

The caster spreads a cast over installed voices by these numbers. A measurement is cached in
the cache folder (``voice-pitch.json``), keyed by the engine's identity of the voice (for
Piper: the model and config files' hashes and the speaker) and the text, so each voice is
measured once.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .assemble import read_wav
from .fsutil import read_json_dict, update_json_dict
from .model import SynthJob, Voice
from .narration import measure_text
from .pitch import median_pitch_hz
from .plan import canonical_hash

CACHE_NAME = "voice-pitch.json"
# Spoken by every voice that is measured for casting (about 5 s of speech; other languages: their own).
MEASURE_TEXT = measure_text("en")
# The fixed English paragraph that voices/piper.yaml's `hz` were measured on.
PALETTE_TEXT = ("Good evening, and welcome to the panel. Tonight we ask how small research teams can "
                "compete with the largest laboratories. Our guests have spent years building models, "
                "data sets and tools that anyone can use. Let us begin with a simple question: what "
                "changed in the last five years?")


def measure_key(engine: Any, voice: Voice, text: str) -> str:
    """What a measurement depends on: the engine's identity of the voice, its settings, the text."""
    return canonical_hash({"identity": engine.identity(voice), "voice": voice.as_dict(), "text": text})


@dataclass(frozen=True)
class Measured:
    hz: float          # median pitch (nan: nothing voiced)
    seconds: float     # length of the speech


def measure_speech(engine: Any, voices: Sequence[Voice], text: str, workers: int = 0) -> list[Measured]:
    """Each voice speaks ``text`` (``engine.synthesize``, in its worker processes), measured."""
    with tempfile.TemporaryDirectory(prefix="panelcast-pitch-") as tmp:
        jobs = [SynthJob(text, v, str(Path(tmp) / f"{i}.wav")) for i, v in enumerate(voices)]
        engine.synthesize(jobs, workers)
        out = []
        for job in jobs:
            samples, rate = read_wav(Path(job.out_path))
            out.append(Measured(median_pitch_hz(samples / 32768.0, rate), len(samples) / rate))
    return out


def measure_voices(engine: Any, voices: Sequence[Voice], cache_dir: str | Path | None = None,
                   text: str = MEASURE_TEXT, workers: int = 0) -> list[float]:
    """The median pitch in Hz of each voice speaking ``text`` (``nan`` where no speech was voiced),
    measured once: voices measured before come from ``cache_dir``."""
    store = Path(cache_dir) / CACHE_NAME if cache_dir else None
    known = _load(store)
    keys = [measure_key(engine, v, text) for v in voices]
    todo = {k: v for k, v in zip(keys, voices) if k not in known}
    if todo:
        for key, m in zip(todo, measure_speech(engine, list(todo.values()), text, workers)):
            known[key] = m.hz
        if store is not None:
            update_json_dict(store, {k: known[k] for k in todo})
    return [known[k] for k in keys]


def _load(store: Path | None) -> dict[str, float]:
    """The cached measurements; an unreadable file is an empty cache (it is rewritten)."""
    return {k: float(v) for k, v in read_json_dict(store).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isinf(v)}