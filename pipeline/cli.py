"""The ``panelcast`` command line: the only module that imports click.

Each command parses its options, calls the library, and shows the result. Every
``PanelcastError`` becomes one ``Error: ...`` line and its exit code, here and only here:

    0 success, 1 internal error, 2 usage error, 3 bad input (transcript, config, cast,
    audio file), 4 speech engine or encoder failure, 5 a file or folder cannot be read or
    written (permissions, a full disk), 6 some episodes of a `batch` failed, 130 interrupted
    (no partial output).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import click

from . import __version__, receipt
from .cache import Cache
from .config import CHAPTER_MODES, Config, load_cast, load_config, load_lexicon
from .engines import ENGINES
from .errors import InputError, PanelcastError, printable

FILE_ERROR = 5
BATCH_FAILED = 6     # `batch`: some episodes failed, the others were rendered
INTERRUPTED = 130


class _Group(click.Group):
    """Turns the project's errors (and Ctrl-C) into one ``Error:`` line and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PanelcastError as exc:
            err = click.ClickException(printable(str(exc)))
            err.exit_code = exc.exit_code
            raise err from None
        except KeyboardInterrupt:
            err = click.ClickException("interrupted; no partial output was left behind")
            err.exit_code = INTERRUPTED
            raise err from None
        except BrokenPipeError:  # whoever read our output stopped (`panelcast voices | head`)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # nothing more to say, not even at exit
            raise SystemExit(0) from None
        except OSError as exc:  # a file or folder that cannot be read or written
            where = printable(exc.filename) if exc.filename else "a file"
            err = click.ClickException(f"{where}: {exc.strerror or exc}")
            err.exit_code = FILE_ERROR
            raise err from None


class BarReporter:
    """One progress bar with ETA on stderr for all running stages (nothing when quiet).

    Stages may overlap (encoding starts while synthesis runs): the bar counts the steps of
    every stage announced so far and is redrawn when a stage with steps is added.
    """

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.draw = not quiet and sys.stderr.isatty()  # no bars in logs and pipes
        self.bar = None
        self.totals: dict[str, int] = {}
        self.done = 0

    def stage(self, name: str, total: int) -> None:
        if not self.draw or total <= 0:
            return
        self.totals[name] = total
        self._close()
        self.bar = click.progressbar(length=sum(self.totals.values()), label=" + ".join(self.totals),
                                     file=sys.stderr, show_eta=True, show_pos=True, width=30)
        self.bar.__enter__()
        if self.done:
            self.bar.update(self.done)

    def advance(self, name: str, n: int = 1) -> None:
        if self.bar is not None and name in self.totals:
            self.done += n
            self.bar.update(n)

    def note(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"Warning: {message}", err=True)

    def say(self, message: str, err: bool = False) -> None:
        """A line of its own above the bar (the bar is drawn again under it)."""
        if self.bar is not None:
            click.echo("\r\033[K", nl=False, err=True)
        click.echo(message, err=err)
        if self.bar is not None:
            self.bar.render_progress()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def close(self) -> None:
        self._close()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="panelcast")
def cli() -> None:
    """Turn a speaker-labelled transcript into a chaptered, multi-voice podcast MP3.

    Start with `panelcast inspect TRANSCRIPT` to see the speakers, voices and chapters,
    then `panelcast render TRANSCRIPT`. Re-rendering after an edit redoes only the
    sentences around it (a few seconds of speech), not the episode.

    Exit codes: 0 ok, 1 internal error, 2 usage error, 3 bad input (transcript, config,
    cast or audio file), 4 speech engine or encoder failure, 5 a file or folder cannot be
    read or written, 6 some episodes of a batch failed, 130 interrupted.
    """


def _options(transcript: str, output: str | None, config_path: str | None, cast_path: str | None,
             chapters: str | None, jobs: int, force: bool, cache_dir: str | None, fmt: str | None,
             lexicon_path: str | None = None, engine: str | None = None, language: str | None = None):
    from .lexicon import Lexicon
    from .render import Options

    config = load_config(config_path) if config_path else Config()
    cast = load_cast(cast_path) if cast_path else ()
    lexicon = load_lexicon(lexicon_path) if lexicon_path else Lexicon()
    out = Path(output) if output else Path("output") / f"{Path(transcript).stem}.mp3"
    return Options(output=out, config=config, cast=cast, cast_source=cast_path or "", chapter_mode=chapters,
                   workers=jobs, force=force, cache_root=cache_dir, fmt=fmt, lexicon=lexicon,
                   lexicon_source=lexicon_path or "", engine=engine,
                   language=_language(language))


def _language(value: str | None) -> str | None:
    """``--language``: a code, or ``auto`` (or nothing) to detect it."""
    if value is None or value.lower() == "auto":
        return None
    from .language import check

    return check(value, "--language")


def _common(f):
    from .transcript import FORMATS

    f = click.option("--language", metavar="CODE",
                     help="The transcript's language (en, de, zh, pt-BR...), instead of detecting it per turn "
                          "(default: the config's language:, else detected).")(f)
    f = click.option("--engine", type=click.Choice(list(ENGINES)),
                     help="Speech engine for voices that name none (default: the config's engine:, else pyttsx3).")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS),
                     help="Transcript format, when detection by content guesses wrong.")(f)
    f = click.option("--cache-dir", type=click.Path(file_okay=False),
                     help="Unit cache folder (default: $PANELCAST_CACHE or ~/.cache/panelcast).")(f)
    f = click.option("--chapters", type=click.Choice(CHAPTER_MODES),
                     help="Chapter mode: 'topics' (a chapter per moderator question) or 'turns' (one per turn).")(f)
    f = click.option("--lexicon", "lexicon_path", type=click.Path(dir_okay=False),
                     help="Pronunciation lexicon (YAML): word or /pattern/ -> respelling or [[phonemes]].")(f)
    f = click.option("--cast", "cast_path", type=click.Path(dir_okay=False),
                     help="Cast file (YAML) overriding voice, variant, pitch, rate, volume per speaker.")(f)
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Episode config (YAML): title, cast, chapters, pauses, jingles, audio format.")(f)
    return f


@cli.command()
@click.argument("transcript", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="MP3 to write (default: output/<transcript name>.mp3).")
@_common
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="CPU count",
              help="Worker processes for synthesis and encoding (0 = one per CPU).")
@click.option("--force", is_flag=True, help="Redo every unit, ignoring the cache.")
@click.option("--dry-run", "--explain", "dry_run", is_flag=True,
              help="Render nothing: list each unit as cached or why it would be redone.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or warnings.")
@click.pass_obj
def render(obj, transcript, output, config_path, cast_path, chapters, jobs, force, dry_run, quiet, cache_dir, fmt,
           lexicon_path, engine, language):
    """Render TRANSCRIPT into a chaptered MP3 (only what an edit changed is redone).

    Next to OUTPUT it writes the cover (.jpg), WebVTT and SRT captions (.captions.vtt,
    .captions.srt), Podcasting 2.0 chapters (.chapters.json), a JSON transcript
    (.transcript.json) and the episode page (.html), all timed from the same frames.

    Each turn is read in its language (detected, or --language), by voices of that language.

    Running the same command again with nothing changed answers at once from a receipt
    kept in the cache (see `panelcast cache info`). After an edit, the render runs in the
    resident render process the last one left, with everything already loaded (see
    `panelcast daemon --help`).
    """
    from .render import render as run, explain_only

    options = _options(transcript, output, config_path, cast_path, chapters, jobs, force, cache_dir, fmt,
                       lexicon_path, engine, language)
    if dry_run:
        statuses = explain_only(transcript, options)
        for s in statuses:
            who = s.unit.speaker or "jingle"
            preview = (s.unit.text[:50] + "…") if len(s.unit.text) > 50 else s.unit.text
            click.echo(f"{s.unit.ident:<14} {s.reason:<20} {who:<18} {preview}")
        n_synth = sum(s.synthesize for s in statuses)
        n_enc = sum(s.encode for s in statuses)
        click.echo(f"{len(statuses)} units: {n_synth} to synthesize, {n_enc} to encode")
        return
    reporter = BarReporter(quiet)
    try:
        result = run(transcript, options, reporter)
    finally:
        reporter.close()
    answer = f"{result.output} is up to date ({len(result.statuses)} units cached)"
    if obj and obj.get("argv"):
        warnings = "" if quiet else "".join(f"Warning: {w}\n" for w in result.warnings)
        receipt.write(obj["argv"], list(result.inputs), list(result.outputs),
                      stdout="" if quiet else answer + "\n", stderr=warnings + (answer + "\n" if quiet else ""),
                      libraries=list(result.libraries))
    if result.up_to_date:
        click.echo(answer, err=quiet)
        return
    t = result.timeline
    minutes, seconds = divmod(round(t.duration_ms / 1000), 60)
    click.echo(
        f"Wrote {result.output}: {minutes}:{seconds:02d}, {len(t.chapters)} chapters, "
        f"{len(result.statuses)} units ({result.synthesized} synthesized, {result.encoded} encoded) "
        f"in {result.seconds:.1f} s"
    )


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for the episodes (<name>.mp3 and sidecars) and batch.json.")
@_common
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="CPU count",
              help="Episodes rendered at once, each in a process of its own (0 = one per CPU).")
@click.option("--force", is_flag=True, help="Redo every unit, ignoring the cache.")
@click.option("--dry-run", is_flag=True, help="Render nothing: say per episode how many units would be redone.")
@click.option("--base-url", help="Then write OUTDIR/feed.xml for this URL (as `panelcast feed`).")
@click.option("--scheduler", envvar="PANELCAST_SCHEDULER",
              help="Dask scheduler address (tcp://host:8786) to spread the units over a cluster "
                   "(default: $PANELCAST_SCHEDULER, else this machine's cores).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or per-episode lines.")
def batch(inputs, outdir, config_path, cast_path, chapters, cache_dir, fmt, lexicon_path, engine, language, jobs,
          force, dry_run, base_url, scheduler, quiet):
    """Render every transcript of INPUTS (files, folders, globs) to OUTDIR/<name>.mp3.

    A folder's episode.yaml is the config of the transcripts in it; --config is the config
    of the others. Episodes render in parallel; a failed one does not stop the others.
    OUTDIR/batch.json records each episode (status, error, duration, units, seconds).
    Running it again redoes only what changed.

    Exit codes: 0 every episode rendered or up to date, 6 some episodes failed (see
    batch.json), 3 bad INPUTS or options (before any work), others as for `render`.
    """
    from . import batch as catalogue
    from .store import is_url

    store = cache_dir if is_url(cache_dir) else None
    if store and not scheduler:
        raise InputError(f"{store}: a cache URL is for a cluster (--scheduler); "
                         "give a folder to --cache-dir here")
    episodes = catalogue.collect(inputs, outdir, config_path)
    settings = catalogue.Settings(cast=cast_path, lexicon=lexicon_path, chapters=chapters, engine=engine, fmt=fmt,
                                  language=_language(language),
                                  cache_root=None if store else cache_dir, force=force, store=store)
    width = max(len(e.name) for e in episodes)
    if dry_run:
        for e in episodes:
            units, synth, enc, error = catalogue.explain_episode(e, settings)
            click.echo(f"{e.name:<{width}}  " + (f"Error: {error}" if error else
                                                 f"{units} units: {synth} to synthesize, {enc} to encode"))
        return
    Path(outdir).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def line(r) -> None:
        if quiet:
            return
        if r.status == catalogue.FAILED:
            reporter.say(f"failed   {r.name}: Error: {r.error}", err=True)
        else:
            reporter.say(f"{r.status:<8} {r.name}: {r.duration_s:.0f} s of audio, {r.synthesized} synthesized, "
                         f"{r.cached} cached, in {r.seconds:.1f} s")

    reporter = BarReporter(quiet)
    try:
        if scheduler:
            from .cluster import run_cluster

            results = run_cluster(episodes, settings, scheduler, reporter, line)
        else:
            results = catalogue.run_local(episodes, settings, jobs, reporter, line)
    finally:
        reporter.close()
    record = catalogue.write_record(outdir, results, time.monotonic() - started)
    if not quiet:
        click.echo(f"{'episode':<{width}}  {'status':<10} {'audio':>7} {'units':>6} {'synth':>6} {'cached':>6} "
                   f"{'seconds':>8}")
        for r in results:
            click.echo(f"{r.name:<{width}}  {r.status:<10} {r.duration_s:>6.0f}s {r.units:>6} {r.synthesized:>6} "
                       f"{r.cached:>6} {r.seconds:>8.1f}")
    bad = [r for r in results if r.status == catalogue.FAILED]
    click.echo(f"{len(results) - len(bad)} of {len(results)} episodes done, {len(bad)} failed, "
               f"in {time.monotonic() - started:.1f} s; wrote {record}")
    if base_url and len(bad) < len(results):
        from .feed import write_feed

        path = write_feed(Path(outdir), base_url, warn=lambda m: click.echo(f"Warning: {m}", err=True))
        click.echo(f"Wrote {path}")
    if bad:
        raise SystemExit(BATCH_FAILED)


@cli.command()
@click.argument("transcript", type=click.Path(dir_okay=False))
@_common
@click.option("--json", "as_json", is_flag=True,
              help="Print machine-readable JSON (each turn's \"spoken\": the text the engine is given).")
@click.option("--spoken", is_flag=True,
              help="Print the text as it will be spoken, each change shown as [written -> spoken].")
def inspect(transcript, config_path, cast_path, chapters, cache_dir, fmt, lexicon_path, engine, language, as_json,
            spoken):
    """Show speakers, turns, cast and chapters of TRANSCRIPT without rendering."""
    from .render import prepare
    from .summary import describe, spoken_paragraphs, voice_label

    options = _options(transcript, None, config_path, cast_path, chapters, 0, False, cache_dir, fmt, lexicon_path,
                       engine, language)
    prepared = prepare(transcript, options, options.engines())
    if spoken and not as_json:
        from .reading import marked

        for (_, _, speaker), paragraphs in spoken_paragraphs(prepared):
            click.echo(f"{speaker}:")
            for written, said in paragraphs:
                click.echo(f"  {marked(written, said)}")
        return
    info = describe(prepared)
    if as_json:
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    click.echo(f"{info['title']}  [{info['format']}]")
    lang = info["language"]
    how = f"confidence {lang['confidence']:.2f}" if lang["source"] == "detected" else f"from {lang['source']}"
    switched = sum(t["language"] != lang["code"] for t in info["turns"])
    click.echo(f"Language: {lang['name'] or lang['code']} ({lang['code']}, {how})"
               + (f"; {switched} turns in another language" if switched else ""))
    click.echo(f"{len(info['speakers'])} speakers, {len(info['turns'])} turns, {info['units']} units")
    for s in info["speakers"]:
        v = s["voice"]
        tag = " (moderator)" if s["moderator"] else ""
        other = "".join(f"; in {o['language']}: {voice_label(o)}" for o in s["voices_in_other_languages"])
        own = f" [{s['language']}]" if s["language"] != lang["code"] else ""
        click.echo(f"  {s['name']}{tag}{own}: {s['turns']} turns, {s['words']} words — {voice_label(v)}{other}")
    click.echo(f"  Narrator: {voice_label(info['narrator'])}")
    if info["unresolved"]:
        click.echo("Unresolved labels: " + ", ".join(info["unresolved"]))
    click.echo("Chapters (start times estimated):")
    for c in info["chapters"]:
        m, s = divmod(c["start_ms"] // 1000, 60)
        click.echo(f"  {m:3d}:{s:02d}  {c['title']}")
    for w in info["warnings"]:
        click.echo(f"Warning: {w}", err=True)


@cli.command()
@click.option("--engine", type=click.Choice(list(ENGINES)), default="pyttsx3", show_default=True,
              help="Whose voices to list.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Episode config whose voice_dirs: are searched too (Piper).")
def voices(engine, config_path):
    """List the speech engine's voices (use them in cast files).

    Piper voices are found in the config's voice_dirs:, then in $PANELCAST_VOICES (folders
    separated by ':'), else ~/.local/share/panelcast/voices; the bundled en_US-joe-medium
    comes last. A downloaded voice is a NAME.onnx file with NAME.onnx.json beside it.
    """
    from .engines import get_engine

    config = load_config(config_path) if config_path else Config()
    engine = get_engine(engine, voice_dirs=config.voice_dirs)
    if engine.name == "piper":
        for v in engine.installed():
            if "error" in v:
                click.echo(f"{v['name']:<28} unusable: {v['error']}")
                continue
            speakers = f"{len(v['speakers'])} speakers" if v["num_speakers"] > 1 else "1 speaker"
            click.echo(f"{v['name']:<28} {v['sample_rate']} Hz  {v['language']:<6} {speakers:<12} {v['path']}")
        return
    for v in engine.voices():
        click.echo(f"{v['id']:<28} {v['name']:<32} {', '.join(v.get('languages') or [])}")
    click.echo("Variants (append as +NAME, e.g. en-us+f3): " + " ".join(engine.variants()))


@cli.command()
def doctor():
    """Show which speech engine, eSpeak library, encoder libraries and ffmpeg are in use."""
    from . import tools
    from .engines import get_engine

    info = get_engine().info()
    click.echo(f"panelcast       {__version__} (Python {platform.python_version()})")
    click.echo(f"speech engine   {info['engine']} {info['engine_version']}")
    click.echo(f"eSpeak NG       {info['espeak_version']} ({info['source']}) {info['espeak_library']}")
    if info.get("espeak_data"):
        click.echo(f"eSpeak data     {info['espeak_data']}")
    piper = get_engine("piper").info()
    if piper["engine_version"] != "-":
        click.echo(f"Piper           piper-tts {piper['engine_version']}, onnxruntime {piper['onnxruntime_version']} "
                   f"({len(get_engine('piper').installed())} voices: panelcast voices --engine piper)")
    else:
        click.echo("Piper           not installed (pip install 'panelcast[piper]')")
    from .assemble import encoder_identity

    libraries = encoder_identity()
    click.echo("encoding        " + ", ".join(f"{name} {v}" for name, v in libraries.items())
               + " (LAME in-process)")
    ff = tools.ffmpeg()
    click.echo(f"ffmpeg          {ff.version} ({ff.source}) {ff.path} (jingles)")
    probe = tools.ffprobe()
    click.echo(f"ffprobe         {probe.version} ({probe.source}) {probe.path}" if probe
               else "ffprobe         not found (optional: used by checks and tests)")
    click.echo(f"cache           {Cache().root}")


@cli.group()
def cache():
    """Inspect or clean the unit cache."""


@cache.command("info")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache folder.")
def cache_info(cache_dir):
    """Where the cache is and how big it is."""
    i = Cache(cache_dir).info()
    click.echo(f"{i['path']}: {i['bytes'] / 1e6:.1f} MB — {i['mp3']} MP3 units, {i['wav']} WAVs, "
               f"{i['episodes']} episodes")


@cache.command("prune")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache folder.")
def cache_prune(cache_dir):
    """Remove entries that no rendered episode (whose MP3 still exists) uses."""
    removed, freed = Cache(cache_dir).prune()
    click.echo(f"Removed {removed} files, freed {freed / 1e6:.1f} MB")


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache folder.")
def cache_clear(cache_dir):
    """Remove panelcast's entries from the cache folder (only from a folder marked as its
    cache by a CACHEDIR.TAG file; other files in it stay)."""
    freed = Cache(cache_dir).clear()
    click.echo(f"Cleared the cache, freed {freed / 1e6:.1f} MB")


@cli.group()
def daemon():
    """The resident render process that makes a render after an edit fast.

    A render that runs in its own process stays on afterwards, with everything loaded,
    and the next `panelcast render` runs in a fork of it instead of starting from nothing.
    It ends after PANELCAST_DAEMON_IDLE seconds without work (default 600) or when
    panelcast or its libraries change; PANELCAST_DAEMON=off turns it off (Linux only).
    """


@daemon.command("status")
def daemon_status():
    """Show the resident render process for this installation and environment, if any."""
    from . import daemon as resident

    answer = resident.ask(resident.key(), "status") if resident.enabled() else None
    if answer is None:
        click.echo("No resident render process" + ("" if resident.enabled() else " (turned off)"))
        return
    up = time.time() - answer["started"]
    click.echo(f"Resident render process {answer['pid']}: up {up:.0f} s, {answer['served']} renders served, "
               f"{answer['running']} running, ends after {answer['idle_seconds']:.0f} s idle")


@daemon.command("stop")
def daemon_stop():
    """Stop the resident render process (renders already running finish first)."""
    from . import daemon as resident

    answer = resident.ask(resident.key(), "stop") if resident.enabled() else None
    click.echo(f"Stopped resident render process {answer['pid']}" if answer else "No resident render process")


@cli.command()
@click.argument("transcript", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="MP3 to write.")
@_common
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (0 = one per CPU).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=0.5, show_default=True,
              help="Seconds between checks for changes.")
def watch(transcript, output, config_path, cast_path, chapters, jobs, cache_dir, fmt, lexicon_path, engine,
          language, interval):
    """Re-render TRANSCRIPT whenever it (or the config, cast or lexicon file) is saved. Ctrl-C stops."""
    from .render import render as run

    watched = [p for p in (transcript, config_path, cast_path, lexicon_path) if p]

    def stamp():
        return tuple(os.stat(p).st_mtime_ns if os.path.exists(p) else 0 for p in watched)

    last = None
    try:
        while True:
            now = stamp()
            if now != last:
                last = now
                try:
                    options = _options(transcript, output, config_path, cast_path, chapters, jobs, False, cache_dir,
                                       fmt, lexicon_path, engine, language)
                    result = run(transcript, options, BarReporter(quiet=True))
                    state = "up to date" if result.up_to_date else (
                        f"rendered ({result.synthesized} synthesized, {result.encoded} encoded)")
                    click.echo(f"{time.strftime('%H:%M:%S')} {result.output}: {state} in {result.seconds:.1f} s")
                except PanelcastError as exc:
                    click.echo(f"{time.strftime('%H:%M:%S')} Error: {exc}", err=True)
                click.echo(f"Watching {', '.join(watched)} (Ctrl-C to stop)")
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Stopped watching.")


@cli.command()
@click.argument("text")
@click.option("--speaker", default="Narrator", show_default=True,
              help="Whose voice: a speaker of --transcript, else a cast entry of --config/--cast.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=str(Path("output") / "say.mp3"),
              show_default=True, help="MP3 to write.")
@click.option("--transcript", type=click.Path(dir_okay=False),
              help="Cast the speakers as a render of this transcript does.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Episode config (YAML).")
@click.option("--cast", "cast_path", type=click.Path(dir_okay=False), help="Cast file (YAML).")
@click.option("--lexicon", "lexicon_path", type=click.Path(dir_okay=False), help="Pronunciation lexicon (YAML).")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache folder (the engine keeps its facts there).")
@click.option("--engine", type=click.Choice(list(ENGINES)),
              help="Speech engine for voices that name none (default: the config's engine:, else pyttsx3).")
@click.option("--language", metavar="CODE",
              help="The language TEXT is in (default: the speaker's in --transcript, else detected).")
def say(text, speaker, output, transcript, config_path, cast_path, lexicon_path, cache_dir, engine, language):
    """Speak TEXT in one speaker's voice into an MP3, to check a pronunciation.

    It reads TEXT as a render would (lexicon, speaker names, numbers and symbols) and
    prints what the engine was given.
    """
    from .say import say as speak

    options = _options(transcript or "say", output, config_path, cast_path, None, 1, False, cache_dir, None,
                       lexicon_path, engine, language)
    said = speak(text, speaker, options, transcript)
    click.echo(f"Spoken: {said.spoken}")
    click.echo(f"Wrote {said.output}: {said.duration_ms / 1000:.1f} s, {said.speaker} ({said.voice.voice})")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--base-url", required=True, help="Where DIRECTORY is published, e.g. https://example.org/show/.")
@click.option("--title", help="Podcast title (default: the episodes' album tag, else the folder name).")
@click.option("--author", help="Podcast author (default: the episodes' artists).")
@click.option("--description", help="Podcast description.")
@click.option("--email", help="The owner's e-mail address (itunes:owner; podcast directories ask for it).")
def feed(directory, base_url, title, author, description, email):
    """Write DIRECTORY/feed.xml: an RSS feed (iTunes + Podcasting 2.0) of the MP3s in DIRECTORY,
    and DIRECTORY/index.html, the show page.

    The show's title, author, description, email, language and category come from the options,
    else from DIRECTORY/show.yaml (the same keys), else from what the episodes' tags agree on
    (album, album artist), else the folder's name, with a warning.
    """
    from .feed import write_feed

    path = write_feed(Path(directory), base_url, title=title, author=author, description=description, email=email,
                      warn=lambda message: click.echo(f"Warning: {message}", err=True))
    click.echo(f"Wrote {path}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port).")
@click.option("--base-url", help="Write feed.xml for this URL first (default: http://HOST:PORT/).")
def serve(directory, host, port, base_url):
    """Serve DIRECTORY (feed, MP3s with range requests, sidecars) for a podcast app or browser;
    the show page (index.html) is at /."""
    from .feed import write_feed
    from .serve import make_server

    server = make_server(Path(directory), host, port)
    bound = server.server_address[1]
    url = base_url or f"http://{host}:{bound}/"
    if any(Path(directory).glob("*.mp3")):
        write_feed(Path(directory), url, warn=lambda message: click.echo(f"Warning: {message}", err=True))
    click.echo(f"Serving {directory} at http://{host}:{bound}/ — subscribe to {url}feed.xml (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = cli.main(args=argv, prog_name="panelcast", obj={"argv": argv}, standalone_mode=False)
    except click.UsageError as exc:   # unknown option, missing argument, a folder given as a file: one line
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"Error: {printable(exc.format_message())}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Error: interrupted; no partial output was left behind", err=True)
        sys.exit(INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
