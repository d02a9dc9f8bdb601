"""A catalogue at once: every transcript of INPUTS rendered to ``OUTDIR/<name>.mp3``.

``collect`` turns files, folders and globs into episodes (a folder's ``episode.yaml`` is the
config of the transcripts in it, else ``--config``), and refuses two episodes of the same name
before any work. ``run_local`` renders each episode with ``render()`` in a process of its own,
as many at a time as there are cores; a failed episode is recorded and the others go on.
``write_record`` writes ``OUTDIR/batch.json``. The cluster version is ``cluster.py``.
"""

from __future__ import annotations

import glob
import json
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .config import Config, load_cast, load_config, load_lexicon
from .errors import InputError, PanelcastError, printable
from .fsutil import atomic_write_text
from .lexicon import Lexicon
from .report import NullReporter, Reporter
from .sidecars import SIDECAR_SUFFIXES

CONFIG_NAME = "episode.yaml"
RECORD_NAME = "batch.json"
TRANSCRIPT_SUFFIXES = (".txt", ".md", ".vtt", ".srt", ".json", ".jsonl")
RENDERED, UP_TO_DATE, FAILED = "rendered", "up to date", "failed"
FILE_ERROR = 5                      # an OSError (see errors.py)


@dataclass(frozen=True)
class Episode:
    name: str                       # OUTDIR/<name>.mp3
    transcript: str
    output: str
    config: str | None              # its folder's episode.yaml, else --config, else none


@dataclass(frozen=True)
class Settings:
    """What every episode of a batch shares (the command line's options)."""

    cast: str | None = None
    lexicon: str | None = None
    chapters: str | None = None
    engine: str | None = None
    language: str | None = None
    fmt: str | None = None
    cache_root: str | None = None
    force: bool = False
    workers: int = 0                # synthesis and encoding threads per episode (0: one per core)
    store: str | None = None        # a unit store URL the cluster's workers share (store.py)


@dataclass(frozen=True)
class EpisodeResult:
    name: str
    transcript: str
    output: str
    status: str                     # rendered, up to date, failed
    error: str = ""
    exit_code: int = 0
    duration_s: float = 0.0         # of the episode's audio
    units: int = 0
    synthesized: int = 0
    encoded: int = 0
    cached: int = 0
    seconds: float = 0.0            # wall time of its render
    warnings: tuple[str, ...] = ()


# ------------------------------------------------------------------------------ inputs

def collect(inputs: Sequence[str], outdir: str | os.PathLike, config: str | None = None) -> list[Episode]:
    """The episodes of INPUTS (files, folders searched recursively, globs), in order given.

    Raises InputError (before any work) for an input that names nothing and for two
    transcripts that would write the same ``OUTDIR/<name>.mp3``.
    """
    outdir = Path(outdir)
    found: list[Path] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            found += _folder_transcripts(path, outdir)
        elif path.is_file():
            found.append(path)
        elif glob.has_magic(given):
            matches = sorted(Path(p) for p in glob.glob(given, recursive=True))
            files = [p for p in matches if p.is_file() and _is_transcript(p)]
            files += [t for p in matches if p.is_dir() for t in _folder_transcripts(p, outdir)]
            if not files:
                raise InputError(f"{printable(given)}: no transcript matches this pattern")
            found += files
        else:
            raise InputError(f"{printable(given)}: no such file or folder")
    episodes: dict[str, Episode] = {}
    seen: set[str] = set()
    for path in found:
        real = os.path.realpath(path)
        if real in seen:                              # the same file named twice: once
            continue
        seen.add(real)
        name = path.stem
        if name in episodes:
            raise InputError(f"{printable(path)}: two transcripts are named '{printable(name)}' (the other is "
                             f"{printable(episodes[name].transcript)}); both would write {printable(outdir / name)}"
                             ".mp3: rename one")
        folder_config = path.parent / CONFIG_NAME
        episodes[name] = Episode(name, str(path), str(outdir / f"{name}.mp3"),
                                 str(folder_config) if folder_config.is_file() else config)
    if not episodes:
        raise InputError("no transcripts found in " + ", ".join(printable(i) for i in inputs))
    return list(episodes.values())


def _folder_transcripts(folder: Path, outdir: Path) -> list[Path]:
    skip = os.path.realpath(outdir)
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and os.path.realpath(Path(root, d)) != skip)
        if os.path.realpath(root) == skip:
            continue
        files += [Path(root, n) for n in sorted(names) if _is_transcript(Path(root, n))]
    return files


def _is_transcript(path: Path) -> bool:
    """A file a folder's transcripts are taken from: by suffix, not hidden, not a sidecar."""
    name = path.name
    if name.startswith(".") or name == RECORD_NAME or path.suffix.lower() not in TRANSCRIPT_SUFFIXES:
        return False
    return not any(name.endswith(s) for s in SIDECAR_SUFFIXES.values() if s.count(".") > 1)


def options_for(episode: Episode, settings: Settings):
    """The render options of one episode (its config read here: a bad one fails this episode only)."""
    from .render import Options

    config = load_config(episode.config) if episode.config else Config()
    return Options(output=Path(episode.output), config=config,
                   cast=load_cast(settings.cast) if settings.cast else (), cast_source=settings.cast or "",
                   chapter_mode=settings.chapters, workers=settings.workers, force=settings.force,
                   cache_root=settings.cache_root, fmt=settings.fmt,
                   lexicon=load_lexicon(settings.lexicon) if settings.lexicon else Lexicon(),
                   lexicon_source=settings.lexicon or "", engine=settings.engine,
                   language=settings.language)


# ------------------------------------------------------------------------------ one episode

def render_episode(episode: Episode, settings: Settings, reporter: Reporter | None = None) -> EpisodeResult:
    """Render one episode; its failure is returned as a result, never raised."""
    from .render import render

    started = time.monotonic()
    try:
        result = render(episode.transcript, options_for(episode, settings), reporter or NullReporter())
    except Exception as exc:  # noqa: BLE001 - every failure is this episode's, recorded
        return failed(episode, exc, time.monotonic() - started)
    duration = result.timeline.duration_ms / 1000 if result.timeline else _recorded_duration(episode.output)
    units = len(result.statuses)
    return EpisodeResult(episode.name, episode.transcript, episode.output,
                         UP_TO_DATE if result.up_to_date else RENDERED, units=units,
                         synthesized=result.synthesized, encoded=result.encoded, cached=units - result.encoded,
                         duration_s=round(duration, 3), seconds=round(time.monotonic() - started, 3),
                         warnings=result.warnings)


def failed(episode: Episode, exc: BaseException, seconds: float = 0.0) -> EpisodeResult:
    """The result of an episode that raised ``exc``: its one-line message and exit code."""
    if isinstance(exc, PanelcastError):
        message, code = str(exc), exc.exit_code
    elif isinstance(exc, OSError):
        message = f"{printable(exc.filename) if exc.filename else 'a file'}: {exc.strerror or exc}"
        code = FILE_ERROR
    else:
        message, code = f"internal error: {type(exc).__name__}: {exc}", 1
    return EpisodeResult(episode.name, episode.transcript, episode.output, FAILED, printable(message), code,
                         seconds=round(seconds, 3))


def _recorded_duration(output: str) -> float:
    """The length of an episode that was already up to date (read from its MP3's header)."""
    try:
        from mutagen.mp3 import MP3

        return float(MP3(output).info.length)
    except Exception:  # noqa: BLE001 - a length is a nicety of the record
        return 0.0


# ------------------------------------------------------------------------------ local pool

def run_local(episodes: Sequence[Episode], settings: Settings, jobs: int = 0, reporter: Reporter | None = None,
              on_done: Callable[[EpisodeResult], None] | None = None) -> list[EpisodeResult]:
    """Render every episode, each in a process of its own, ``jobs`` at a time (0: one per core).

    The reporter sees two stages: ``episodes`` (one step per finished episode) and ``units``
    (MP3 units to make, growing as each episode has planned its own). Results come back in
    the order of ``episodes``; ``on_done`` is called as each one finishes.
    """
    reporter = reporter or NullReporter()
    cores = os.cpu_count() or 1
    jobs = min(jobs if jobs > 0 else cores, len(episodes)) or 1
    if settings.workers <= 0:                       # the cores shared among the running episodes
        settings = replace(settings, workers=max(1, cores // jobs))
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                          else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["pipeline.batch", "pipeline.render"])
    events = context.Queue()
    results: dict[int, EpisodeResult] = {}
    running: dict[int, multiprocessing.process.BaseProcess] = {}
    waiting = list(enumerate(episodes))[::-1]
    units = 0
    finish = finisher(len(episodes), results, reporter, on_done)
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                index, episode = waiting.pop()
                process = context.Process(target=_child, args=(index, episode, settings, events), daemon=True)
                process.start()
                running[index] = process
            try:
                kind, index, value = events.get(timeout=0.2)
            except queue.Empty:
                for index, process in list(running.items()):
                    if process.exitcode not in (None, 0) and index not in results:  # died without a word
                        process.join()
                        del running[index]
                        finish(index, EpisodeResult(
                            episodes[index].name, episodes[index].transcript, episodes[index].output, FAILED,
                            f"the render process ended with {_describe(process.exitcode)}", 1))
                continue
            if kind == "units":
                units += value
                reporter.stage("units", units)
            elif kind == "unit":
                reporter.advance("units", value)
            elif kind == "done":
                running.pop(index).join()
                finish(index, value)
    finally:
        for process in running.values():               # interrupted: no render outlives the batch
            process.terminate()
        for process in running.values():
            process.join()
        events.close()
    return [results[i] for i in range(len(episodes))]


def finisher(total: int, results: dict[int, EpisodeResult], reporter: Reporter,
             on_done: Callable[[EpisodeResult], None] | None) -> Callable[[int, EpisodeResult], None]:
    """``finish(index, result)``: keep an episode's result, count it, tell ``on_done``."""
    reporter.stage("episodes", total)

    def finish(index: int, result: EpisodeResult) -> None:
        results[index] = result
        reporter.advance("episodes")
        if on_done is not None:
            on_done(result)

    return finish


def _describe(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        import signal

        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


class _QueueReporter:
    """A child's reporter: the MP3 units it plans and makes, sent to the batch's progress bar."""

    def __init__(self, index: int, events) -> None:
        self.index, self.events = index, events

    def stage(self, name: str, total: int) -> None:
        if name == "encode" and total:
            self.events.put(("units", self.index, total))

    def advance(self, name: str, n: int = 1) -> None:
        if name == "encode":
            self.events.put(("unit", self.index, n))

    def note(self, message: str) -> None:
        pass                                          # warnings are kept in the episode's result


def _child(index: int, episode: Episode, settings: Settings, events) -> None:
    result = render_episode(episode, settings, _QueueReporter(index, events))
    events.put(("done", index, result))
    events.close()
    events.join_thread()


# ------------------------------------------------------------------------------ dry run, record

def explain_episode(episode: Episode, settings: Settings) -> tuple[int, int, int, str]:
    """(units, to synthesize, to encode, error) for one episode, nothing written."""
    from .render import explain_only

    try:
        statuses = explain_only(episode.transcript, options_for(episode, settings))
    except Exception as exc:  # noqa: BLE001 - reported per episode, like a render's failure
        return 0, 0, 0, failed(episode, exc).error
    return len(statuses), sum(s.synthesize for s in statuses), sum(s.encode for s in statuses), ""


def write_record(outdir: str | os.PathLike, results: Iterable[EpisodeResult], seconds: float) -> Path:
    """``OUTDIR/batch.json``: every episode's status, error, duration, units and seconds."""
    results = list(results)
    record = {
        "episodes": [dict(asdict(r), warnings=list(r.warnings)) for r in results],
        "rendered": sum(r.status == RENDERED for r in results),
        "up_to_date": sum(r.status == UP_TO_DATE for r in results),
        "failed": sum(r.status == FAILED for r in results),
        "seconds": round(seconds, 3),
    }
    return atomic_write_text(Path(outdir) / RECORD_NAME, json.dumps(record, indent=1, ensure_ascii=False) + "\n")
