"""The pipeline, stage by stage: parse, cast, plan, explain, synthesize, encode, join, tag.

``render()`` lists the stages in order; each stage lives in its own module.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, TypeVar

from . import mp3
from .assemble import EncodePool, convert_jingle, encoder_identity, join_units
from .cache import Cache, UnitAudio
from .cast import PALETTE_PATH, PIPER_PALETTE_PATH, Cast, cast_voices, engine_palette
from .chapters import Mark, build_chapters, chapter_marks, check_moderator, find_moderator
from .config import Config, VoiceOverride
from .errors import InputError, printable
from .fsutil import atomic_path, atomic_write_bytes, check_writable, sweep_stale
from .language import Languages, languages, name as language_name
from .lexicon import Lexicon
from .model import Script, Segment, SynthJob, Timeline
from .names import Names, speaker_names
from .plan import Plan, Unit, canonical_hash, file_digest, make_plan, narration_language
from .reading import Reading
from .report import NullReporter, Reporter
from .sidecars import prepare_captions, sidecar_path, write_sidecars
from .tags import write_tags
from .transcript import parse
from .engines import DEFAULT_ENGINE, Engines

T = TypeVar("T")

# Why a unit is (re)done, in the words --explain prints.
CACHED, NEW, TEXT, VOICE, SETTINGS, MISSING, CORRUPT, FORCED = (
    "cached", "new", "text changed", "voice changed", "settings changed",
    "cache entry missing", "cache entry corrupt", "forced",
)


@dataclass(frozen=True)
class Options:
    output: Path
    config: Config = field(default_factory=Config)
    cast: tuple[tuple[str, VoiceOverride], ...] = ()   # from --cast (wins over the config's)
    cast_source: str = ""
    chapter_mode: str | None = None
    workers: int = 0
    force: bool = False
    cache_root: str | None = None
    engine: str | None = None                          # --engine; None: the config's, else pyttsx3
    fmt: str | None = None                             # transcript format; None: detect
    lexicon: Lexicon = field(default_factory=Lexicon)  # from --lexicon (read after the config's)
    lexicon_source: str = ""
    language: str | None = None                        # --language; None: the config's, else detected

    def engines(self, state_dir: str | os.PathLike | None = None) -> Engines:
        """The render's speech engines: ``engine`` (else the config's) for voices naming none."""
        return Engines(self.engine or self.config.engine or DEFAULT_ENGINE, state_dir, self.config.voice_dirs)


@dataclass(frozen=True)
class Prepared:
    script: Script
    cast: Cast
    plan: Plan
    marks: tuple[Mark, ...]
    moderator: str | None
    warnings: tuple[str, ...]
    reading: Reading = field(default_factory=Reading)   # written text -> what the engine is given
    languages: Languages = field(default_factory=Languages)


@dataclass(frozen=True)
class UnitStatus:
    unit: Unit
    reason: str          # one of the reasons above
    synthesize: bool     # speech must be synthesized
    encode: bool         # the MP3 unit must be encoded
    cached: UnitAudio | None = None  # the cache entry, when it is reused


@dataclass(frozen=True)
class Result:
    output: Path
    up_to_date: bool
    statuses: tuple[UnitStatus, ...]
    synthesized: int
    encoded: int
    timeline: Timeline | None
    warnings: tuple[str, ...]
    seconds: float
    inputs: tuple[str, ...] = ()     # every file the episode was made from
    outputs: tuple[str, ...] = ()    # the MP3 and the files written next to it
    libraries: tuple[str, ...] = ()  # the speech engine's libraries, present or not


def prepare(transcript: str | os.PathLike, options: Options, engine: Engines) -> Prepared:
    """Parse, cast, plan and place chapters: everything up to rendering."""
    config = options.config
    script = parse(transcript, fmt=options.fmt, speakers=dict(config.speakers) or None)
    overrides = {**config.cast_map(), **dict(options.cast)}
    source = options.cast_source if options.cast else (config.source or "cast")
    measured = Cache(options.cache_root).dir                # voices' pitches and turns' languages, found once
    spoken = episode_languages(script, options, overrides, measured)
    cast = cast_voices(script, overrides, overrides_source=source, check_voice=engine.check_voice,
                       engine=engine.name, languages=spoken, narrator_language=narration_language(spoken.episode, config),
                       palettes=lambda name, language: engine_palette(name, engine.get, measured, language))
    reading = episode_reading(options, [s.name for s in script.speakers], overrides)
    plan = make_plan(script, cast, config, engine.identity, encoder_identity(), reading, spoken,
                     engine.sentence_pause_ms)
    moderator = find_moderator(script, config.moderator)
    settings = config.chapters
    if options.chapter_mode:
        settings = replace(settings, mode=options.chapter_mode)
    marks, chapter_warnings = chapter_marks(script, plan, settings, moderator)
    for path in [config.cover, *(p for _, p in config.chapters.images)]:
        if path:
            from .cover import load_cover

            load_cover(Path(path))  # InputError naming the file, before any work
    warnings = (*script.warnings, *spoken.warnings, *narration_warnings(spoken.episode, config), *cast.warnings,
                *check_moderator(script, config.moderator), *chapter_warnings)
    return Prepared(script, cast, plan, tuple(marks), moderator, tuple(warnings), reading, spoken)


def narration_warnings(language: str, config: Config) -> list[str]:
    """A language the intro and outro have no templates for: they are read in English."""
    if narration_language(language, config) == language:
        return []
    return [f"the intro and outro have no {language_name(language)} ({language}) templates and are read in "
            "English: give intro: {text: ...} and outro: {text: ...} in the config"]


def episode_languages(script: Script, options: Options, overrides: dict[str, VoiceOverride],
                      cache_dir: str | os.PathLike | None) -> Languages:
    """The episode's language and each turn's: ``--language``, else the config's, else detected;
    a cast entry's ``language:`` fixes its speaker's."""
    given, given_by = options.language, "--language"
    if given is None and options.config.language:
        given, given_by = options.config.language, options.config.source or "config"
    fixed = {name: o.language for name, o in overrides.items() if o.language}
    return languages([(t.speaker, " ".join(t.paragraphs)) for t in script.turns], given=given,
                     given_by=given_by, speakers=fixed, cache_dir=cache_dir)


def episode_reading(options: Options, speakers: list[str], overrides: dict[str, VoiceOverride]) -> Reading:
    """The lexicons (config, then --lexicon) and the speakers' names (cast ``say:`` first)."""
    say = {name: o.say for name, o in overrides.items() if o.say}
    names: Names = speaker_names(speakers, say)
    return Reading(options.config.lexicon + options.lexicon, names)


def explain(prepared: Prepared, cache: Cache, output: Path, force: bool = False, verify: bool = True
            ) -> list[UnitStatus]:
    """Say for each unit whether it is cached, or why it must be redone (like ``doit info``).

    ``verify=False`` trusts a cached unit of the right size without hashing its contents.
    """
    previous = {u["ident"]: u for u in (cache.load_episode(output) or {}).get("units", [])}
    statuses = []
    for unit in prepared.plan.units:
        if force:
            statuses.append(UnitStatus(unit, FORCED, True, True))
            continue
        entry, problem = cache.unit(unit.key, verify)
        if entry is not None:
            statuses.append(UnitStatus(unit, CACHED, False, False, entry))
            continue
        before = previous.get(unit.ident)
        if before is None:
            reason = NEW if problem == "missing" else CORRUPT
        elif before.get("key") == unit.key:
            reason = MISSING if problem == "missing" else CORRUPT
        elif before.get("text") != _digest(unit.spoken or unit.synth_key):
            reason = TEXT
        elif before.get("voice") != canonical_hash(unit.voice):
            reason = VOICE
        else:
            reason = SETTINGS
        statuses.append(UnitStatus(unit, reason, not cache.has_wav(unit.synth_key), True))
    return statuses


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def render(transcript: str | os.PathLike, options: Options, reporter: Reporter | None = None) -> Result:
    """Render ``transcript`` into ``options.output``; only missing units are redone."""
    started = time.monotonic()
    reporter = reporter or NullReporter()
    cache = Cache(options.cache_root)
    engine = options.engines(cache.dir)
    output = Path(options.output)

    with engine.warm():                                                   # speech launcher starts meanwhile
        prepared = prepare(transcript, options, engine)                  # parse, cast, plan, chapters
        for w in prepared.warnings:
            reporter.note(w)
        episode_key = _episode_key(prepared, options.config)
        files = (input_files(transcript, options), output_files(output, options.config),
                 tuple(engine.library_files()))
        never_overwrite_inputs(files[0], written_files(output, options.config))  # before any work
        if not options.force and _up_to_date(cache, output, episode_key, options.config):
            statuses = explain(prepared, cache, output, verify=False)
            return Result(output, True, tuple(statuses), 0, 0, None, prepared.warnings,
                          time.monotonic() - started, *files)
        statuses = explain(prepared, cache, output, options.force, verify=False)  # what is cached, and why not
        output.parent.mkdir(parents=True, exist_ok=True)                 # fail before the work, not after
        check_writable(output.parent)
        cache.claim()                                                    # the marker that lets `cache clear` act

        cover = in_background(episode_cover, prepared, options.config, cache)  # artwork, drawn meanwhile
        damaged = in_background(damaged_units, statuses, cache)          # cached units' contents, hashed meanwhile
        in_background(warm_captions, prepared.plan)                      # caption lines, cut meanwhile
        entries = produce(engine, statuses, cache, options.config, options.workers, reporter)  # speech -> MP3
        statuses, entries = redo_damaged(damaged.result(), statuses, entries, engine, cache, options, reporter)
    timeline = make_timeline(prepared, entries, options.config)         # frame counts -> times
    write_episode(prepared, entries, timeline, cover.result(), cache, output, options.config, reporter)  # tags + join
    write_cover(cover.result(), output)                                 # X.jpg, once the episode is there
    write_sidecars(timeline, output, options.config.sidecars,            # captions, chapters, transcript, page
                   {s.name: s.role for s in prepared.script.speakers if s.role})
    _remember(cache, output, episode_key, prepared)
    for folder in (output.parent, cache.root, cache.root / "receipts", cache.dir,
                   *(cache.dir / name for name in ("mp3", "wav", "episodes", "covers"))):
        sweep_stale(folder)                                               # temp files of killed renders
    return Result(output, False, tuple(statuses), sum(s.synthesize for s in statuses),
                  sum(s.encode for s in statuses), timeline, prepared.warnings, time.monotonic() - started,
                  *files)


def input_files(transcript: str | os.PathLike, options: Options) -> tuple[str, ...]:
    """The files a render reads: transcript, config, cast file, palette, and what the config names."""
    config = options.config
    named = [transcript, config.source, options.cast_source, options.lexicon_source, PALETTE_PATH, PIPER_PALETTE_PATH,
             config.cover, config.intro_audio,
             config.outro_audio, *(path for _, path in config.chapters.images)]
    return tuple(os.path.abspath(p) for p in named if p)


def output_files(output: Path, config: Config) -> tuple[str, ...]:
    """The MP3 and its sidecars (the cover is checked by content when the render runs)."""
    return tuple(os.path.abspath(p) for p in [output, *(sidecar_path(output, kind) for kind in config.sidecars)])


def written_files(output: Path, config: Config) -> dict[str, str]:
    """Every file a render writes, with what it is: the MP3, its sidecars and its cover
    (whose type is known once it is loaded, so both names)."""
    named = {os.path.abspath(output): "the episode"}
    for kind in config.sidecars:
        named.setdefault(os.path.abspath(sidecar_path(output, kind)), f"the {kind} sidecar")
    for suffix in (".jpg", ".png"):
        named.setdefault(os.path.abspath(output.with_suffix(suffix)), "the cover")
    return named


def never_overwrite_inputs(inputs: tuple[str, ...], outputs: dict[str, str]) -> None:
    """Stop before any work when a file the render would write is one it reads (the same path
    after symlinks, or the same file under another name): a render never overwrites its
    transcript, config, cast file, cover, images or jingles."""
    def identities(path: str) -> set:
        """The file's real path, and its device and inode when it exists (a hard link)."""
        try:
            st = os.stat(path)
        except OSError:
            return {os.path.realpath(path)}
        return {os.path.realpath(path), (st.st_dev, st.st_ino)}

    read = [(source, identities(source)) for source in inputs]     # looked up once, not per output
    for target, what in outputs.items():
        written = identities(target)
        for source, ids in read:
            if written & ids:
                here = os.getcwd() + os.sep
                shown = os.path.relpath(source) if source.startswith(here) else source
                raise InputError(f"{printable(shown)}: {what} would be written over this input; choose "
                                 "another output name with -o")


def produce(engine: Engines, statuses: list[UnitStatus], cache: Cache, config: Config, workers: int,
            reporter: Reporter) -> list[UnitAudio]:
    """Synthesize the missing speech and encode the missing MP3 units, overlapped: a unit is
    encoded as soon as its WAV lands. Longest texts go first, so no core idles at the end."""
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    to_speak = {s.unit.synth_key: s.unit for s in statuses if s.synthesize}        # same speech once
    to_encode = {s.unit.key: s.unit for s in statuses if s.encode}                 # same unit once
    waiting: dict[str, list[Unit]] = {}
    for unit in to_encode.values():
        waiting.setdefault(unit.synth_key, []).append(unit)
    reporter.stage("synthesize", len(to_speak))
    reporter.stage("encode", len(to_encode))
    if not to_encode:
        return [s.cached for s in statuses]

    encoded: dict[str, UnitAudio] = {}

    def done(unit: Unit, entry: UnitAudio) -> None:
        encoded[unit.key] = entry
        reporter.advance("encode")

    with EncodePool(config.audio, cache, workers, done) as pool:
        def spoken(synth_key: str) -> None:
            reporter.advance("synthesize")
            for unit in waiting.pop(synth_key, []):
                pool.submit(unit)
            pool.drain()

        for key in [k for k in waiting if k not in to_speak]:                      # speech already cached
            for unit in waiting.pop(key):
                pool.submit(unit)
        jobs = []
        for unit in sorted(to_speak.values(), key=lambda u: -len(u.spoken)):
            if unit.kind == "jingle":
                convert_jingle(unit, cache.wav_target(unit.synth_key))
                spoken(unit.synth_key)
            else:
                jobs.append(SynthJob(text=unit.spoken, voice=unit.voice,
                                     out_path=str(cache.wav_target(unit.synth_key)),
                                     extra={"synth_key": unit.synth_key}))
        engine.synthesize(jobs, workers=workers, on_done=lambda job: spoken(job.extra["synth_key"]))
        pool.drain(block=True)

    return [s.cached or encoded[s.unit.key] for s in statuses]


def damaged_units(statuses: list[UnitStatus], cache: Cache) -> set[str]:
    """Keys of the cached units whose MP3 no longer matches its recorded hash (the render
    trusted their size; this checks their content while new units are made)."""
    return {s.unit.key for s in statuses if s.cached is not None and cache.unit(s.unit.key)[0] is None}


def redo_damaged(damaged: set[str], statuses: list[UnitStatus], entries: list[UnitAudio], engine: Engines,
                 cache: Cache, options: Options, reporter: Reporter
                 ) -> tuple[list[UnitStatus], list[UnitAudio]]:
    """Make again the units ``damaged_units`` found damaged; the others keep their entries."""
    if not damaged:
        return statuses, entries
    again = [replace(s, reason=CORRUPT, synthesize=not cache.has_wav(s.unit.synth_key), encode=True, cached=None)
             if s.unit.key in damaged else replace(s, cached=entry)
             for s, entry in zip(statuses, entries)]
    entries = produce(engine, again, cache, options.config, options.workers, reporter)
    reported = [a if s.unit.key in damaged else s for s, a in zip(statuses, again)]
    return reported, entries


def warm_captions(plan: Plan) -> None:
    """Cut every unit's caption lines now (they depend on the text, not on times), so that
    writing the captions after the join only looks them up."""
    previous = None
    for unit in plan.units:
        if unit.kind != "jingle":
            prepare_captions(unit.text, unit.speaker, previous)
            previous = unit.speaker


def make_timeline(prepared: Prepared, entries: list[UnitAudio], config: Config) -> Timeline:
    """Every time in the episode, from the units' frame counts and speech bounds."""
    rate = config.audio.sample_rate
    segments, onsets = [], []
    frames_before = 0
    for unit, entry in zip(prepared.plan.units, entries):
        start = mp3.unit_start_sample(frames_before)
        onsets.append(mp3.ms(start + entry.onset, rate))
        if unit.kind != "jingle" and entry.end > entry.onset:
            segments.append(Segment(unit.speaker, unit.text, mp3.ms(start + entry.onset, rate),
                                    mp3.ms(start + entry.end, rate)))
        frames_before += entry.frames
    duration = mp3.ms(mp3.decoded_length(frames_before), rate)
    chapters = build_chapters(list(prepared.marks), onsets, duration, config.chapters)
    script = prepared.script
    return Timeline(
        title=prepared.plan.title,
        author=config.author or ", ".join(s.name for s in script.speakers),
        speakers=tuple(s.name for s in script.speakers),
        duration_ms=duration,
        segments=tuple(segments),
        chapters=chapters,
        language=prepared.languages.episode,
    )


def episode_cover(prepared: Prepared, config: Config, cache: Cache) -> tuple[bytes, str]:
    """The configured cover, else one generated from the title and speakers (cached)."""
    if config.cover:
        from .cover import load_cover

        return load_cover(Path(config.cover))
    import PIL  # the version only; Pillow's modules load when a cover is drawn

    title, speakers = prepared.plan.title, [s.name for s in prepared.script.speakers]
    key = canonical_hash({"title": title, "speakers": speakers, "pillow": PIL.__version__})
    cached = cache.dir / "covers" / f"{key}.jpg"
    data = cache.sealed(cached)
    if data is None:                                                     # not there, or damaged
        from .cover import make_cover

        make_cover(title, speakers, cached)
        data = cached.read_bytes()
        cache.seal(cached, data)
    return data, "image/jpeg"


def write_cover(cover: tuple[bytes, str], output: Path) -> None:
    """The cover next to the MP3 (``X.jpg``/``X.png``), for the feed."""
    data, mime = cover
    target = output.with_suffix(".png" if mime == "image/png" else ".jpg")
    if not target.is_file() or target.read_bytes() != data:
        atomic_write_bytes(target, data)


def in_background(work: Callable[..., T], *args) -> Future[T]:
    """Run ``work(*args)`` on a thread of its own; its result (or exception) is the future's."""
    runner = ThreadPoolExecutor(max_workers=1)
    try:
        return runner.submit(work, *args)
    finally:
        runner.shutdown(wait=False)


def write_episode(prepared: Prepared, entries: list[UnitAudio], timeline: Timeline, cover: tuple[bytes, str],
                  cache: Cache, output: Path, config: Config, reporter: Reporter) -> None:
    """Write the tag, then the joined units, to a temp file, then move it into place."""
    reporter.stage("join", 1)
    with atomic_path(output, suffix=".mp3") as tmp:
        write_tags(tmp, timeline, album=config.album, author=config.author, date=_date(prepared.script, config),
                   cover=cover,
                   comment=config.comment or f"Rendered by panelcast from {Path(prepared.script.source).name}")
        join_units([u.key for u in prepared.plan.units], entries, cache, tmp)
    reporter.advance("join")


def _date(script: Script, config: Config) -> str:
    """The episode date: from the config, else the transcript's modification day (UTC)."""
    if config.date:
        return config.date
    try:
        mtime = os.stat(script.source).st_mtime
    except OSError:
        return ""
    return _dt.datetime.fromtimestamp(mtime, _dt.timezone.utc).date().isoformat()


def _episode_key(prepared: Prepared, config: Config) -> str:
    images = [path for _, path in config.chapters.images]
    return canonical_hash({
        "units": [u.key for u in prepared.plan.units],
        "marks": prepared.marks,
        "chapters": config.chapters,
        "tags": [config.album, config.comment, _date(prepared.script, config), config.author,
                 prepared.plan.title, [s.name for s in prepared.script.speakers]],
        "images": [file_digest(p) for p in [config.cover, *images] if p],
        "sidecars": config.sidecars,
        "language": prepared.languages.episode,
    })


def _file_stamp(path: Path) -> list | None:
    """Size and modification time: what the up-to-date check compares (a changed file differs)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _up_to_date(cache: Cache, output: Path, episode_key: str, config: Config) -> bool:
    before = cache.load_episode(output)
    if not before or before.get("episode_key") != episode_key:
        return False
    if not all(sidecar_path(output, kind).is_file() for kind in config.sidecars):
        return False
    return _file_stamp(output) == before.get("stamp")


def _remember(cache: Cache, output: Path, episode_key: str, prepared: Prepared) -> None:
    cache.save_episode(output, {
        "output": str(output.resolve()),
        "episode_key": episode_key,
        "stamp": _file_stamp(output),
        "units": [{"ident": u.ident, "key": u.key, "synth_key": u.synth_key,
                   "text": _digest(u.spoken or u.synth_key), "voice": canonical_hash(u.voice)}
                  for u in prepared.plan.units],
    })


def explain_only(transcript: str | os.PathLike, options: Options) -> list[UnitStatus]:
    """The --dry-run: what a render would reuse and redo, and why; nothing is written."""
    cache = Cache(options.cache_root)
    prepared = prepare(transcript, options, options.engines(cache.dir))
    return explain(prepared, cache, Path(options.output), options.force)
