"""Speech engines: one module per engine, found by name and imported only when used.

``ENGINES`` maps an engine's name to its module; each module has an ``Engine`` class
(taking ``state_dir``) that follows the ``Engine`` protocol below. A new engine is one new
module plus its line in ``ENGINES``. ``launcher.py`` holds the process machinery the engines
share (a launcher process forking one worker per job, retries, time limits, WAV files).

``Engines`` speaks for a whole cast whose voices may belong to different engines: it asks
each voice's engine (``Voice.engine``) and hands each engine its own jobs.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from ..errors import CastError, ConfigError
from ..model import SynthJob, Voice

ENGINES: dict[str, str] = {
    "pyttsx3": "pipeline.engines.pyttsx3_engine",
    "piper": "pipeline.engines.piper_engine",
}
DEFAULT_ENGINE = "pyttsx3"
# Extra headroom under the true-peak ceiling when leveling an engine's audio, in dB. Piper's
# speech gains up to 2.3 dB of overs in resampling and 64 kbit/s encoding where eSpeak's gains
# under 1.5 (the limiter's own headroom): measured true peak -0.2 dBTP on the short seed
# without it.
EXTRA_HEADROOM_DB: dict[str, float] = {"piper": 0.0}


def extra_headroom_db(engine: str | None) -> float:
    return EXTRA_HEADROOM_DB.get(engine or DEFAULT_ENGINE, 0.0)


class Engine(Protocol):
    name: str

    def info(self) -> dict: ...

    def identity(self, voice: Voice) -> dict: ...

    def voices(self) -> list[dict]: ...

    def check_voice(self, voice: Voice) -> None: ...

    def library_files(self) -> list[str]: ...

    def warm(self) -> contextlib.AbstractContextManager[None]: ...

    def sentence_pause_ms(self, voice: Voice) -> int | None:
        """None if the engine speaks a run of sentences with its own pauses between them; else
        it speaks each sentence on its own, and this is the pause to put after each (so a
        voice's units can be single sentences: see ``plan.make_plan``)."""
        ...

    def synthesize(
        self,
        jobs: Sequence[SynthJob],
        workers: int = 0,
        on_done: Callable[[SynthJob], None] | None = None,
    ) -> None: ...


def get_engine(name: str = DEFAULT_ENGINE, state_dir: str | os.PathLike | None = None,
               voice_dirs: Sequence[str] = ()) -> Engine:
    """Return the speech engine called ``name`` (see ``ENGINES``).

    ``state_dir``, when given, keeps what the engine learned about itself (versions, voices,
    model checks) between runs, so that a render with nothing to do need not start it at all.
    ``voice_dirs`` are folders where an engine with voice files (Piper) looks for voices.
    """
    module = ENGINES.get(name)
    if module is None:
        raise ConfigError(f"unknown speech engine '{name}' (known: {', '.join(ENGINES)})")
    return importlib.import_module(module).Engine(state_dir, voice_dirs)


class Engines:
    """The engines of one render, made when first needed: ``default`` for voices that do not
    name one. It has the ``Engine`` methods a render uses, each asking the voice's engine."""

    def __init__(self, default: str = DEFAULT_ENGINE, state_dir: str | os.PathLike | None = None,
                 voice_dirs: Sequence[str] = ()) -> None:
        if default not in ENGINES:
            raise ConfigError(f"unknown speech engine '{default}' (known: {', '.join(ENGINES)})")
        self.name = default
        self._state_dir = state_dir
        self._voice_dirs = tuple(voice_dirs)
        self._made: dict[str, Engine] = {}
        self._warm: contextlib.ExitStack | None = None

    def get(self, name: str | None = None) -> Engine:
        name = name or self.name
        if name not in self._made:
            if name not in ENGINES:
                raise CastError(f"unknown speech engine '{name}' (known: {', '.join(ENGINES)})")
            self._made[name] = get_engine(name, self._state_dir, self._voice_dirs)
            if self._warm is not None:
                self._warm.enter_context(self._made[name].warm())
        return self._made[name]

    @property
    def default(self) -> Engine:
        return self.get()

    def used(self) -> list[Engine]:
        return list(self._made.values())

    def info(self) -> dict:
        return self.default.info()

    def check_voice(self, voice: Voice) -> None:
        self.get(voice.engine).check_voice(voice)

    def identity(self, voice: Voice) -> dict:
        return self.get(voice.engine).identity(voice)

    def sentence_pause_ms(self, voice: Voice) -> int | None:
        return self.get(voice.engine).sentence_pause_ms(voice)

    def library_files(self) -> list[str]:
        return [path for engine in self.used() or [self.default] for path in engine.library_files()]

    @contextlib.contextmanager
    def warm(self) -> Iterator[None]:
        """Warm the default engine now, and every other engine as soon as a voice needs it."""
        with contextlib.ExitStack() as stack:
            self._warm = stack
            try:
                stack.enter_context(self.default.warm())
                yield
            finally:
                self._warm = None

    def synthesize(
        self,
        jobs: Sequence[SynthJob],
        workers: int = 0,
        on_done: Callable[[SynthJob], None] | None = None,
    ) -> None:
        """Each engine speaks its own jobs (grouped by ``voice.engine``), one engine after another."""
        groups: dict[str, list[SynthJob]] = {}
        for job in jobs:
            groups.setdefault(job.voice.engine or self.name, []).append(job)
        for name, group in groups.items():
            self.get(name).synthesize(group, workers=workers, on_done=on_done)
