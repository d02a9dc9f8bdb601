"""The speech engine: pyttsx3's eSpeak NG driver, run in throw-away worker processes.

This is the only module that imports pyttsx3.

Worker design.  ``synthesize`` starts one *launcher* process (``python -c`` running
``_launcher_main``) in its own session.  The launcher loads libespeak-ng, imports pyttsx3
and reads eSpeak's voice list (reporting versions and voices in its first message), but
never initialises eSpeak, so it stays single-threaded and safe to fork.  For every job it
forks a fresh worker, which initialises eSpeak, speaks that one text and ends with
``os._exit``.  Hence:

- an engine crash (eSpeak segfaults on long texts) cannot take down the caller;
- eSpeak starts from the same state for every job, so the same text in the same voice gives
  the same WAV bytes whatever ran before it (eSpeak keeps state between utterances);
- eSpeak is initialised once per process (re-initialising hangs), and the worker skips the
  interpreter's exit (eSpeak's thread can hang it);
- workers' output never reaches the caller's terminal, and terminal Ctrl-C reaches only the
  caller, which then kills the launcher's whole process group.

``multiprocessing`` is not used: its spawn and forkserver children re-import the caller's
``__main__``, and its fork start method is unsafe in a threaded caller.

Inside a worker the text is spoken in chunks of at most ``CHUNK_BYTES`` bytes (the driver
hands eSpeak ``len(text) * 10`` as the buffer size, which crashes on long texts), waiting
for each utterance to finish before the next (the driver's file write is asynchronous and
``runAndWait`` cancels a still-playing utterance), with a fresh file name per chunk (the
driver reuses the last text and file name) and with stdout/stderr on /dev/null (the driver
prints ``Audio saved to ...``).  The chunks' PCM is joined into one WAV, which the caller
checks and moves into place with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from .errors import CastError, ConfigError, EngineError
from .model import SynthJob, Voice

ENGINES: tuple[str, ...] = ("pyttsx3",)

SAMPLE_RATE = 22050       # what the espeak driver writes
CHUNK_BYTES = 2000        # longest UTF-8 text handed to eSpeak in one utterance
PITCH_RANGE = (0, 100)
RATE_RANGE = (80, 450)
VOLUME_RANGE = (0.0, 1.0)

_SYSTEM_LIBRARY = "libespeak-ng.so.1"
# Test hook: make workers crash (SIGSEGV) "always" or "once" (first try only), or "hang"
# (SIGSTOP, so the caller's time limit has to kill them).
_CRASH_TEST_ENV = "PANELCAST_TTS_CRASH_TEST"
_STOCK_DRIVER_ENV = "PANELCAST_TTS_STOCK_DRIVER"  # set: pyttsx3's driver as it is, without _fixed_driver's
                                                 # changes (the benchmark's baseline runs it as other tools do)
_EXIT_FAILED = 3           # a worker's exit status when it wrote its error to ``<tmp>.err``
_START_TIMEOUT = 60.0      # seconds for the launcher to start


class Engine(Protocol):
    name: str

    def info(self) -> dict: ...

    def voices(self) -> list[dict]: ...

    def variants(self) -> list[str]: ...

    def check_voice(self, voice: Voice) -> None: ...

    def library_files(self) -> list[str]: ...

    def warm(self) -> contextlib.AbstractContextManager[None]: ...

    def synthesize(
        self,
        jobs: Sequence[SynthJob],
        workers: int = 0,
        on_done: Callable[[SynthJob], None] | None = None,
    ) -> None: ...


def _pyttsx3_version() -> str:
    from .dists import version  # here, not at the top: the launcher never needs it

    return version("pyttsx3")


_EARLY: _Launcher | None = None
_PRELOADED: dict | None = None   # the facts, once ``preload()`` loaded eSpeak into this process


def preload() -> None:
    """Load eSpeak and pyttsx3 into this process as the launcher does (no eSpeak init, so
    no thread starts): from then on a launcher is forked from this process, ready at once,
    instead of started as a new interpreter. The resident render process calls this."""
    global _PRELOADED
    if _PRELOADED is None:
        before = os.environ.get("ESPEAK_DATA_PATH")
        facts = _locate_espeak()             # sets ESPEAK_DATA_PATH, for this process's workers
        import pyttsx3  # noqa: F401
        import pyttsx3.drivers.espeak  # noqa: F401
        facts.update(_read_voices(facts["data"]))
        if before is None:                   # each forked launcher sets it again (_ForkedLauncher)
            os.environ.pop("ESPEAK_DATA_PATH", None)
        else:
            os.environ["ESPEAK_DATA_PATH"] = before
        _PRELOADED = facts


def start_early() -> None:
    """Start a launcher now, for the next ``warm()`` to adopt: the ``panelcast render``
    command calls this before importing the rest of panelcast, so the launcher's interpreter
    starts meanwhile. Unused, it ends when this process does (its stdin closes)."""
    global _EARLY
    if _EARLY is None:
        _EARLY = _Launcher(wait=False)


def get_engine(name: str = "pyttsx3", state_dir: str | os.PathLike | None = None) -> Engine:
    """Return the speech engine called ``name`` (see ``ENGINES``).

    ``state_dir``, when given, keeps what the engine learned about itself (versions, voices)
    between runs, so that a render with nothing to do need not start eSpeak at all.
    """
    if name == "pyttsx3":
        return Pyttsx3Engine(state_dir)
    raise ConfigError(f"unknown speech engine '{name}' (known: {', '.join(ENGINES)})")


# --------------------------------------------------------------------------- text chunks

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:)\]])\s+|\s+(?=[(\[])|\s+-+\s+")
_SPACE = re.compile(r"\s+")


def split_text(text: str, limit: int = CHUNK_BYTES) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` UTF-8 bytes.

    Cuts at sentence ends first, then at clause marks, then between words; a single word
    longer than ``limit`` is cut between characters.  Whitespace at the cuts is dropped.
    """
    text = text.strip()
    if not text:
        return []
    if _size(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        pieces.extend(_fit(sentence, limit, (_CLAUSE_END, _SPACE)))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and _size(chunks[-1]) + 1 + _size(piece) <= limit:
            chunks[-1] = f"{chunks[-1]} {piece}"
        else:
            chunks.append(piece)
    return chunks


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(text: str, limit: int, splitters: tuple[re.Pattern, ...]) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if _size(text) <= limit:
        return [text]
    if not splitters:
        out, cur = [], ""
        for ch in text:
            if _size(cur + ch) > limit:
                out.append(cur)
                cur = ""
            cur += ch
        return out + [cur] if cur else out
    out = []
    for part in splitters[0].split(text):
        out.extend(_fit(part, limit, splitters[1:]))
    return out


# --------------------------------------------------------------------------- the engine


class Pyttsx3Engine:
    """pyttsx3 with its espeak driver; eSpeak NG from the system, else from espeakng-loader."""

    name = "pyttsx3"

    def __init__(self, state_dir: str | os.PathLike | None = None) -> None:
        self._probe: dict | None = None
        self._names: set[str] | None = None
        self._variants: list[str] | None = None
        self._state_dir = state_dir
        self._warm: _Launcher | None = None

    @contextlib.contextmanager
    def warm(self) -> Iterator[None]:
        """Start the launcher process now, so that it is ready by the time ``synthesize`` needs
        it (its interpreter starts while the caller parses and plans); stop it on leaving if
        nothing used it."""
        global _EARLY
        self._warm, _EARLY = _EARLY or _Launcher(wait=False), None
        try:
            yield
        finally:
            launcher, self._warm = self._warm, None
            if launcher is not None:
                launcher.kill()

    def _launcher(self) -> _Launcher:
        """The warm launcher (once), else a new one."""
        launcher, self._warm = self._warm, None
        if launcher is None:
            return _Launcher()
        launcher.ready()
        return launcher

    # ---- facts about the engine (asked once, of the launcher; kept in state_dir)

    def library_files(self) -> list[str]:
        """The eSpeak libraries it may load, present or not: the system's (where the dynamic
        loader looks first), then espeakng-loader's. A change among them changes the voice."""
        import sysconfig

        import espeakng_loader

        arch = sysconfig.get_config_var("MULTIARCH") or ""
        folders = ("/usr/lib", "/usr/lib64", "/usr/local/lib", f"/usr/lib/{arch}", f"/lib/{arch}")
        return [*(os.path.join(d, _SYSTEM_LIBRARY) for d in folders), espeakng_loader.get_library_path()]

    def _facts_file(self) -> str | None:
        """Where the launcher's facts are kept: named after what could change them."""
        if self._state_dir is None:
            return None
        import hashlib

        parts = [_pyttsx3_version(), os.path.realpath(sys.executable), *self.library_files()]
        for path in parts[2:]:
            try:
                parts.append(str(os.stat(path).st_mtime_ns))
            except OSError:
                parts.append("-")
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]
        return os.path.join(self._state_dir, f"engine-{self.name}-{digest}.json")

    def _facts(self) -> dict:
        """What the launcher reports (versions, data folder, voices): kept in ``state_dir``."""
        if self._probe is None and _PRELOADED is not None:
            self._probe = _PRELOADED
        if self._probe is None:
            kept = self._facts_file()
            if kept:
                try:
                    with open(kept, encoding="utf-8") as fh:
                        self._probe = json.load(fh)
                    return self._probe
                except (OSError, ValueError):
                    pass
            if self._warm is not None:   # ask the warm launcher, and keep it for synthesis
                self._warm.ready()
                facts = self._warm.facts
            else:
                with _Launcher() as launcher:
                    facts = launcher.facts
            self._probe = facts
            if kept:
                from .fsutil import atomic_write_text

                atomic_write_text(kept, json.dumps(facts))
        return self._probe

    def info(self) -> dict:
        facts = self._facts()
        return {
            "engine": self.name,
            "engine_version": _pyttsx3_version(),
            "espeak_version": facts["espeak_version"],
            "espeak_library": facts["library"],
            "espeak_data": facts["data"],
            "source": facts["source"],
            "chunk_bytes": CHUNK_BYTES,
        }

    def voices(self) -> list[dict]:
        return [dict(v, languages=list(v["languages"])) for v in self._facts()["voices"]]

    def variants(self) -> list[str]:
        if self._variants is None:
            data = self._facts()["data"]
            folder = os.path.join(data, "voices", "!v") if data else ""
            self._variants = sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n))) \
                if folder and os.path.isdir(folder) else []
        return list(self._variants)

    def check_voice(self, voice: Voice) -> None:
        """Raise ``CastError`` unless eSpeak knows this voice and variant and the numbers fit.

        eSpeak silently falls back to a default for an unknown voice or variant, so both are
        checked here: the language part against the voice list (``en-us``, ``gmw/en-us``,
        case-insensitive) and the ``+variant`` part against the variant files (case-sensitive).
        """
        spec = voice.voice
        if not isinstance(spec, str) or not spec.strip():
            raise CastError(f"voice must be a non-empty string, not {spec!r}")
        lang, plus, variant = spec.strip().partition("+")
        names = self._voice_names()
        if lang.lower() not in names:
            raise CastError(f"unknown voice '{lang}'{_suggest(lang.lower(), names)}")
        if plus:
            variants = self.variants()
            if variant not in variants:
                raise CastError(
                    f"unknown voice variant '{variant}' in '{spec}'{_suggest(variant, variants)}"
                )
        _check_number("pitch", voice.pitch, PITCH_RANGE, integer=True)
        _check_number("rate", voice.rate, RATE_RANGE, integer=True)
        _check_number("volume", voice.volume, VOLUME_RANGE, integer=False)

    def _voice_names(self) -> set[str]:
        if self._names is None:
            names = set()
            for v in self._facts()["voices"]:
                names.add(v["id"].lower())
                names.add(v["id"].rsplit("/", 1)[-1].lower())
                names.update(lang.lower() for lang in v["languages"])
            self._names = names
        return self._names

    # ---- synthesis

    def synthesize(
        self,
        jobs: Sequence[SynthJob],
        workers: int = 0,
        on_done: Callable[[SynthJob], None] | None = None,
    ) -> None:
        """Speak each job into ``job.out_path`` (16-bit mono WAV), ``workers`` at a time.

        Each job runs in a fresh worker process; a job whose worker crashes or gives no
        audio is tried once more, then ``EngineError`` is raised.  ``on_done(job)`` is
        called in this thread as each job's file lands.  On any error or Ctrl-C all workers
        are killed and their temp files removed; files already finished stay.
        """
        jobs = list(jobs)
        for voice in dict.fromkeys(job.voice for job in jobs):
            self.check_voice(voice)
        workers = workers if workers > 0 else (os.cpu_count() or 1)
        crash_test = os.environ.get(_CRASH_TEST_ENV, "")
        chunks = [split_text(job.text) for job in jobs]
        pending: deque[tuple[int, int]] = deque()
        for i, job in enumerate(jobs):
            if chunks[i]:
                pending.append((i, 0))
            else:  # nothing to say: an empty WAV, no worker needed
                _write_wav_atomic(job.out_path, b"")
                if on_done:
                    on_done(job)
        if not pending:
            return
        ids = itertools.count()
        running: dict[int, _Run] = {}
        launcher = self._launcher()
        try:
            while pending or running:
                while pending and len(running) < workers:
                    index, attempt = pending.popleft()
                    job = jobs[index]
                    run_id = next(ids)
                    run = _Run(run_id, index, attempt, _temp_base(job.out_path, run_id),
                               len(chunks[index]))
                    run.deadline = time.monotonic() + _time_limit(job.text)
                    running[run.id] = run
                    launcher.start(run.id, {
                        "chunks": chunks[index],
                        "voice": job.voice.as_dict(),
                        "tmp": run.tmp,
                        "crash": _crash_signal(crash_test, attempt),
                    })
                for run_id, exit_code in launcher.poll(0.5):
                    run = running.pop(run_id)
                    job = jobs[run.index]
                    problem = _finish(run, job, exit_code)
                    if problem and run.killed:
                        problem = f"no answer after {_time_limit(job.text):.0f} s"
                    if problem is None:
                        if on_done:
                            on_done(job)
                    elif run.attempt == 0:
                        pending.appendleft((run.index, 1))
                    else:
                        raise EngineError(
                            f"speech engine failed twice on the text starting "
                            f"'{_first_words(job.text)}': {problem}"
                        )
                now = time.monotonic()
                for run in running.values():
                    if now > run.deadline and not run.killed:
                        launcher.kill_worker(run.id)
                        run.killed = True
            launcher.close()
        except BaseException:
            launcher.kill()
            for run in running.values():
                _remove(run.temp_files())
            raise


@dataclass
class _Run:
    """One worker speaking one job."""

    id: int
    index: int
    attempt: int
    tmp: str
    parts: int
    deadline: float = 0.0
    killed: bool = False

    def temp_files(self) -> list[str]:
        return [self.tmp + ".wav", self.tmp + ".err"] + [
            f"{self.tmp}.part{i}.wav" for i in range(self.parts)
        ]


def _crash_signal(mode: str, attempt: int) -> int:
    """The signal a worker sends itself under the test hook (0: none)."""
    if mode == "always" or (mode == "once" and attempt == 0):
        return int(signal.SIGSEGV)
    return int(signal.SIGSTOP) if mode == "hang" else 0


def _time_limit(text: str) -> float:
    """Seconds a worker may take (eSpeak speaks ~1,000x faster than real time)."""
    return 30 + 0.02 * len(text)


def _temp_base(out_path: str, n: int) -> str:
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    return os.path.join(out_dir, f".{os.path.basename(out_path)}.{os.getpid()}.{n}.tmp")


def _finish(run: _Run, job: SynthJob, exit_code: int) -> str | None:
    """Move a finished job's WAV into place; return what went wrong, or None."""
    wav = run.tmp + ".wav"
    try:
        if exit_code == 0 and os.path.getsize(wav) > 44:
            os.replace(wav, job.out_path)
            return None
        return _worker_error(run.tmp, exit_code)
    except OSError as err:
        return str(err)
    finally:
        _remove(run.temp_files())


def _worker_error(base: str, exit_code: int | None) -> str:
    """What a failed worker reported in ``<base>.err``, else how it ended."""
    if exit_code == _EXIT_FAILED:
        try:
            with open(base + ".err", encoding="utf-8", errors="replace") as fh:
                return fh.read().strip() or "unknown error"
        except OSError:
            pass
    return _describe_exit(exit_code)


def _check_number(name: str, value: object, bounds: tuple, integer: bool) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "a whole number" if integer else "a number"
        raise CastError(f"voice {name} must be {kind} from {bounds[0]} to {bounds[1]}, "
                        f"not {value!r}")
    if not bounds[0] <= value <= bounds[1]:
        raise CastError(f"voice {name} {value} is out of range {bounds[0]}-{bounds[1]}")


def _suggest(word: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _first_words(text: str, n: int = 8) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "worker did not finish"
    if code < 0:
        try:
            return f"worker killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"worker killed by signal {-code}"
    if code == 0:
        return "worker produced no audio"
    return f"worker exited with status {code}"


def _remove(paths: list[str]) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def _write_wav_atomic(path: str, pcm: bytes) -> None:
    from .fsutil import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        _write_wav(fh, pcm)


def _write_wav(fh, pcm: bytes) -> None:
    with wave.open(fh, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)


# --------------------------------------------------------------------------- the launcher


class _Launcher:
    """The caller's side of the launcher process (JSON lines over its stdin and stdout).

    Caller -> launcher: ``{"id": n, "spec": {...}}`` to fork a worker for one job.
    Launcher -> caller: ``{"ready": facts}`` once, then ``{"id": n, "pid": p}`` when a
    worker starts and ``{"id": n, "exit": code}`` when it ends (negative code: signal).
    """

    def __init__(self, wait: bool = True) -> None:
        """Start the launcher; with ``wait``, also wait until it is ready (else ``ready()`` does)."""
        if _PRELOADED is not None and threading.active_count() == 1:
            self._proc = _ForkedLauncher(_PRELOADED)
        else:
            package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (package_root, env.get("PYTHONPATH", "")) if p)
            self._proc = subprocess.Popen(
                [sys.executable, "-c", f"import {__name__} as m; m._launcher_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, cwd=package_root, start_new_session=True, close_fds=True,
            )
        self._buffer = b""
        self._messages: deque[dict] = deque()
        self._pids: dict[int, int] = {}
        self.facts: dict = {}
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait for the launcher's hello (once); on failure kill it and raise ``EngineError``."""
        if self.facts:
            return
        try:
            hello = self._read(_START_TIMEOUT)
            if hello is None or "ready" not in hello:
                error = (hello or {}).get("error", "no answer from the launcher process")
                raise EngineError(f"the speech engine could not start: {error}")
            self.facts = hello["ready"]
        except BaseException:
            self.kill()
            raise

    def __enter__(self) -> _Launcher:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.kill()

    def start(self, run_id: int, spec: dict) -> None:
        line = json.dumps({"id": run_id, "spec": spec}) + "\n"
        try:
            self._proc.stdin.write(line.encode("utf-8"))
            self._proc.stdin.flush()
        except OSError:
            raise EngineError("the speech engine's launcher process died") from None

    def poll(self, timeout: float) -> list[tuple[int, int]]:
        """Wait up to ``timeout`` s; return ``(id, exit code)`` of the workers that ended."""
        ended = []
        message = self._read(timeout)
        while message is not None:
            if "pid" in message:
                self._pids[message["id"]] = message["pid"]
            elif "exit" in message:
                self._pids.pop(message["id"], None)
                ended.append((message["id"], message["exit"]))
            message = self._read(0)
        return ended

    def wait_exit(self, run_id: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for rid, code in self.poll(max(0.0, deadline - time.monotonic())):
                if rid == run_id:
                    return code
        self.kill_worker(run_id)
        return None

    def kill_worker(self, run_id: int) -> None:
        pid = self._pids.get(run_id)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        """Let the launcher end by itself (it does once its stdin closes)."""
        try:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        else:
            self._proc.stdout.close()

    def kill(self) -> None:
        """Kill the launcher and every worker (one process group), and wait for them."""
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:  # a forked launcher that has not made its session yet (so has no workers)
                os.kill(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._proc.wait()
        deadline = time.monotonic() + 1.0
        try:  # learn of workers started since the last poll (their ids end with the pipe)
            while time.monotonic() < deadline:
                self.poll(0.05)
        except (EngineError, OSError, ValueError):  # EngineError: end of the pipe
            pass
        _wait_gone(list(self._pids.values()))
        for pipe in (self._proc.stdin, self._proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def _read(self, timeout: float) -> dict | None:
        """The next message, waiting up to ``timeout`` s; None if none came."""
        if self._messages:
            return self._messages.popleft()
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, left))
            if not ready:
                return None
            data = os.read(fd, 65536)
            if not data:
                raise EngineError("the speech engine's launcher process died")
            self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        self._messages.extend(json.loads(line) for line in lines if line.strip())
        return self._messages.popleft() if self._messages else None


class _ForkedLauncher:
    """A launcher forked from this process (``preload()`` has loaded eSpeak here), seen
    through the part of ``subprocess.Popen`` that ``_Launcher`` uses. It starts in a session
    of its own, with only its two pipes and /dev/null open, like a started one."""

    def __init__(self, facts: dict) -> None:
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                os.dup2(to_child, 0)
                os.dup2(from_child, 1)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.closerange(3, 65536)
                if facts.get("source") == "espeakng-loader":
                    os.environ["ESPEAK_DATA_PATH"] = facts["data"]
                _serve_jobs(facts)
            finally:
                os._exit(1)
        os.close(to_child)
        os.close(from_child)
        self.pid = pid
        self.stdin = open(from_parent, "wb")
        self.stdout = open(to_parent, "rb")
        self._status: int | None = None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG if deadline is not None else 0)
            if pid:
                self._status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["launcher"], timeout)
            else:
                time.sleep(0.002)
        return self._status


def _wait_gone(pids: list[int], timeout: float = 2.0) -> None:
    """Wait until processes (not our children) are dead or zombies."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                    state = fh.read().rsplit(")", 1)[-1].split()[0]
            except OSError:
                break
            if state in ("Z", "X"):
                break
            time.sleep(0.005)


# --------------------------------------------------------------------------- launcher side


def _launcher_main() -> None:
    """Run in the launcher process: load eSpeak (no init), then fork a worker per job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        facts = _locate_espeak()
        import pyttsx3  # noqa: F401  (loaded once here, inherited by every worker)
        import pyttsx3.drivers.espeak  # noqa: F401
        facts.update(_read_voices(facts["data"]))
    except BaseException as err:
        _send({"error": f"{type(err).__name__}: {err}"})
        os._exit(1)
    _serve_jobs(facts)


def _serve_jobs(facts: dict) -> None:
    """The launcher's loop: say hello with ``facts``, then fork a worker per job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _send({"ready": facts})
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: dict[int, int] = {}
    buffer = b""
    stdin_open = True
    while stdin_open or children:
        watch = [wake_r] + ([0] if stdin_open else [])
        ready, _, _ = select.select(watch, [], [], 1.0)
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 4096):
                        break
                except BlockingIOError:
                    break
        if 0 in ready:
            data = os.read(0, 1 << 16)
            if not data:  # the caller is done (or gone): stop every worker
                stdin_open = False
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.close(wake_r)
                    os.close(wake_w)
                    _worker_main(request["spec"])  # never returns
                children[pid] = request["id"]
                _send({"id": request["id"], "pid": pid})
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            run_id = children.pop(pid, None)
            if run_id is not None:
                _send({"id": run_id, "exit": os.waitstatus_to_exitcode(status)})
    os._exit(0)


def _read_voices(data: str | None) -> dict:
    """eSpeak's version, data folder and voices, read here without initialising eSpeak (so
    no thread starts and the launcher stays safe to fork).

    Setting a voice makes eSpeak read every voice file (some 300 files) the first time; done
    here, each worker inherits the list instead of reading them again (about 2.5 ms of CPU a
    unit). The list is the same for every worker, so the audio does not change.
    """
    from pyttsx3.drivers import _espeak

    init_path = _espeak.dll.espeak_ng_InitializePath   # eSpeak NG (1.49 and later)
    init_path.argtypes = [ctypes.c_char_p]
    init_path(data.encode() if data else None)
    path = ctypes.c_char_p()
    facts = {"espeak_version": _espeak.Info(ctypes.byref(path)).decode()}
    if path.value:
        facts["data"] = os.path.abspath(path.value.decode())
    facts["voices"] = sorted(_list_voices(_espeak), key=lambda v: v["id"])
    return facts


def _send(message: dict) -> None:
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(1, data):]


def _locate_espeak() -> dict:
    """Load libespeak-ng (the system's, else espeakng-loader's) before pyttsx3 looks for it."""
    try:
        ctypes.CDLL(_SYSTEM_LIBRARY, mode=ctypes.RTLD_GLOBAL)
        return {"library": _loaded_path(_SYSTEM_LIBRARY), "data": None, "source": "system"}
    except OSError:
        pass
    import espeakng_loader

    folder = os.path.dirname(espeakng_loader.get_library_path())
    library = os.path.join(folder, _SYSTEM_LIBRARY)
    data = espeakng_loader.get_data_path()
    os.environ["ESPEAK_DATA_PATH"] = data
    ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    return {"library": library, "data": data, "source": "espeakng-loader"}


def _loaded_path(soname: str) -> str:
    with open("/proc/self/maps", encoding="utf-8") as fh:
        for line in fh:
            path = line.split(None, 5)[-1].strip()
            if os.path.basename(path).startswith(soname):
                return path
    return soname


# --------------------------------------------------------------------------- worker side


def _worker_main(spec: dict) -> None:
    """Run in a forked worker: do one job, then leave without the interpreter's exit."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    code = 0
    try:
        if spec["crash"]:
            os.kill(os.getpid(), spec["crash"])
        pcm = _speak(spec["chunks"], spec["voice"], spec["tmp"])
        with open(spec["tmp"] + ".wav", "wb") as fh:
            _write_wav(fh, pcm)
    except BaseException as err:
        code = _EXIT_FAILED
        try:
            with open(spec["tmp"] + ".err", "w", encoding="utf-8") as fh:
                fh.write(f"{type(err).__name__}: {err}")
        except OSError:
            pass
    os._exit(code)


def _new_pyttsx3():
    import pyttsx3

    return pyttsx3.init("espeak")


def _list_voices(_espeak) -> list[dict]:
    voices = []
    for v in _espeak.ListVoices(None):
        voices.append({
            "id": v.identifier.decode("utf-8").lower(),
            "name": v.name.decode("utf-8"),
            "languages": _languages(v, _espeak.VOICE),
            "gender": {1: "male", 2: "female"}.get(v.gender),
        })
    return voices


def _languages(v, voice_type) -> list[str]:
    """All languages of an espeak_VOICE (priority byte + NUL-ended name, repeated)."""
    address = ctypes.c_void_p.from_address(
        ctypes.addressof(v) + voice_type.languages.offset).value
    languages = []
    while address and ctypes.string_at(address, 1) != b"\0":
        language = ctypes.string_at(address + 1)
        languages.append(language.decode("utf-8", "replace"))
        address += len(language) + 2
    return languages


def _speak(chunks: list[str], voice: dict, tmp: str) -> bytes | bytearray:
    """Speak ``chunks`` one utterance at a time; return the joined 16-bit PCM."""
    from pyttsx3.drivers import _espeak

    engine = _new_pyttsx3()
    driver = engine.proxy._driver  # pyttsx3's EspeakDriver (pinned: pyttsx3 2.99)
    fixed = not os.environ.get(_STOCK_DRIVER_ENV)
    if fixed:
        driver.__class__ = _fixed_driver(type(driver))
        driver._data_buffer = b""
    finished = threading.Event()
    outcome: dict = {}

    def on_finished(name=None, completed=True):
        outcome["completed"] = completed
        finished.set()

    def on_error(name=None, exception=None):
        outcome["error"] = exception

    engine.connect("finished-utterance", on_finished)
    engine.connect("error", on_error)
    _fix_random_seed(_espeak)
    # Settings go to eSpeak now, not queued for runAndWait: there the driver calls stop(),
    # which cancels (and so drops, or rolls back) settings eSpeak's thread has not applied
    # yet.  Wait for eSpeak's queue to drain around them so nothing is still in flight.
    _wait_idle(_espeak)
    for name in ("voice", "rate", "volume", "pitch"):
        driver.setProperty(name, voice[name])
    _wait_idle(_espeak)
    pcm = []
    for i, chunk in enumerate(chunks):
        part = os.devnull if fixed else f"{tmp}.part{i}.wav"   # the fixed driver keeps the audio
        finished.clear()
        outcome.clear()
        engine.save_to_file(chunk, part)
        engine.runAndWait()
        if driver._stopping:  # stop() found eSpeak busy and cancelled: audio not trustworthy
            raise RuntimeError("eSpeak was cancelled while busy")
        if "error" in outcome:
            raise RuntimeError(f"pyttsx3: {outcome['error']}")
        if not finished.wait(60 + len(chunk) / 10):
            raise RuntimeError("eSpeak did not finish the utterance")
        _wait_idle(_espeak)  # the driver reports "finished" before eSpeak is idle
        if not outcome.get("completed"):
            raise RuntimeError("eSpeak cancelled the utterance")
        if fixed:
            frames = driver.__dict__.get("_saved", b"")     # no copy: the driver is done with it
        else:
            with wave.open(part, "rb") as w:
                if (w.getnchannels(), w.getsampwidth()) != (1, 2):
                    raise RuntimeError("eSpeak gave audio that is not 16-bit mono")
                frames = w.readframes(w.getnframes())
            os.remove(part)
        if not frames:
            raise RuntimeError("eSpeak gave no audio")
        pcm.append(frames)
    return pcm[0] if len(pcm) == 1 else b"".join(pcm)


def _fixed_driver(base: type) -> type:
    """pyttsx3's espeak driver with three costs removed, and eSpeak's phoneme input on.

    - Text between ``[[`` and ``]]`` is read as eSpeak phoneme mnemonics (``espeak-ng``'s
      command line does the same): a pronunciation lexicon can give a word's exact phonemes.
      Elsewhere what it says is unchanged.

    - Its audio buffer is a ``bytearray``. The driver adds each second of audio to a
      ``bytes`` object (``buffer += chunk``), which copies everything so far every time: a
      one-minute paragraph copies about 80 MB into fresh memory, and the page faults cost
      more system time than eSpeak's own work.
    - The buffer it writes to the WAV file is kept (as ``_saved``) when the driver clears it
      at the utterance's end, so the worker takes the audio from memory and the driver
      writes to /dev/null: no file written and read back per utterance. (The driver clears
      the buffer right after writing it, so ``_saved`` is exactly what the file would hold.)
    - Its loop wakes when the utterance ends. ``startLoop`` sleeps 10 ms between looks at
      its flag, so every job waited 5 ms on average (10 ms for a short one) after eSpeak
      had finished. Here it waits on an event that ``endLoop`` sets, still looking at least
      every 10 ms (``iterate`` handles a ``stop()``).
    """

    class FixedDriver(base):
        @property
        def _data_buffer(self):
            return self.__dict__["_audio"]

        @_data_buffer.setter
        def _data_buffer(self, value):
            if self.__dict__.get("_audio"):
                self.__dict__["_saved"] = self.__dict__["_audio"]
            self.__dict__["_audio"] = value if isinstance(value, bytearray) else bytearray(value)

        def _start_synthesis(self, text):
            from pyttsx3.drivers import _espeak

            self.__dict__["_audio"] = bytearray()     # whatever came after the last end is not kept
            self.__dict__.pop("_saved", None)
            self._proxy.setBusy(True)
            self._proxy.notify("started-utterance")
            self._speaking = True
            try:                                      # the driver's call, plus [[...]] phoneme input
                _espeak.Synth(str(text).encode("utf-8"),
                              flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8 | _espeak.PHONEMES)
            except Exception as e:
                self._proxy.setBusy(False)
                self._proxy.notify("error", exception=e)
                raise

        def startLoop(self):
            wake = self.__dict__.setdefault("_wake", threading.Event())
            wake.clear()
            self._looping = True
            self._proxy.setBusy(False)
            if self._text_to_say:
                self._start_synthesis(self._text_to_say)
            while self._looping:
                self.iterate()
                wake.wait(0.01)

        def endLoop(self):
            self._looping = False
            wake = self.__dict__.get("_wake")
            if wake is not None:
                wake.set()

    return FixedDriver


def _fix_random_seed(_espeak) -> None:
    """Seed eSpeak's noise generators (breathy variants such as f3 and f5 use them).

    eSpeak NG 1.52 seeds its generator from the clock in ``espeak_ng_Initialize``, so the
    same text would differ from one second to the next; older versions use libc ``rand()``.
    """
    seed = getattr(_espeak.dll, "espeak_ng_SetRandSeed", None)
    if seed is not None:
        seed.argtypes = [ctypes.c_long]
        seed(1)
    ctypes.CDLL(None).srand(1)


def _wait_idle(_espeak, timeout: float = 30.0) -> None:
    """Wait until eSpeak's command queue is empty (``espeak_IsPlaying`` false)."""
    deadline = time.monotonic() + timeout
    while _espeak.IsPlaying():
        if time.monotonic() > deadline:
            raise RuntimeError("eSpeak stayed busy")
        time.sleep(0.0005)
