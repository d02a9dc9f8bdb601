#!/usr/bin/env python3
"""Benchmark panelcast on the seed transcript against a naive pydub pipeline.

    .venv/bin/python benchmarks/bench.py [--seed PATH] [--repeat N] [--code REF]

``--code REF`` measures a snapshot of a commit instead of the working tree (useful while
others edit the package).

What is measured, in one run (every panelcast render is the CLI in a subprocess, so Python
start-up and imports are included; wall clock from process start to exit):

- baseline: what other tools do, with the same parser, cast, engine and encoder settings:
  one synthesis job per turn (plus the narrator's intro and outro, so the audio has the same
  content), sequentially; each WAV loaded with pydub, the raw PCM joined once with the same
  pauses, one MP3 export through ffmpeg.  No loudness leveling (panelcast levels every unit
  by default; the stage breakdown shows a cold render with it off).  Also run as a subprocess
  of this script, so it pays the same start-up as the CLI and its memory is measured the same
  way.  Its speech goes through panelcast's engine (a fresh process per job: pyttsx3 2.99 does
  not give complete audio otherwise) with pyttsx3's driver as other tools have it; a second
  baseline row, for reference, also gets panelcast's fixes of the driver (its audio buffer
  and its loop).
- cold: ``panelcast render`` with an empty cache, default settings.
- edit: one sentence of a middle turn replaced by another of similar length, same cache.
- no-op: the same render again (panelcast answers "up to date").
- memory: peak resident memory of cold renders of the seed and of the seed's turns repeated
  10 times (about 5 hours of audio), each with an empty cache.

Timings are medians over ``--repeat`` runs.  The Markdown table goes to
``benchmarks/RESULTS.md``.  This is not a test (nothing here is collected by pytest).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

_STARTED = time.perf_counter()  # --stage-timing counts the package's imports from here

REPO = Path(__file__).resolve().parent.parent
CODE = REPO   # the folder whose ``pipeline`` package is measured (see use_code)

DEFAULT_SEED = REPO.parent / "shared" / "seed" / "000_113eec2d62c53610.txt"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
REPEAT_TIMES = 10          # the long transcript for the memory rows: the seed's turns x 10
POLL_SECONDS = 0.05        # memory sampling interval
MB = 1_000_000
STOCK_DRIVER_ENV = "PANELCAST_TTS_STOCK_DRIVER"   # see naive_baseline()

TARGETS = {
    "cold": 0.60,          # cold / baseline
    "edit": 0.05,          # edit / cold
    "noop": 0.02,          # no-op / cold
    "rss_abs_mb": 150,     # 10x peak RSS, absolute
    "rss_ratio": 1.5,      # 10x peak RSS / 1x peak RSS
}

# Sentences to swap into the middle turn; the one closest in length to the replaced one wins.
REPLACEMENTS = (
    "If you want to follow how OpenAI grew, their research blog posts tell most of the story.",
    "Anyone curious about how this happened should read the technical reports they published.",
    "It is worth remembering how much of this work was done in the open, step by step.",
    "Looking back, the pieces were all there for a while before anyone put them together well.",
    "Looking back, most of the pieces had been in place for years, and the real step was packaging "
    "them so that anyone at all could try them right away in a web browser.",
    "In hindsight, the underlying models were ready long before the launch, and what changed was how "
    "easily ordinary people could reach them and give feedback, at a scale nobody expected.",
)


# --------------------------------------------------------------------------- processes

@dataclass
class Run:
    """One measured subprocess (memory in KiB, as the kernel counts it)."""

    seconds: float                 # wall clock, start to exit
    cpu_seconds: float             # user + system CPU time of the process and all it waited for
    returncode: int
    stdout: str
    stderr: str
    main_peak_kb: int = 0          # the process we started: VmHWM, last sample before it exited
    child_peak_kb: int = 0         # its largest descendant: VmHWM, sampled
    child_name: str = ""
    pss_peak_kb: int = 0           # largest sampled sum of PSS over the whole tree


def run_measured(cmd: list[str], watch_memory: bool = False, env: dict | None = None) -> Run:
    """Run ``cmd`` in the measured code's folder; time it and, if asked, sample its memory.

    Without ``watch_memory`` the parent only blocks in ``wait4``, so it takes no CPU from the
    run it times.  With it, the process and all its descendants are read from ``/proc`` every
    ``POLL_SECONDS`` (see ``_TreeTracker``).  VmHWM is the kernel's own peak-RSS counter, so
    the main process's last sample misses only growth in its last interval; descendants that
    live shorter than one interval can be missed entirely.

    ``wait4``'s ru_maxrss is not used: Linux reports the largest peak of the process and of
    every descendant it reaped, and a process started by (v)fork + exec keeps its parent's peak
    from the moment of the exec -- so every render would "peak" at least at this script's own
    size, and the main process's own peak could not be told from its children's.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=CODE, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        tracker = _TreeTracker(proc.pid, cmd)
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG if watch_memory else 0)
                if pid:
                    break
                tracker.sample()
                time.sleep(POLL_SECONDS)
        except BaseException:
            _stop(proc)
            raise
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        run = Run(seconds, usage.ru_utime + usage.ru_stime, proc.returncode, out.read().decode("utf-8", "replace"),
                  err.read().decode("utf-8", "replace"))
    if watch_memory:
        run.main_peak_kb = tracker.main_peak
        run.child_peak_kb, run.child_name = tracker.largest_child()
        run.pss_peak_kb = tracker.pss_peak
    if run.returncode != 0:
        raise SystemExit(f"failed ({run.returncode}): {' '.join(cmd)}\n{run.stdout}\n{run.stderr}")
    return run


def _self_cmd(mode: str, *args: object) -> list[str]:
    """This script in a fresh interpreter, running one measured piece on the same code."""
    return [sys.executable, str(Path(__file__).resolve()), "--code-dir", str(CODE), mode, *map(str, args)]


def _stop(proc: subprocess.Popen) -> None:
    """Interrupt a measured run like Ctrl-C would (panelcast then stops its own workers)."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class _TreeTracker:
    """Peak memory of a process and of its descendants, sampled from /proc.

    A child the main process has just forked (or vforked), before its exec, still shows the
    main process's memory and command line; such samples (and any taken while the command
    line changed, i.e. during the exec) are skipped, or children would "peak" at the main
    process's size.  eSpeak workers are forks of the launcher that never
    exec: their RSS (shared pages included) is theirs and counts.
    """

    def __init__(self, root: int, cmd: list[str]):
        self.root = root
        # From the arguments, not /proc: just after Popen returns, the exec may not have set it up.
        self.root_cmdline = b"".join(os.fsencode(arg) + b"\0" for arg in cmd)
        self.main_peak = 0
        self.children: dict[int, tuple[int, str]] = {}   # pid -> (VmHWM, what it is)
        self.pss_peak = 0

    def sample(self) -> None:
        import psutil

        try:
            procs = [psutil.Process(self.root), *psutil.Process(self.root).children(recursive=True)]
        except psutil.Error:
            return
        pss_total = 0
        for p in procs:
            cmdline = _read(f"/proc/{p.pid}/cmdline")
            status = _proc_status(p.pid)
            if not status or (p.pid != self.root and (cmdline == self.root_cmdline
                                                      or cmdline != _read(f"/proc/{p.pid}/cmdline"))):
                continue   # gone, or a copy of the main process before or during its exec
            if p.pid == self.root:
                self.main_peak = max(self.main_peak, status["VmHWM"])
            else:
                what = _describe(cmdline, _read(f"/proc/{status['PPid']}/cmdline"))
                self.children[p.pid] = max(self.children.get(p.pid, (0, what)), (status["VmHWM"], what))
            pss_total += _pss(p.pid)
        self.pss_peak = max(self.pss_peak, pss_total)

    def largest_child(self) -> tuple[int, str]:
        return max(self.children.values(), default=(0, ""))


def _describe(cmdline: bytes, parent_cmdline: bytes) -> str:
    """A short name for a descendant: ffmpeg, tts launcher, tts worker, or its program name."""
    text = cmdline.replace(b"\0", b" ").decode("utf-8", "replace")
    if "_launcher_main" in text:
        return "tts worker" if b"_launcher_main" in parent_cmdline else "tts launcher"
    return "ffmpeg" if "ffmpeg" in text.split(" ")[0] else (text.split(" ")[0].rsplit("/", 1)[-1] or "?")


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _proc_status(pid: int) -> dict:
    """VmHWM, VmRSS (KiB) and PPid from /proc/<pid>/status; {} if the process is gone or a zombie."""
    fields = {}
    for line in _read(f"/proc/{pid}/status").decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS", "PPid"):
            fields[key] = int(value.split()[0])
    return fields if "VmHWM" in fields else {}


def _pss(pid: int) -> int:
    """Proportional set size (KiB): shared pages split between the processes sharing them."""
    for line in _read(f"/proc/{pid}/smaps_rollup").decode("utf-8", "replace").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------- panelcast

def panelcast_render(transcript: Path, output: Path, cache: Path, watch_memory: bool = False,
                     resident: bool = True) -> Run:
    """``panelcast render`` (``python -m pipeline`` runs what the ``panelcast`` command runs: the
    receipt check, the resident render process if there is one, else the CLI), -j at its
    default (one worker per CPU). ``resident=False`` turns the resident process off, so the
    render runs, and is measured, in the process started here."""
    cmd = [sys.executable, "-m", "pipeline", "render", str(transcript), "-o", str(output),
           "--cache-dir", str(cache), "-q"]
    return run_measured(cmd, watch_memory, None if resident else dict(os.environ, PANELCAST_DAEMON="off"))


def stop_resident() -> None:
    """Stop the resident render process, if any, so that the next render starts from nothing."""
    cmd = [sys.executable, "-m", "pipeline", "daemon"]
    subprocess.run(cmd + ["stop"], cwd=CODE, capture_output=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = subprocess.run(cmd + ["status"], cwd=CODE, capture_output=True, text=True).stdout
        if not answer.startswith("Resident"):
            return
        time.sleep(0.05)
    raise SystemExit("the resident render process did not stop")


def resident() -> dict:
    """The resident render process: pid, renders served, RSS and PSS in KiB, and the CPU seconds
    of the children it has reaped (the renders it ran, with their speech workers); empty if none."""
    answer = subprocess.run([sys.executable, "-m", "pipeline", "daemon", "status"], cwd=CODE,
                            capture_output=True, text=True).stdout
    m = re.match(r"Resident render process (\d+): up \d+ s, (\d+) renders served", answer)
    if not m:
        return {}
    pid = int(m.group(1))
    fields = _read(f"/proc/{pid}/stat").decode("ascii", "replace").rsplit(")", 1)[-1].split()
    children_cpu = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")   # cutime + cstime
    return {"pid": pid, "served": int(m.group(2)), "rss_kb": _proc_status(pid).get("VmRSS", 0), "pss_kb": _pss(pid),
            "children_cpu": children_cpu}


def render_summary(run: Run) -> str:
    """The CLI's one-line answer ("Wrote ...: 29:03, ... (1 synthesized, 1 encoded)" / up to date)."""
    lines = [ln for ln in (run.stdout + run.stderr).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


# --------------------------------------------------------------------------- inputs

def edited_copy(seed: Path, dest: Path, rank: int = 0) -> tuple[str, str]:
    """Write ``seed`` to ``dest`` with one sentence of a middle turn replaced.

    Returns (old sentence, new sentence).  The sentence is in the middle of the first
    paragraph of the middle turn; the replacement is the one of ``REPLACEMENTS`` closest in
    length (``rank`` 1: the next closest, for a second edit of the same sentence).
    """
    from pipeline.transcript import parse

    text = seed.read_text(encoding="utf-8")
    script = parse(seed)
    turn = script.turns[len(script.turns) // 2]
    sentences = re.split(r"(?<=[.!?])\s+", turn.paragraphs[0])
    old = sentences[len(sentences) // 2]
    new = sorted(REPLACEMENTS, key=lambda s: abs(len(s) - len(old)))[rank]
    if text.count(old) != 1:
        raise SystemExit(f"cannot edit the seed: the sentence {old!r} is not there exactly once")
    dest.write_text(text.replace(old, new), encoding="utf-8")
    return old, new


def repeated_copy(seed: Path, dest: Path, times: int) -> int:
    """Write the seed with its turns repeated ``times`` times: header once, postscript at the end.

    Returns the number of turns of the result (checked by parsing it back).
    """
    from pipeline.transcript import parse

    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    script = parse(seed)
    first = script.turns[0].line - 1                 # the first label line
    last = script.turns[-1].line                     # just after the last label line
    tail = next((i for i in range(last, len(lines))
                 if re.fullmatch(r"\s*post\s*scri\w*\s*", lines[i], re.I)), len(lines))
    body = lines[first:tail]
    if body and not body[-1].endswith("\n"):
        body[-1] += "\n"
    dest.write_text("".join(lines[:first] + body * times + lines[tail:]), encoding="utf-8")
    result = parse(dest)
    if len(result.turns) != times * len(script.turns) or result.outro != script.outro:
        raise SystemExit(f"the {times}x transcript did not parse back as {times}x the seed's turns")
    return len(result.turns)


def mp3_minutes(path: Path) -> float:
    from mutagen.mp3 import MP3

    return MP3(str(path)).info.length / 60


# --------------------------------------------------------------------------- the baseline

def naive_baseline(seed: Path, out_mp3: Path, workdir: Path, engine_fixes: bool = False) -> dict:
    """The naive pipeline (runs in its own process, see ``--naive-baseline``).

    Same parser, cast, engine, pauses and encoder settings as panelcast; the difference is
    the shape: one job per turn, sequential synthesis, the whole episode in memory, one
    encode of the whole episode.  Returns seconds per stage.

    Speech goes through panelcast's engine (a fresh process per job, which pyttsx3 2.99 needs
    to give complete audio at all), but with pyttsx3's espeak driver keeping its own audio
    buffer and loop, as in every other tool: it appends each second of audio to a ``bytes``
    object, copying everything so far each time, and its loop looks every 10 ms whether the
    utterance has ended.  panelcast's engine grows a ``bytearray`` instead and wakes when the
    utterance ends; ``engine_fixes`` gives the baseline that too (reported alongside, for
    reference).
    """
    if not engine_fixes:
        os.environ[STOCK_DRIVER_ENV] = "1"   # inherited by the engine's launcher and workers
    AudioSegment = _pydub()

    from pipeline.cast import NARRATOR, cast_voices
    from pipeline.config import Config
    from pipeline.model import SynthJob
    from pipeline.plan import intro_paragraphs, outro_paragraphs
    from pipeline.speech import spoken_text
    from pipeline.tools import ffmpeg
    from pipeline.transcript import parse
    from pipeline.engines import get_engine

    stages = {}
    t = time.perf_counter()
    engine = get_engine()
    script = parse(seed)
    cast = cast_voices(script, check_voice=engine.check_voice)
    pauses = Config().pauses
    title = script.title or seed.stem
    # (speaker, paragraphs, pause after): the narrator's intro and outro as one job each, so
    # the episode says what panelcast's says; a turn's paragraphs are spoken as one text.
    pieces = [(NARRATOR, intro_paragraphs(script, title), pauses.turn_ms)]
    pieces += [(turn.speaker, turn.paragraphs, pauses.turn_ms) for turn in script.turns]
    pieces.append((NARRATOR, outro_paragraphs(script, title), pauses.paragraph_ms))
    jobs = [SynthJob(text=" ".join(spoken_text(p) for p in paragraphs), voice=cast.voice_for(speaker),
                     out_path=str(workdir / f"{i:04d}.wav"))
            for i, (speaker, paragraphs, _) in enumerate(pieces)]
    stages["parse+cast"] = time.perf_counter() - t

    t = time.perf_counter()
    engine.synthesize(jobs, workers=1)
    stages["synthesize"] = time.perf_counter() - t

    t = time.perf_counter()
    segments = [AudioSegment.from_wav(job.out_path) for job in jobs]
    stages["load"] = time.perf_counter() - t

    # Join the raw PCM once.  pydub's ``sum()`` (or ``a + b`` in a loop) copies everything
    # joined so far at every step, which is quadratic (DESIGN.md: 400 pieces take 15 s); a
    # baseline using it would be slower than it needs to be and flatter panelcast.  Joining
    # the PCM once is what a careful pydub user does, so the comparison is with that.
    t = time.perf_counter()
    episode = join_pcm(segments, [pause for _, _, pause in pieces])
    stages["join"] = time.perf_counter() - t

    t = time.perf_counter()
    AudioSegment.converter = ffmpeg().path
    episode.export(str(out_mp3), format="mp3", bitrate="64k",
                   parameters=["-compression_level", "7", "-ar", "44100", "-ac", "1"])
    stages["export"] = time.perf_counter() - t
    return stages


def _pydub():
    """pydub's AudioSegment, without the warning pydub prints at import when ffmpeg is not on PATH
    (panelcast's ffmpeg is set as its converter before exporting)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    return AudioSegment


def join_pcm(segments: list, pauses_ms: list[int]):
    """One AudioSegment: each segment followed by its pause of silence, joined in one go."""
    first = segments[0]
    bytes_per_ms = first.frame_rate * first.frame_width / 1000
    parts = []
    for seg, pause in zip(segments, pauses_ms):
        if (seg.frame_rate, seg.channels, seg.sample_width) != (first.frame_rate, first.channels,
                                                                first.sample_width):
            raise SystemExit("the engine's WAVs differ in format; the naive join assumes one format")
        parts.append(seg.raw_data)
        parts.append(b"\0" * (round(pause * bytes_per_ms) // first.frame_width * first.frame_width))
    return first._spawn(b"".join(parts))


def baseline_run(seed: Path, work: Path, watch_memory: bool = False, engine_fixes: bool = False
                 ) -> tuple[Run, dict, Path]:
    """Run the baseline in a fresh interpreter (same start-up cost as the CLI)."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "baseline.mp3"
    mode = "--naive-baseline-with-engine-fixes" if engine_fixes else "--naive-baseline"
    run = run_measured(_self_cmd(mode, seed, out, work), watch_memory)
    return run, json.loads(run.stdout.strip().splitlines()[-1]), out


def pydub_sum_seconds(wav_dir: Path, pauses_ms: int = 900) -> float:
    """For the record only: how long pydub's sum() takes to join the same WAVs."""
    AudioSegment = _pydub()

    segments = [AudioSegment.from_wav(str(p)) for p in sorted(wav_dir.glob("*.wav"))]
    gap = AudioSegment.silent(pauses_ms, frame_rate=segments[0].frame_rate)
    t = time.perf_counter()
    sum((s + gap for s in segments[1:]), segments[0] + gap)
    return time.perf_counter() - t


# --------------------------------------------------------------------------- stages

# Where a cold render spends its time and memory: the library's render() in a fresh process,
# with a reporter that notes when each stage starts.  Segment names, by the event that opens it.
SEGMENTS = {"start": "imports", "imported": "prepare (parse, cast + engine probe, plan, cache check)",
            "synthesize": "synthesize", "encode": "encode", "join": "join + tags + manifest"}


def stage_timing(transcript: Path, output: Path, cache: Path, config: Path | None = None) -> dict:
    """Wall seconds, CPU seconds and peak RSS (MB, sampled every 10 ms) of each stage of one
    render, in this process.  CPU counts this process and the children it has reaped (ffmpeg
    runs, and the eSpeak launcher with its workers once synthesis ends)."""
    import resource
    import threading

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    marks = [("start", _STARTED, cpu())]   # (event, wall clock, CPU seconds so far)
    peaks: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peaks[len(marks) - 1] = max(peaks.get(len(marks) - 1, 0), _proc_status(os.getpid())["VmRSS"])

    threading.Thread(target=sample, daemon=True).start()
    from pipeline.config import Config, load_config
    from pipeline.render import Options, render
    marks.append(("imported", time.perf_counter(), cpu()))
    options = Options(output=output, cache_root=str(cache), config=load_config(config) if config else Config())

    class StageClock:
        def stage(self, name: str, total: int) -> None:
            marks.append((name, time.perf_counter(), cpu()))

        def advance(self, name: str, n: int = 1) -> None:
            pass

        def note(self, message: str) -> None:
            pass

    result = render(transcript, options, StageClock())
    marks.append(("end", time.perf_counter(), cpu()))
    done.set()
    peaks[len(marks) - 2] = max(peaks.get(len(marks) - 2, 0), _proc_status(os.getpid())["VmRSS"])
    return {
        "segments": [(SEGMENTS.get(name, name), end - start, cpu_end - cpu_start, peaks.get(i, 0) * 1024 / MB)
                     for i, ((name, start, cpu_start), (_, end, cpu_end)) in enumerate(zip(marks, marks[1:]))],
        "in_process": marks[-1][1] - _STARTED,
        "in_process_cpu": marks[-1][2] - marks[0][2],
        "up_to_date": result.up_to_date,
        "synthesized": result.synthesized,
        "encoded": result.encoded,
        "hwm_mb": _proc_status(os.getpid())["VmHWM"] * 1024 / MB,
    }


def stage_run(transcript: Path, output: Path, cache: Path, config: Path | None = None) -> dict:
    run = run_measured(_self_cmd("--stage-timing", transcript, output, cache, *([config] if config else [])))
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    facts["wall"], facts["cpu"] = run.seconds, run.cpu_seconds
    return facts


# --------------------------------------------------------------------------- code

def use_code(folder: Path) -> None:
    """Measure the ``pipeline`` package in ``folder`` (imports here, and the cwd of every run)."""
    global CODE
    CODE = folder.resolve()
    sys.path.insert(0, str(CODE))


def byte_compile(folder: Path) -> None:
    """Write the ``pipeline`` package's bytecode (``__pycache__``), as ``pip install`` does, so
    that no measured run compiles it. Python writes it on first import too, unless
    PYTHONDONTWRITEBYTECODE is set (it is on some machines), and then every run would pay
    some 40 ms of compiling that an installed panelcast does not."""
    import compileall

    if not compileall.compile_dir(str(folder / "pipeline"), quiet=1):
        raise SystemExit(f"could not byte-compile {folder / 'pipeline'}")


def snapshot(ref: str, dest: Path) -> Path:
    """Export commit ``ref`` into ``dest`` (git archive), so edits made meanwhile are not measured."""
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=REPO, capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"git archive {ref}: {archive.stderr.decode('utf-8', 'replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout


CODE_PATHS = ("pipeline", "voices", "pyproject.toml")


def code_state(ref: str | None = None) -> str:
    """The commit measured; for the working tree, also its uncommitted changes (files, a hash)."""
    if ref:
        return f"{ref} (a snapshot of that commit, not the working tree)"
    head = _git("rev-parse", "--short", "HEAD").strip()
    if not head:
        return "not a git checkout"
    changed = [line[3:] for line in _git("status", "--porcelain", "--", *CODE_PATHS).splitlines()]
    if not changed:
        return f"{head} (clean)"
    digest = hashlib.sha256(_git("diff", "HEAD", "--", *CODE_PATHS).encode("utf-8"))
    for path in _git("ls-files", "--others", "--exclude-standard", "--", *CODE_PATHS).splitlines():
        digest.update(_read(str(REPO / path)))               # new files count by content
    return f"{head} + uncommitted changes (hash {digest.hexdigest()[:12]}) in {', '.join(changed)}"


# --------------------------------------------------------------------------- machine

def machine(ref: str | None = None) -> dict:
    from pipeline.tools import ffmpeg
    from pipeline.engines import get_engine

    ff = ffmpeg()
    info = get_engine().info()
    return {
        "cpu": _first_value("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": f"{int(_first_value('/proc/meminfo', 'MemTotal').split()[0]) / 1024 ** 2:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "ffmpeg": f"{ff.version} ({ff.source})",
        "engine": f"{info['engine']} {info['engine_version']}, eSpeak NG {info['espeak_version']} "
                  f"({info['source']})",
        "code": code_state(ref),
    }


def _first_value(path: str, key: str) -> str:
    for line in _read(path).decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return "0 unknown"


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------- the benchmark

@dataclass
class Results:
    seed: Path
    repeat: int
    baseline: list[float] = field(default_factory=list)
    baseline_fixed: list[float] = field(default_factory=list)   # with panelcast's engine fixes
    cold: list[float] = field(default_factory=list)
    edit: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    edit_alone: list[float] = field(default_factory=list)      # an edit with the resident process off
    cpu: dict[str, list[float]] = field(default_factory=dict)   # row -> CPU seconds of each run
    stages: list[dict] = field(default_factory=list)     # the baseline's own stage timings
    notes: dict = field(default_factory=dict)
    mem1: Run | None = None
    mem10: Run | None = None
    base_mem: Run | None = None
    breakdown: dict = field(default_factory=dict)        # name -> stage_run() facts


def time_rows(res: Results, tmp: Path, edited: Path, edited2: Path) -> None:
    """baseline, cold, edit, no-op, and a second edit with the resident process off;
    ``res.repeat`` times each, a fresh cache every round."""
    for i in range(res.repeat):
        round_dir = tmp / f"round{i}"
        round_name = f"[round {i + 1}/{res.repeat}]"
        print(round_name, "baseline ...", flush=True)
        run, stages, out = baseline_run(res.seed, round_dir / "baseline")
        res.baseline.append(run.seconds)
        res.cpu.setdefault("baseline", []).append(run.cpu_seconds)
        res.stages.append(stages)
        res.notes["baseline_minutes"] = mp3_minutes(out)
        print(round_name, "baseline with panelcast's engine fixes ...", flush=True)
        run, _, _ = baseline_run(res.seed, round_dir / "baseline-fixed", engine_fixes=True)
        res.baseline_fixed.append(run.seconds)

        cache, transcript, output = round_dir / "cache", round_dir / "episode.txt", round_dir / "episode.mp3"
        _copy(res.seed, transcript)
        stop_resident()          # cold: the first render, in a process of its own (which then stays)
        print(round_name, "cold ...", flush=True)
        run = panelcast_render(transcript, output, cache)
        res.cold.append(run.seconds)
        res.cpu.setdefault("cold", []).append(run.cpu_seconds)
        res.notes["cold_answer"] = render_summary(run)
        res.notes["panelcast_minutes"] = mp3_minutes(output)

        print(round_name, "edit ...", flush=True)
        os.replace(_copy(edited, round_dir / "edited.tmp"), transcript)   # saved like an editor would
        run = panelcast_render(transcript, output, cache)
        res.edit.append(run.seconds)
        served = resident()      # its children's CPU: the child that ran the edit (the first it served)
        res.cpu.setdefault("edit", []).append(run.cpu_seconds + served.get("children_cpu", 0.0))
        res.notes["edit_answer"] = render_summary(run)
        res.notes.setdefault("edits_in_resident", []).append(served.get("served", 0) == 1)

        print(round_name, "no-op ...", flush=True)
        run = panelcast_render(transcript, output, cache)
        res.noop.append(run.seconds)
        res.cpu.setdefault("no-op", []).append(run.cpu_seconds)
        res.notes["noop_answer"] = render_summary(run)
        res.notes["resident"] = resident()

        print(round_name, "edit, in a process of its own ...", flush=True)
        os.replace(_copy(edited2, round_dir / "edited2.tmp"), transcript)
        run = panelcast_render(transcript, output, cache, resident=False)
        res.edit_alone.append(run.seconds)
        res.notes["edit_alone_answer"] = render_summary(run)
        if i == 0:
            res.notes["pydub_sum"] = pydub_sum_seconds(round_dir / "baseline")
    stop_resident()


def memory_rows(res: Results, tmp: Path, long: Path) -> None:
    """Cold renders (empty caches) of the seed and of its turns x10, memory sampled."""
    for name, transcript in (("mem1", res.seed), ("mem10", long)):
        print(f"memory: cold render of {transcript.name} ...", flush=True)
        out = tmp / f"{name}.mp3"
        run = panelcast_render(transcript, out, tmp / f"{name}-cache", watch_memory=True, resident=False)
        setattr(res, name, run)
        res.notes[f"{name}_minutes"] = mp3_minutes(out)
        res.notes[f"{name}_answer"] = render_summary(run)
    print("memory: baseline on the seed ...", flush=True)
    res.base_mem, _, _ = baseline_run(res.seed, tmp / "baseline-mem", watch_memory=True)


def breakdown_rows(res: Results, tmp: Path, edited: Path, long: Path) -> None:
    """Stage timings of a cold render, the edit and the no-op (seed), a cold 10x render, and a
    cold render with loudness leveling off (the baseline does none)."""
    print("stages: cold, edit, no-op, cold 10×, cold without loudness leveling ...", flush=True)
    cache, transcript, output = tmp / "stages-cache", tmp / "stages.txt", tmp / "stages.mp3"
    _copy(res.seed, transcript)
    res.breakdown["cold"] = stage_run(transcript, output, cache)
    os.replace(_copy(edited, tmp / "stages.tmp"), transcript)
    res.breakdown["edit"] = stage_run(transcript, output, cache)
    res.breakdown["no-op, full check (no receipt)"] = stage_run(transcript, output, cache)
    res.breakdown["cold 10×"] = stage_run(long, tmp / "stages10.mp3", tmp / "stages10-cache")
    config = tmp / "loudness-off.yaml"
    config.write_text("audio:\n  loudness: off\n", encoding="utf-8")
    try:
        res.breakdown["cold, loudness off"] = stage_run(res.seed, tmp / "stages-nl.mp3", tmp / "stages-nl-cache",
                                                        config)
    except SystemExit as exc:  # a panelcast without the setting: say so, keep the rest
        print(f"(no loudness-off render: {str(exc).splitlines()[-1]})", flush=True)


def _copy(src: Path, dest: Path) -> Path:
    dest.write_bytes(src.read_bytes())
    return dest


def benchmark(seed: Path, repeat: int) -> Results:
    res = Results(seed=seed, repeat=repeat)
    with tempfile.TemporaryDirectory(prefix="panelcast-bench-", ignore_cleanup_errors=True) as name:
        tmp = Path(name)
        edited, edited2, long = tmp / "edited.txt", tmp / "edited2.txt", tmp / "seed_x10.txt"
        old, new = edited_copy(seed, edited)
        res.notes["edit"] = f"replaced {old!r} ({len(old)} chars) with {new!r} ({len(new)} chars)"
        _, new2 = edited_copy(seed, edited2, rank=1)
        res.notes["edit2"] = f"the same sentence replaced with {new2!r} ({len(new2)} chars)"
        res.notes["mem10_turns"] = repeated_copy(seed, long, REPEAT_TIMES)
        time_rows(res, tmp, edited, edited2)
        memory_rows(res, tmp, long)
        breakdown_rows(res, tmp, edited, long)
    return res


# --------------------------------------------------------------------------- the report

def rows(res: Results) -> list[tuple[str, str, str, str, str]]:
    """(row, value, ratio, target, result) for the table."""
    base, cold = statistics.median(res.baseline), statistics.median(res.cold)
    edit, noop = statistics.median(res.edit), statistics.median(res.noop)
    fixed = statistics.median(res.baseline_fixed)
    table = [
        ("baseline (naive pydub, 1 job per turn)", f"{base:.2f} s", "reference", "", ""),
        ("cold render (empty cache)", f"{cold:.2f} s", f"cold/baseline {cold / base:.3f}",
         f"≤ {TARGETS['cold']}", _verdict(cold / base <= TARGETS["cold"])),
        ("baseline given panelcast's engine fixes (for reference)", f"{fixed:.2f} s",
         f"cold/that {cold / fixed:.3f}", f"(≤ {TARGETS['cold']})", _verdict(cold / fixed <= TARGETS["cold"])),
        ("edit (one sentence changed)", f"{edit:.2f} s", f"edit/cold {edit / cold:.3f}",
         f"≤ {TARGETS['edit']}", _verdict(edit / cold <= TARGETS["edit"])),
        ("no-op (up to date, from the receipt)", f"{noop:.2f} s", f"no-op/cold {noop / cold:.3f}",
         f"≤ {TARGETS['noop']}", _verdict(noop / cold <= TARGETS["noop"])),
    ]
    if res.edit_alone:
        alone = statistics.median(res.edit_alone)
        table.insert(4, ("edit in a process of its own (resident process off, for reference)", f"{alone:.2f} s",
                         f"edit/cold {alone / cold:.3f}", f"(≤ {TARGETS['edit']})",
                         _verdict(alone / cold <= TARGETS["edit"])))
    target = f"≤ {TARGETS['rss_abs_mb']} MB and ≤ {TARGETS['rss_ratio']}×"
    main = ("main process peak RSS", "main process peak RSS", "main_peak_kb")
    child = (f"largest child peak RSS ({res.mem1.child_name})", f"largest child peak RSS ({res.mem10.child_name})",
             "child_peak_kb")
    for label1, label10, attr in (main, child):
        one, ten = _mb(getattr(res.mem1, attr)), _mb(getattr(res.mem10, attr))
        ok = ten <= TARGETS["rss_abs_mb"] and ten / one <= TARGETS["rss_ratio"]
        table.append((f"memory 1×: {label1}", f"{one:.1f} MB", "reference", "", ""))
        table.append((f"memory 10×: {label10}", f"{ten:.1f} MB", f"rss10/rss1 {ten / one:.2f}", target,
                      _verdict(ok)))
    one, ten = _mb(res.mem1.pss_peak_kb), _mb(res.mem10.pss_peak_kb)
    table.append(("memory 1×: all processes at once (peak sum of PSS)", f"{one:.1f} MB", "reference", "", ""))
    table.append(("memory 10×: all processes at once (peak sum of PSS)", f"{ten:.1f} MB",
                  f"rss10/rss1 {ten / one:.2f}", "(no target)", ""))
    return table


def _mb(kib: int) -> float:
    return kib * 1024 / MB


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_table(header: tuple[str, ...], table: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths), *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def breakdown_table(res: Results) -> list[tuple[str, ...]]:
    """(render, stage, wall seconds, CPU seconds, peak RSS of the main process during the stage)."""
    table = []
    for name, facts in res.breakdown.items():
        start_wall, start_cpu = facts["wall"] - facts["in_process"], facts["cpu"] - facts["in_process_cpu"]
        table.append((name, "interpreter start-up and this script's own imports", f"{start_wall:.2f}",
                      f"{start_cpu:.2f}", ""))
        for stage, seconds, cpu, peak in facts["segments"]:
            table.append((name, stage, f"{seconds:.2f}", f"{cpu:.2f}", f"{peak:.1f}"))
        done = f"{facts['synthesized']} synthesized, {facts['encoded']} encoded"
        table.append((name, f"total ({done}{', up to date' if facts['up_to_date'] else ''})",
                      f"{facts['wall']:.2f}", f"{facts['cpu']:.2f}", f"{facts['hwm_mb']:.1f}"))
    return table


BREAKDOWN_HEADER = ("render", "stage", "wall s", "CPU s", "main process peak RSS, MB")


def details(res: Results) -> list[str]:
    """Facts under the table (plain lines; Markdown bullets in RESULTS.md)."""
    n = res.notes
    stages = {k: statistics.median(s[k] for s in res.stages) for k in res.stages[0]}
    m1, m10, bm = res.mem1, res.mem10, res.base_mem
    return [
        f"audio: baseline {n['baseline_minutes']:.1f} min, panelcast {n['panelcast_minutes']:.1f} min; "
        f"10× transcript: {n['mem10_turns']} turns, {n['mem10_minutes']:.1f} min",
        "runs (s): baseline " + _list(res.baseline) + "; baseline with engine fixes " + _list(res.baseline_fixed)
        + "; cold " + _list(res.cold) + "; edit "
        + _list(res.edit) + "; no-op " + _list(res.noop) + "; edit in a process of its own " + _list(res.edit_alone),
        "CPU seconds (user + system, the process and every process it waited for; for the edit, also the "
        "resident render process's child that ran it, with its speech workers; median): "
        + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in res.cpu.items())
        + f" -- on {os.cpu_count()} cores a run cannot take less wall time than its CPU time / cores",
        "baseline stages (median s, inside its process): "
        + ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
        + "; the rest of its wall clock is interpreter start-up and imports",
        f"pydub sum() of the same WAVs with 900 ms gaps (not used, for the record): {n['pydub_sum']:.2f} s",
        f"edit: {n['edit']}; second edit (in a process of its own): {n['edit2']}",
        f"CLI answers: cold {n['cold_answer']!r}; edit {n['edit_answer']!r}; no-op {n['noop_answer']!r}; "
        f"second edit {n['edit_alone_answer']!r}",
        f"resident render process (see the README): the edit ran in the one the cold render left in "
        f"{sum(n['edits_in_resident'])} of {len(n['edits_in_resident'])} rounds; idle after the no-op it held "
        f"{_mb(n['resident'].get('rss_kb', 0)):.1f} MB RSS, {_mb(n['resident'].get('pss_kb', 0)):.1f} MB PSS; "
        "the memory rows are renders in a process of their own (PANELCAST_DAEMON=off)",
        f"memory renders: 1× {m1.seconds:.1f} s, 10× {m10.seconds:.1f} s wall clock (while sampling); "
        f"10× answer {n['mem10_answer']!r}",
        f"baseline memory (seed): main process {_mb(bm.main_peak_kb):.1f} MB, largest child "
        f"{_mb(bm.child_peak_kb):.1f} MB ({bm.child_name}), all at once (PSS) {_mb(bm.pss_peak_kb):.1f} MB",
    ]


def _list(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


MEASURED = """\
- Wall clock (time.perf_counter) from starting the process to reaping it. panelcast runs as
  `python -m pipeline render T -o OUT --cache-dir DIR -q` (what the `panelcast` command runs) with
  -j at its default (one worker per CPU), so interpreter start-up, imports and the engine probe
  are included. The no-op row is the same command line again, so it is answered from the
  receipt the edit left; the stage breakdown's "no-op" is the full check without a receipt.
  The baseline runs as `python benchmarks/bench.py --naive-baseline ...`, also a fresh
  interpreter, with pyttsx3's driver as other tools run it (its audio buffer is a `bytes`
  object grown by copying, its loop polls every 10 ms); the reference row
  `--naive-baseline-with-engine-fixes` gives it panelcast's fixes of both too. Both share
  panelcast's launcher, which reads eSpeak's voice list once instead of in every worker.
- Timing rows: median of --repeat rounds; every round starts from an empty cache: cold, then the
  edit, then the no-op on that cache. While timing, the parent only blocks in wait4 (no sampling).
- CPU seconds: ru_utime + ru_stime from wait4, which include every descendant that was waited
  for (eSpeak workers, ffmpeg). Unlike wall clock, they do not grow when other processes share
  the CPUs.
- Code: the working tree (its commit and a hash of uncommitted changes are recorded, and checked
  again at the end), or with --code REF a `git archive` snapshot of that commit, run from a temp
  folder so that edits made meanwhile in the working tree are not measured. The package is
  byte-compiled first (as `pip install` does), so no run spends time compiling it, even where
  PYTHONDONTWRITEBYTECODE is set; every row, the baselines included, runs the same bytecode.
- main process peak RSS: VmHWM (the kernel's peak-RSS counter) of the `pipeline` process,
  read from /proc every 50 ms; the last reading before it exits.
- largest child peak RSS: the largest VmHWM among its descendants (the eSpeak launcher and its
  forked per-unit workers, every ffmpeg run), same sampling; a child living less
  than 50 ms can be missed. A child seen between fork and exec (still showing the parent's
  memory) is skipped. RSS counts shared pages (a forked worker shares the launcher's).
- all processes at once: the largest sampled sum of PSS (shared pages split between sharers).
- Not used: wait4/getrusage ru_maxrss. Linux reports the largest peak in the reaped tree, and a
  process started by (v)fork + exec keeps its parent's peak at the exec, so a render started by
  this script would report at least this script's own peak (seen here: 286 MB for a 45 MB render).
- Stage breakdown: the library's `render()` in a fresh interpreter with a reporter that notes the
  start of each stage; wall and CPU seconds per stage (CPU: getrusage of the process and of the
  children it reaped by then -- eSpeak workers count when synthesis ends); peak RSS of that
  process sampled every 10 ms per stage. Its first row also holds this script's own imports.
- The 10× transcript repeats the same 40 turns: identical paragraphs have identical cache keys,
  so panelcast synthesizes and encodes each distinct unit once; its output is still ~5 h long.
- Other processes on the machine share the CPUs; the load average at start and end is recorded.
- MB = 10^6 bytes."""


def markdown(res: Results, info: dict, table: list[tuple[str, ...]], command: str) -> str:
    lines = [
        "# panelcast benchmark",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on the seed "
        f"`{res.seed.name}`, {res.repeat} round(s) (timings are medians).",
        "",
        f"Reproduce (from the repository root): `{command}`",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "## Results",
        "",
        *_md_table(("row", "value", "ratio", "target", "result"), table),
        "",
        *[f"- {line}" for line in details(res)],
        "",
        "## Where the time and memory go (stage breakdown, one run each)",
        "",
        *_md_table(BREAKDOWN_HEADER, breakdown_table(res)),
        "",
        "## What is measured",
        "",
        MEASURED,
        "",
    ]
    return "\n".join(lines)


def _md_table(header: tuple[str, ...], table: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(r) + " |" for r in table]]


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="transcript to benchmark on")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the timing rows (median reported)")
    ap.add_argument("--code", metavar="REF",
                    help="benchmark a snapshot of this commit (git archive) instead of the working tree")
    # internal: one measured piece, run in a fresh interpreter by the benchmark itself
    ap.add_argument("--code-dir", type=Path, default=REPO, help=argparse.SUPPRESS)
    ap.add_argument("--naive-baseline", nargs=3, metavar=("SEED", "OUT", "WORKDIR"), help=argparse.SUPPRESS)
    ap.add_argument("--naive-baseline-with-engine-fixes", nargs=3, metavar=("SEED", "OUT", "WORKDIR"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--stage-timing", nargs="+", metavar="TRANSCRIPT OUT CACHE [CONFIG]", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def report(res: Results, info: dict, command: str) -> None:
    """Print the tables and write RESULTS.md."""
    table = rows(res)
    print()
    print_table(("row", "value", "ratio", "target", "result"), table)
    print()
    for line in details(res):
        print(line)
    print()
    print_table(BREAKDOWN_HEADER, breakdown_table(res))
    write_atomically(RESULTS, markdown(res, info, table, command))
    print(f"\nwrote {RESULTS.relative_to(REPO)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.naive_baseline or args.naive_baseline_with_engine_fixes or args.stage_timing:
        use_code(args.code_dir)
        if args.naive_baseline:
            print(json.dumps(naive_baseline(*map(Path, args.naive_baseline))))
        elif args.naive_baseline_with_engine_fixes:
            print(json.dumps(naive_baseline(*map(Path, args.naive_baseline_with_engine_fixes), engine_fixes=True)))
        else:
            print(json.dumps(stage_timing(*map(Path, args.stage_timing))))
        return 0
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    commit = _git("rev-parse", "--short", "--verify", f"{args.code}^{{commit}}").strip() if args.code else None
    if args.code and not commit:
        raise SystemExit(f"--code {args.code}: not a commit")
    command = " ".join([".venv/bin/python benchmarks/bench.py",
                        *([f"--seed {args.seed}"] if args.seed.resolve() != DEFAULT_SEED.resolve() else []),
                        *([f"--repeat {args.repeat}"] if args.repeat != 1 else []),
                        *([f"--code {commit}"] if commit else [])])
    with tempfile.TemporaryDirectory(prefix="panelcast-bench-code-") as snap:
        use_code(snapshot(commit, Path(snap)) if commit else REPO)
        byte_compile(CODE)
        info = machine(commit)
        started_load = load()
        print("\n".join(f"{k:<8} {v}" for k, v in info.items()), flush=True)
        res = benchmark(args.seed.resolve(), args.repeat)
        info["load average (1/5/15 min)"] = f"{started_load} at start, {load()} at end"
        if not commit and code_state() != info["code"]:   # a snapshot cannot change; the working tree can
            info["code"] += f" -- CHANGED DURING THE RUN, at the end: {code_state()}"
        report(res, info, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
