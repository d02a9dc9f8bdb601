"""A catalogue on a Dask cluster: the units spread over the workers, the episodes joined here.

The client plans every episode (parse, cast, plan, explain: ``render.prepare``/``explain``)
and submits one task per MP3 unit still missing from the shared cache, keyed by the unit's
content key, so a unit two episodes share is made once. A worker synthesizes and encodes its
unit into the shared cache (``render.produce``: temp files moved into place, so a worker
killed mid-unit leaves nothing visible, and Dask retries the unit on another worker). Once
every unit of an episode exists, the client runs ``render()`` for it, which finds them all
cached and only joins, tags and writes the sidecars.

Before any work each worker reports panelcast's version, the encoder's libraries and the
identity (engine versions, model hashes) of every voice the batch uses; a worker that differs
from the client is refused by name: its units would not be byte for byte the client's.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .batch import FAILED, RENDERED, Episode, EpisodeResult, Settings, failed, finisher, options_for, render_episode
from .cache import Cache
from .errors import EngineError, InputError
from .report import NullReporter, Reporter
from .store import UnitStore

RETRIES = 2                          # a unit whose worker died is tried again, elsewhere
_LAUNCHING = threading.Lock()


@dataclass(frozen=True)
class Planned:
    episode: Episode
    keys: tuple[str, ...]            # the Dask keys of the units it waits for
    synthesize: int                  # speech it needs made


def run_cluster(episodes: Sequence[Episode], settings: Settings, scheduler: str,
                reporter: Reporter | None = None,
                on_done: Callable[[EpisodeResult], None] | None = None) -> list[EpisodeResult]:
    """Render ``episodes`` with the Dask scheduler at ``scheduler`` (tcp://host:8786)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'panelcast[cluster]'") from None

    reporter = reporter or NullReporter()
    store = UnitStore(settings.store) if settings.store else None
    settings = replace(settings, cache_root=str(Cache(settings.cache_root).root.resolve()))
    # the workers' cache: the shared folder, or with a store URL each worker's own (its default)
    worker_cache = None if store else settings.cache_root
    try:
        client = Client(scheduler, timeout="20s", set_as_default=False)
    except OSError as exc:
        raise InputError(f"{scheduler}: no Dask scheduler answers there ({exc})") from None
    with client:
        results: dict[int, EpisodeResult] = {}
        plans: dict[int, Planned] = {}
        futures: dict[str, object] = {}
        voices: dict[str, object] = {}
        finish = finisher(len(episodes), results, reporter, on_done)

        staged = []
        for index, episode in enumerate(episodes):
            started = time.monotonic()
            try:
                options, statuses = _plan(episode, settings)
                todo = {s.unit.key: s.unit for s in statuses if s.encode
                        and not (store and not settings.force and store.pull(Cache(settings.cache_root),
                                                                             s.unit.key))}
            except Exception as exc:  # noqa: BLE001 - this episode's failure, recorded
                finish(index, failed(episode, exc, time.monotonic() - started))
                continue
            for unit in todo.values():
                voices.setdefault(_voice_id(unit.voice), unit.voice)
            staged.append((index, options, todo, sum(s.synthesize and s.unit.key in todo for s in statuses)))
        check_workers(client, replace(settings, cache_root=worker_cache), list(voices.values()))
        for index, options, todo, synthesize in staged:
            keys = []
            for key, unit in todo.items():
                dask_key = f"panelcast-unit-{key}"
                if dask_key not in futures:
                    futures[dask_key] = client.submit(make_unit, unit, replace(options, cache_root=worker_cache),
                                                      settings.store, key=dask_key, retries=RETRIES, pure=False)
                keys.append(dask_key)
            plans[index] = Planned(episodes[index], tuple(keys), synthesize)
        reporter.stage("units", len(futures))

        done: set[str] = set()
        errors: dict[str, str] = {}

        def join_ready() -> None:
            for index, plan in list(plans.items()):
                if all(k in done for k in plan.keys):
                    del plans[index]
                    bad = [errors[k] for k in plan.keys if k in errors]
                    if store and not bad:                  # the episode's new units, into the local cache
                        local = Cache(settings.cache_root)
                        bad = [f"unit {k}: not found in {store.url}" for k in plan.keys
                               if not store.pull(local, k.removeprefix("panelcast-unit-"))]
                    if bad:
                        finish(index, replace(failed(plan.episode, EngineError(bad[0])), units=len(plan.keys)))
                    else:
                        result = render_episode(plan.episode, replace(settings, force=False))  # units made
                        if result.status != FAILED:     # the units were made on the cluster for it
                            result = replace(result, status=RENDERED if plan.keys else result.status,
                                             synthesized=plan.synthesize, encoded=len(plan.keys),
                                             cached=result.units - len(plan.keys))
                        finish(index, result)

        join_ready()                                       # episodes with every unit cached already
        for future in as_completed(list(futures.values()), loop=client.loop):
            exc = future.exception()
            if exc is not None:
                errors[future.key] = str(exc) if isinstance(exc, EngineError | InputError) else \
                    f"unit {future.key}: {type(exc).__name__}: {exc}"
            done.add(future.key)
            reporter.advance("units")
            join_ready()
        return [results[i] for i in range(len(episodes))]


def _plan(episode: Episode, settings: Settings):
    from .render import explain, prepare

    options = options_for(episode, settings)
    cache = Cache(options.cache_root)
    prepared = prepare(episode.transcript, options, options.engines(cache.dir))
    return options, explain(prepared, cache, Path(episode.output), options.force, verify=False)


def _voice_id(voice) -> str:
    from .plan import canonical_hash

    return canonical_hash(voice)


def make_unit(unit, options, store_url: str | None = None) -> bool:
    """On a worker: synthesize and encode one unit into the shared cache (or into the worker's
    cache, then the store at ``store_url``). True if it was made here, False if it was there
    already (made by another worker or a former batch)."""
    from .render import NEW, UnitStatus, produce

    cache = Cache(options.cache_root)
    store = UnitStore(store_url) if store_url else None
    if store is not None and store.has(unit.key) and not options.force:
        return False
    made = options.force or cache.unit(unit.key, verify=store is not None)[0] is None
    if made:
        engine = options.engines(cache.dir)
        status = UnitStatus(unit, NEW, options.force or not cache.has_wav(unit.synth_key), True)
        with contextlib.ExitStack() as stack:
            with _LAUNCHING:                    # one task thread at a time adopts the waiting launcher
                stack.enter_context(engine.warm())
                _start_next(unit, engine)
            produce(engine, [status], cache, options.config, 1, NullReporter())
    if store is not None:
        store.push(cache, unit.key)
    return made


def _start_next(unit, engine) -> None:
    """Start the speech launcher of this worker's next unit now, while this one is spoken (an
    eSpeak launcher is an interpreter of its own: ~0.2 s). Unused, it ends with the worker."""
    if (unit.voice.engine or engine.name) == "pyttsx3":
        from .engines.pyttsx3_engine import start_early

        start_early()


def identity(cache_root: str, engine: str | None, voices: list) -> dict:
    """What must be the same on every machine for the same bytes: panelcast's version, the
    encoder's libraries and each voice's engine identity (versions, model hashes)."""
    from . import __version__
    from .assemble import encoder_identity
    from .engines import DEFAULT_ENGINE, Engines

    engines = Engines(engine or DEFAULT_ENGINE, Cache(cache_root).dir)
    facts = {"panelcast": __version__, "encoder": encoder_identity()}
    for voice in voices:
        try:
            facts[f"voice {voice.voice}"] = engines.identity(voice)
        except Exception as exc:  # noqa: BLE001 - a voice a worker cannot speak is a difference
            facts[f"voice {voice.voice}"] = f"unusable ({exc})"
    return facts


def check_workers(client, settings: Settings, voices: list) -> None:
    """Refuse, naming the worker, a cluster where a worker's versions differ from the client's."""
    mine = identity(settings.cache_root, settings.engine, voices)
    theirs = client.run(identity, settings.cache_root, settings.engine, voices)
    if not theirs:
        raise EngineError(f"{client.scheduler.address}: the Dask cluster has no workers")
    for worker, facts in sorted(theirs.items()):
        for name in mine:
            if facts.get(name) != mine[name]:
                raise EngineError(f"worker {worker}: {name} is {_short(facts.get(name))} there but "
                                  f"{_short(mine[name])} here; install the same versions everywhere")


def _short(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
