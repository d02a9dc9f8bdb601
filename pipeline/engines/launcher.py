"""The machinery every speech engine shares: a launcher process that forks workers for jobs.

Worker design.  An engine starts one *launcher* process (``python -c`` running its module's
``_launcher_main``) in its own session.  The launcher loads the engine's libraries (and, for a
neural engine, its models) once, reports what it found in its first message, and for every job
forks a fresh worker, which speaks that one text into a WAV file and ends with ``os._exit``
(or, for an engine whose output cannot depend on what a process spoke before, hands the job to
a worker it keeps: ``serve_jobs(keep=True)``, Piper). Hence:

- an engine crash cannot take down the caller;
- every job starts from the same engine state, so the same text in the same voice gives the
  same WAV bytes whatever ran before it (eSpeak keeps state between utterances);
- workers' output never reaches the caller's terminal, and terminal Ctrl-C reaches only the
  caller, which then kills the launcher's whole process group.

``multiprocessing`` is not used: its spawn and forkserver children re-import the caller's
``__main__``, and its fork start method is unsafe in a threaded caller.

``run_jobs`` is the caller's side: it hands jobs to the launcher, at most ``workers`` at a
time, retries a job whose worker crashed once, kills workers that overrun their time limit,
and moves each finished WAV into place.
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import CastError, EngineError
from ..model import SynthJob

CHUNK_BYTES = 2000        # longest UTF-8 text handed to eSpeak in one utterance

# Test hook: make workers crash (SIGSEGV) "always" or "once" (first try only), or "hang"
# (SIGSTOP, so the caller's time limit has to kill them).
CRASH_TEST_ENV = "PANELCAST_TTS_CRASH_TEST"
EXIT_FAILED = 3            # a worker's exit status when it wrote its error to ``<tmp>.err``
START_TIMEOUT = 60.0       # seconds for the launcher to start


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


# --------------------------------------------------------------------------- the caller's side


def run_jobs(
    launcher: Launcher,
    jobs: Sequence[SynthJob],
    spec: Callable[[SynthJob], dict],
    workers: int,
    on_done: Callable[[SynthJob], None] | None,
    time_limit: Callable[[str], float],
) -> None:
    """Speak each job into ``job.out_path``, ``workers`` at a time, through ``launcher``.

    ``spec(job)`` is what the launcher's worker needs for the job (JSON); an empty job text
    gives an empty WAV at ``spec(job)["rate"]`` without a worker. Each job runs in a fresh
    worker; a job whose worker crashes, overruns ``time_limit(text)`` or gives no audio is
    tried once more, then ``EngineError`` is raised. ``on_done(job)`` is called in this thread
    as each job's file lands. On any error or Ctrl-C all workers are killed and their temp
    files removed; files already finished stay. The launcher is closed (or killed) at the end.
    """
    jobs = list(jobs)
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    crash_test = os.environ.get(CRASH_TEST_ENV, "")
    specs: list[dict | None] = []
    pending: deque[tuple[int, int]] = deque()
    for i, job in enumerate(jobs):
        if job.text.strip():
            specs.append(spec(job))
            pending.append((i, 0))
        else:  # nothing to say: an empty WAV, no worker needed
            specs.append(None)
            write_wav_atomic(job.out_path, b"", spec(job).get("rate", 22050))
            if on_done:
                on_done(job)
    running: dict[int, _Run] = {}
    ids = itertools.count()
    try:
        while pending or running:
            while pending and len(running) < workers:
                index, attempt = pending.popleft()
                job = jobs[index]
                run_id = next(ids)
                run = _Run(run_id, index, attempt, _temp_base(job.out_path, run_id),
                           len(specs[index].get("chunks", ())))
                run.deadline = time.monotonic() + time_limit(job.text)
                running[run.id] = run
                launcher.start(run.id, dict(specs[index], tmp=run.tmp,
                                            crash=_crash_signal(crash_test, attempt)))
            for run_id, exit_code in launcher.poll(0.5):
                run = running.pop(run_id)
                job = jobs[run.index]
                problem = _finish(run, job, exit_code)
                if problem and run.killed:
                    problem = f"no answer after {time_limit(job.text):.0f} s"
                if problem is None:
                    if on_done:
                        on_done(job)
                elif run.attempt == 0:
                    pending.appendleft((run.index, 1))
                else:
                    raise EngineError(
                        f"speech engine failed twice on the text starting "
                        f"'{first_words(job.text)}': {problem}"
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
    if exit_code == EXIT_FAILED:
        try:
            with open(base + ".err", encoding="utf-8", errors="replace") as fh:
                return fh.read().strip() or "unknown error"
        except OSError:
            pass
    return _describe_exit(exit_code)


def check_number(name: str, value: object, bounds: tuple, integer: bool) -> None:
    """Raise ``CastError`` unless ``value`` is a number (whole with ``integer``) within ``bounds``."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "a whole number" if integer else "a number"
        raise CastError(f"voice {name} must be {kind} from {bounds[0]} to {bounds[1]}, "
                        f"not {value!r}")
    if not bounds[0] <= value <= bounds[1]:
        raise CastError(f"voice {name} {value} is out of range {bounds[0]}-{bounds[1]}")


def suggest(word: str, known) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known``, else ``""``."""
    import difflib

    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def first_words(text: str, n: int = 8) -> str:
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


def write_wav_atomic(path: str, pcm: bytes, rate: int) -> None:
    from ..fsutil import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        write_wav(fh, pcm, rate)


def write_wav(fh, pcm: bytes, rate: int) -> None:
    """16-bit mono PCM as a WAV file at ``rate`` Hz."""
    with wave.open(fh, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


# --------------------------------------------------------------------------- the launcher


class Launcher:
    """The caller's side of the launcher process (JSON lines over its stdin and stdout).

    Caller -> launcher: ``{"id": n, "spec": {...}}`` to fork a worker for one job, or another
    request the engine's launcher understands (``request``).
    Launcher -> caller: ``{"ready": facts}`` once, then ``{"id": n, "pid": p}`` when a
    worker starts and ``{"id": n, "exit": code}`` when it ends (negative code: signal), and
    ``{"reply": n, ...}`` for other requests.

    ``module`` names the engine module whose ``_launcher_main()`` a fresh interpreter runs;
    ``fork``, when given, makes the launcher process instead (see ``ForkedLauncher``).
    """

    def __init__(self, module: str, wait: bool = True,
                 fork: Callable[[], ForkedLauncher] | None = None) -> None:
        """Start the launcher; with ``wait``, also wait until it is ready (else ``ready()`` does)."""
        if fork is not None:
            self._proc = fork()
        else:
            package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (package_root, env.get("PYTHONPATH", "")) if p)
            self._proc = subprocess.Popen(
                [sys.executable, "-c", f"import {module} as m; m._launcher_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, cwd=package_root, start_new_session=True, close_fds=True,
            )
        self._buffer = b""
        self._messages: deque[dict] = deque()
        self._pids: dict[int, int] = {}
        self._replies: dict[int, dict] = {}
        self._ended: list[tuple[int, int]] = []
        self._requests = itertools.count()
        self.facts: dict = {}
        if wait:
            self.ready()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def ready(self) -> None:
        """Wait for the launcher's hello (once); on failure kill it and raise ``EngineError``."""
        if self.facts:
            return
        try:
            hello = self._read(START_TIMEOUT)
            if hello is None or "ready" not in hello:
                error = (hello or {}).get("error", "no answer from the launcher process")
                raise EngineError(f"the speech engine could not start: {error}")
            self.facts = hello["ready"]
        except BaseException:
            self.kill()
            raise

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.kill()

    def _write(self, message: dict) -> None:
        try:
            self._proc.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self._proc.stdin.flush()
        except OSError:
            raise EngineError("the speech engine's launcher process died") from None

    def start(self, run_id: int, spec: dict) -> None:
        self._write({"id": run_id, "spec": spec})

    def send(self, request: dict) -> int:
        """Send an engine-specific request; its answer comes with ``reply(n)``."""
        n = next(self._requests)
        self._write({"request": n, **request})
        return n

    def reply(self, n: int, timeout: float = START_TIMEOUT) -> dict:
        """The launcher's answer to request ``n`` (waiting for it); ``EngineError`` if none."""
        deadline = time.monotonic() + timeout
        while n not in self._replies:
            message = self._read(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise EngineError("no answer from the speech engine's launcher process")
            self._handle(message)
        return self._replies.pop(n)

    def poll(self, timeout: float) -> list[tuple[int, int]]:
        """Wait up to ``timeout`` s; return ``(id, exit code)`` of the workers that ended."""
        message = self._read(0 if self._ended else timeout)
        while message is not None:
            self._handle(message)
            message = self._read(0)
        ended, self._ended = self._ended, []
        return ended

    def _handle(self, message: dict) -> None:
        if "pid" in message:
            self._pids[message["id"]] = message["pid"]
        elif "exit" in message:
            self._pids.pop(message["id"], None)
            self._ended.append((message["id"], message["exit"]))
        elif "reply" in message:
            self._replies[message["reply"]] = message

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

    def release(self) -> None:
        """Close this process's ends of the pipes, leaving the launcher to whoever else has them
        (a forked child); it ends when they close theirs."""
        for pipe in (self._proc.stdin, self._proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass

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


class NoLauncher:
    """Stands in for a launcher when every job is empty (no worker is needed)."""

    def close(self) -> None:
        pass

    def kill(self) -> None:
        pass


class ForkedLauncher:
    """A launcher forked from this process (which has loaded the engine already), seen
    through the part of ``subprocess.Popen`` that ``Launcher`` uses. It starts in a session
    of its own, with only its two pipes and /dev/null open, like a started one, and runs
    ``serve()`` there."""

    def __init__(self, serve: Callable[[], None]) -> None:
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
                serve()
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


def can_fork() -> bool:
    """Whether forking a launcher from this process is safe (no other thread runs)."""
    return threading.active_count() == 1


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


def serve_jobs(facts: dict, work: Callable[[dict], tuple[bytes, int]],
               answer: Callable[[dict], dict] | None = None,
               before_fork: Callable[[dict], None] | None = None,
               keep: bool = False, prepare: Callable[[], None] | None = None) -> None:
    """The launcher's loop: say hello with ``facts``, then fork a worker per job.

    A worker runs ``work(spec)`` (16-bit mono PCM and its rate) and writes ``<tmp>.wav``.
    Other requests are answered by ``answer(request)`` here in the launcher; a reply with
    ``"changed": true`` says the launcher's state changed (kept workers forked before are let go).
    ``before_fork(spec)`` runs in the launcher before each fork.

    With ``keep``, a worker outlives its job and takes the next one (``_Kept``): no fork per
    job, and the memory the engine wrote in the last job is the worker's own, not copied page by
    page from the launcher's again. Only for an engine whose output does not depend on what the
    process spoke before. The caller sees no difference: a job still has a worker pid (to kill
    when it overruns) and an exit code (the worker's answer, or how it died). The request
    ``{"prefork": true}`` forks a kept worker now, which runs ``prepare()`` before it takes
    jobs (a resident process readies its next render's first worker while nobody waits); jobs
    go to other workers until it is prepared, and the request is answered then.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    send({"ready": facts})
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: dict[int, int | None] = {}      # pid -> the job it runs (None: a kept worker, idle;
                                               # _DYING, _PREPARING: a kept worker with no job)
    kept: dict[int, _Kept] = {}
    preforks: dict[int, int] = {}              # a preparing worker's pid -> the request to answer when ready
    generation = 0                             # bumped when a request changed the launcher's state:
    born: dict[int, int] = {}                  # a kept worker forked before lacks it, and is let go
    buffer = b""
    stdin_open = True

    def fork_worker(spec: dict | None, prepared: bool = False) -> int:
        """A worker for one job (or, with ``keep``, a kept worker given its first job, or
        ``prepared`` and idle)."""
        ends = _Kept.pipes() if keep else None
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in [wake_r, wake_w] + [fd for worker in kept.values() for fd in worker.fds()]:
                os.close(fd)
            if ends is None:
                _worker_main(spec, work)  # never returns
            _Kept.serve(ends, work, prepare if prepared else None)       # never returns
        if ends is not None:
            kept[pid] = _Kept.parent_side(ends)
            born[pid] = generation
        return pid

    def start(request: dict) -> None:
        spec = request["spec"]
        for pid, worker in list(kept.items()):
            if children.get(pid, 0) is None:
                if born[pid] != generation:
                    os.kill(pid, signal.SIGKILL)
                    children[pid] = _DYING
                elif worker.give(spec):
                    children[pid] = request["id"]
                    send({"id": request["id"], "pid": pid})
                    return
                children[pid] = _DYING        # its pipe is broken: it is dying; reaped below
        if before_fork is not None:
            before_fork(spec)
        pid = fork_worker(spec)
        if pid in kept:
            kept[pid].give(spec)
        children[pid] = request["id"]
        send({"id": request["id"], "pid": pid})

    while stdin_open or children:
        watch = [wake_r] + ([0] if stdin_open else []) + [w.done_r for w in kept.values()]
        ready, _, _ = select.select(watch, [], [], 1.0)
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 4096):
                        break
                except BlockingIOError:
                    break
        for pid, worker in list(kept.items()):
            if worker.done_r in ready:
                for code in worker.answers():        # a job's exit code, or _PREPARED
                    if code == _PREPARED and pid in preforks:
                        send({"reply": preforks.pop(pid), "prepared": pid})
                    run_id, children[pid] = children.get(pid), None
                    if run_id is not None and run_id >= 0 and code != _PREPARED:
                        send({"id": run_id, "exit": code})
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
                if request.get("prefork") and keep:
                    pid = fork_worker(None, prepared=True)
                    children[pid] = _PREPARING        # given jobs once it says it is prepared
                    preforks[pid] = request["request"]
                    continue
                if "request" in request:
                    try:
                        reply = answer(request) if answer else {"error": "unknown request"}
                    except Exception as err:  # the caller turns it into an error naming the file
                        reply = {"error": f"{type(err).__name__}: {err}"}
                    if reply.pop("changed", False):    # e.g. a model loaded: workers from before lack it
                        generation += 1
                    send({"reply": request["request"], **reply})
                    continue
                start(request)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            run_id = children.pop(pid, None)
            born.pop(pid, None)
            if pid in preforks:
                send({"reply": preforks.pop(pid), "error": f"the prepared worker died ({status})"})
            worker = kept.pop(pid, None)
            if worker is not None:
                worker.close()
            if run_id is not None and run_id >= 0:
                send({"id": run_id, "exit": os.waitstatus_to_exitcode(status)})
    os._exit(0)


_DYING = -1         # in serve_jobs' children: a kept worker that is being let go
_PREPARING = -2     # ... a kept worker still in prepare(): jobs go to others meanwhile
_PREPARED = -3      # what a kept worker answers when prepare() is done


class _Kept:
    """A kept worker, seen from the launcher: a pipe that gives it jobs (one JSON line each)
    and a pipe on which it answers each with its exit code (one line)."""

    def __init__(self, jobs_w: int, done_r: int) -> None:
        self.jobs_w = jobs_w
        self.done_r = done_r
        self._buffer = b""

    @staticmethod
    def pipes() -> tuple[int, int, int, int]:
        jobs_r, jobs_w = os.pipe()
        done_r, done_w = os.pipe()
        return jobs_r, jobs_w, done_r, done_w

    @classmethod
    def parent_side(cls, ends: tuple[int, int, int, int]) -> _Kept:
        jobs_r, jobs_w, done_r, done_w = ends
        os.close(jobs_r)
        os.close(done_w)
        os.set_blocking(done_r, False)
        return cls(jobs_w, done_r)

    def fds(self) -> list[int]:
        return [self.jobs_w, self.done_r]

    def give(self, spec: dict) -> bool:
        """Hand it a job; False if it is gone (its pipe is broken)."""
        data = (json.dumps(spec) + "\n").encode("utf-8")
        try:
            while data:
                data = data[os.write(self.jobs_w, data):]
        except OSError:
            return False
        return True

    def answers(self) -> list[int]:
        """The exit codes it has sent since the last call."""
        try:
            self._buffer += os.read(self.done_r, 4096)
        except (BlockingIOError, OSError):
            pass
        *lines, self._buffer = self._buffer.split(b"\n")
        return [int(line) for line in lines if line.strip()]

    def close(self) -> None:
        for fd in self.fds():
            with contextlib.suppress(OSError):
                os.close(fd)

    @staticmethod
    def serve(ends: tuple[int, int, int, int], work: Callable[[dict], tuple[bytes, int]],
              prepare: Callable[[], None] | None = None) -> None:
        """Run in the kept worker: ``prepare()``, then do each job it is given, answer its code;
        end when the launcher closes the pipe (or kills it)."""
        jobs_r, jobs_w, done_r, done_w = ends
        os.close(jobs_w)
        os.close(done_r)
        _quiet()
        if prepare is not None:
            with contextlib.suppress(Exception):     # a job then runs as in any other worker
                prepare()
            os.write(done_w, f"{_PREPARED}\n".encode("ascii"))
        with os.fdopen(jobs_r, "rb") as jobs:
            for line in jobs:
                code = _do_job(json.loads(line), work)
                os.write(done_w, f"{code}\n".encode("ascii"))
        os._exit(0)


def send(message: dict) -> None:
    """Write one message to the caller (the launcher's stdout)."""
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(1, data):]


def _worker_main(spec: dict, work: Callable[[dict], tuple[bytes, int]]) -> None:
    """Run in a forked worker: do one job, then leave without the interpreter's exit."""
    _quiet()
    os._exit(_do_job(spec, work))


def _quiet() -> None:
    """A worker's standard streams go to /dev/null."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _do_job(spec: dict, work: Callable[[dict], tuple[bytes, int]]) -> int:
    """Speak one job into ``<tmp>.wav``; 0, or ``EXIT_FAILED`` with the error in ``<tmp>.err``."""
    try:
        if spec["crash"]:
            os.kill(os.getpid(), spec["crash"])
        pcm, rate = work(spec)
        with open(spec["tmp"] + ".wav", "wb") as fh:
            write_wav(fh, pcm, rate)
    except BaseException as err:
        try:
            with open(spec["tmp"] + ".err", "w", encoding="utf-8") as fh:
                fh.write(f"{type(err).__name__}: {err}")
        except OSError:
            pass
        return EXIT_FAILED
    return 0
