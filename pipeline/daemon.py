"""The resident render process: ``panelcast render`` without start-up costs.

A render that runs in its own process spends about a quarter of a second before and around
its real work: the interpreter starts, click, YAML, numpy, the audio libraries and the
pipeline are imported, and the speech launcher (a second interpreter) starts and loads
eSpeak. After an edit the real work is a sentence or two, so that overhead is most of the
wait. Hence, once a render has finished in its own process, that process stays: it forks
itself into a *resident render process* that keeps everything imported, loads eSpeak too,
and listens on a local socket. The next ``panelcast render`` (``run``) hands it its command
line, environment, working folder and terminal, and the resident process forks a child that
runs the command exactly as the CLI would, writing straight to the caller's terminal.

- **Same result.** The child runs the same code on the same files with the caller's
  environment, working folder and umask; the speech launcher is forked from it with eSpeak
  loaded but not initialised, as a started launcher is. The bytes written are the same
  (tested).
- **Same code.** The socket's name is derived from a stamp of panelcast's source files, the
  folders its libraries are installed in, the interpreter and the environment variables
  that change a render (``key``). Any change sends renders to a new resident process; the
  old one notices within seconds and ends.
- **Same control.** Ctrl-C and other signals sent to the command are passed to the child;
  when the command dies (``kill -9``) the resident process kills the child (its launcher
  and workers stop when their pipe closes), so nothing keeps rendering. The exit code is
  the child's.
- **Only the same user.** Linux abstract sockets have no file permissions, so both sides
  check the other's user id (``SO_PEERCRED``); nothing is served to another user.
- **Never in the way.** When there is no resident process, or it cannot take the command,
  or anything about the exchange fails before the child starts, the command runs in its
  own process as before. It ends after ``PANELCAST_DAEMON_IDLE`` seconds without work
  (default 600), and ``PANELCAST_DAEMON=off`` turns it off. Linux only.

This module imports only the standard library at the top: the caller's side runs before
anything else is loaded.
"""

from __future__ import annotations

import json
import os
import sys

import _socket  # not ``socket``: importing that costs the command some 3 ms (enum conversions)

SWITCH_ENV = "PANELCAST_DAEMON"         # "off" (or 0, no, false): every render in its own process
IDLE_ENV = "PANELCAST_DAEMON_IDLE"      # seconds without work before the resident process ends
DEFAULT_IDLE = 600.0
CHECK_SECONDS = 3.0                     # how often an idle resident process checks its code is current
START_SECONDS = 10.0                    # the longest a command waits for its child to start
PROTOCOL = 1
# Environment variables that change what a render does or finds, beyond what the command
# line says (the receipt's list, and the ones that choose the encoder and text encodings).
KEY_ENV = ("PANELCAST_CACHE", "XDG_CACHE_HOME", "HOME", "PATH", "PYTHONPATH", "ESPEAK_DATA_PATH",
           "LD_LIBRARY_PATH", "PANELCAST_FFMPEG", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING",
           "PYTHONUTF8", "TZ")
_LIBRARY_FOLDERS = ("/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib")
_CRED_SIZE = 12                         # struct ucred: pid, uid, gid (3 ints)


def enabled() -> bool:
    """Whether renders may use (and leave) a resident process here."""
    if not sys.platform.startswith("linux") or not hasattr(_socket, "SO_PEERCRED"):
        return False
    return os.environ.get(SWITCH_ENV, "on").strip().lower() not in ("off", "0", "no", "false")


def key() -> str:
    """What the resident process must share with the command: panelcast's source files, the
    folders its libraries live in (installing or upgrading changes their times), the system's
    library folders (a new eSpeak), the interpreter, and ``KEY_ENV``."""
    from .receipt import PACKAGE_DIR, output_stamp, sha256, source_stamps

    stamps = [sys.executable, sys.version, os.getuid(), PACKAGE_DIR,
              {name: os.environ.get(name) for name in KEY_ENV}, *source_stamps()]
    folders = [f for f in sys.path if "-packages" in f]
    multiarch = getattr(sys.implementation, "_multiarch", "")
    folders += [*_LIBRARY_FOLDERS, *(f"{d}/{multiarch}" for d in _LIBRARY_FOLDERS if multiarch)]
    stamps.extend([f, output_stamp(f)] for f in folders)
    return sha256(json.dumps(stamps).encode()).hexdigest()[:32]


def address(code_key: str) -> str:
    """The socket's name in Linux's abstract namespace (no file to leave behind)."""
    return f"\0panelcast-{os.getuid()}-{code_key}"


# --------------------------------------------------------------------------- the command's side


def run(argv: list[str], code_key: str) -> int | None:
    """Run the command ``argv`` in the resident process; its exit code, or None when there is
    none to take it (the caller then runs the command itself)."""
    conn = _connect(code_key)
    if conn is None:
        return None
    try:
        try:
            cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return None
        try:
            _send_request(conn, {"argv": argv, "env": dict(os.environ), "umask": _umask()}, [0, 1, 2, cwd])
        except OSError:
            return None
        finally:
            os.close(cwd)
        replies = _Lines(conn)
        conn.settimeout(START_SECONDS)       # a resident process still loading answers within this
        started = replies.next()
        if not started or "pid" not in started:
            return None                      # nothing was started (or nothing here will wait for it)
        conn.settimeout(None)
        return _wait_child(replies, started["pid"])
    finally:
        conn.close()


def ask(code_key: str, command: str) -> dict | None:
    """Send ``command`` ("status" or "stop") to the resident process; its answer, or None."""
    conn = _connect(code_key)
    if conn is None:
        return None
    try:
        _send_request(conn, {"command": command}, [])
        return _Lines(conn).next()
    except OSError:
        return None
    finally:
        conn.close()


def _connect(code_key: str) -> _socket.socket | None:
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(address(code_key))
        if _peer_uid(conn) != os.getuid():   # someone else holds the name: never talk to it
            raise OSError("not our process")
    except OSError:
        conn.close()
        return None
    return conn


def _peer_uid(conn: _socket.socket) -> int:
    cred = conn.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, _CRED_SIZE)
    return int.from_bytes(cred[4:8], sys.byteorder)


def _send_request(conn: _socket.socket, request: dict, fds: list[int]) -> None:
    data = json.dumps({"protocol": PROTOCOL, **request}).encode("utf-8")
    message = len(data).to_bytes(4, "big") + data
    rights = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS,
               b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds))] if fds else []
    sent = conn.sendmsg([message], rights)
    while sent < len(message):
        sent += conn.send(message[sent:])


class _Lines:
    """JSON lines read from a socket (the resident process's replies)."""

    def __init__(self, conn: _socket.socket) -> None:
        self.conn, self.buffer = conn, b""

    def next(self) -> dict | None:
        try:
            while b"\n" not in self.buffer:
                data = self.conn.recv(4096)
                if not data:
                    return None
                self.buffer += data
            line, self.buffer = self.buffer.split(b"\n", 1)
            return json.loads(line)
        except (OSError, ValueError):
            return None


def _wait_child(replies: _Lines, pid: int) -> int:
    """Pass signals on to the child until the resident process reports its exit code."""
    import signal

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    ended = replies.next()
    if not ended or "exit" not in ended:
        sys.stderr.write("Error: the resident render process ended before the render did\n")
        return 1
    code = int(ended["exit"])
    if code < 0:                             # the child died of a signal: so does the command
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- the resident side


def stay(code_key: str) -> None:
    """Called by a render that finished in its own process (everything it needs is imported):
    fork this process into the resident render process, unless one already answers to
    ``code_key``. Returns at once in this process."""
    import threading
    import time

    if not enabled():
        return
    deadline = time.monotonic() + 0.5        # background threads of the render finish their work
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.002)
    if threading.active_count() > 1:
        return                               # forking now could copy a lock some thread holds
    listener = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        listener.bind(address(code_key))
        listener.listen(16)
    except OSError:                          # another resident process has the name
        listener.close()
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid:
        listener.close()
        return
    try:                                     # the resident process: detach from the command
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        keep = listener.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, 65536)
        os.chdir("/")
        _Resident(listener, code_key).serve()
    finally:
        os._exit(0)


def _preload() -> None:
    """Everything a render loads, whatever the command that left this process had loaded."""
    import PIL  # noqa: F401  (the cover's cache key names its version)

    from . import assemble, chapters, cli, render, sidecars, tags  # noqa: F401
    from .engines import piper_engine, pyttsx3_engine

    assemble._load_audio_libraries()
    pyttsx3_engine.preload()                 # eSpeak and pyttsx3, for launchers forked from here
    piper_engine.keep_warm()                 # a Piper launcher (its own process) with the models loaded


def _forget() -> None:
    """Drop what a finished render remembered from its environment (found tools, installed
    versions): each served command finds them again in its own."""
    from . import dists, tools

    tools.ffmpeg.cache_clear()
    tools.ffprobe.cache_clear()
    dists._dist_infos.cache_clear()


class _Resident:
    """The resident process: one child per command, supervised from one thread."""

    def __init__(self, listener: _socket.socket, code_key: str) -> None:
        import time

        self.listener, self.key = listener, code_key
        self.children: dict[int, _socket.socket] = {}  # child pid -> the command's connection
        self.abandoned: set[int] = set()                # children whose command is gone
        self.started, self.served = time.time(), 0
        self.idle = _idle_seconds()
        self.stopping = False

    def serve(self) -> None:
        import gc
        import select
        import signal
        import time

        _preload()
        _forget()
        gc.collect()
        gc.freeze()                          # shared with children, never copied
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        self.wake = (wake_r, wake_w)
        last_work = last_check = time.monotonic()
        while True:
            now = time.monotonic()
            if not self.children:
                if self.stopping or now - last_work >= self.idle:
                    return
                if now - last_check >= CHECK_SECONDS:
                    last_check = now
                    if key() != self.key:    # panelcast or its libraries changed: make way
                        return
            watched = [wake_r, *(c for p, c in self.children.items() if p not in self.abandoned)]
            if not self.stopping:
                watched.append(self.listener)
            timeout = None if self.children else max(0.0, min(CHECK_SECONDS, last_work + self.idle - now))
            ready, _, _ = select.select(watched, [], [], timeout)
            if wake_r in ready:
                _drain(wake_r)
            self._reap()
            for conn in ready:
                if conn is not self.listener and conn is not wake_r:
                    self._hangup(conn)
            if self.listener in ready:
                self._accept()
            last_work = time.monotonic() if self.children else last_work

    def _accept(self) -> None:
        try:
            fd, _ = self.listener._accept()
        except OSError:
            return
        conn = _socket.socket(fileno=fd)
        fds: list[int] = []
        try:
            if _peer_uid(conn) != os.getuid():
                raise OSError("another user")
            conn.settimeout(5.0)
            request, fds = _receive_request(conn)
            if "command" in request:
                self._command(conn, request["command"])
                return
            argv, env, umask = request["argv"], request["env"], int(request["umask"])
            if len(fds) != 4 or not isinstance(argv, list) or not isinstance(env, dict):
                raise ValueError("bad request")
            pid = os.fork()
            if pid == 0:
                self._child(conn, argv, env, umask, fds)   # never returns
            from .engines import piper_engine

            piper_engine.hand_off()          # the child has the warm Piper launcher; start another
            try:
                os.setpgid(pid, pid)         # the child does it too: whichever runs first
            except OSError:
                pass
            self.children[pid] = conn
            self.served += 1
            started, conn = conn, None       # the child's now: closed when it is reaped
            try:
                started.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            except OSError:                  # the command is gone already
                self._hangup(started)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        finally:
            for fd in fds:
                os.close(fd)
            if conn is not None:
                conn.close()

    def _command(self, conn: _socket.socket, command: str) -> None:
        if command == "stop":
            self.stopping = True
        answer = {"pid": os.getpid(), "started": self.started, "served": self.served,
                  "running": len(self.children), "idle_seconds": self.idle, "key": self.key,
                  "stopping": self.stopping}
        conn.sendall(json.dumps(answer).encode() + b"\n")
        conn.close()

    def _child(self, conn: _socket.socket, argv: list, env: dict, umask: int, fds: list[int]) -> None:
        """In the forked child: become the command (its terminal, folder, environment), run it."""
        import signal

        code = 1
        try:
            os.setpgid(0, 0)
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for sock in (self.listener, conn, *self.children.values()):
                sock.close()
            for fd in self.wake:
                os.close(fd)
            for target, fd in enumerate(fds[:3]):
                os.dup2(fd, target)
            os.fchdir(fds[3])
            for fd in fds:
                os.close(fd)
            os.umask(umask)
            os.environ.clear()
            os.environ.update(env)
            _standard_streams()
            code = _run_cli(argv)
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)

    def _hangup(self, conn: _socket.socket) -> None:
        """The command's connection became readable: it ended (or broke the protocol), so its
        child is killed (with its process group)."""
        import signal

        for pid, c in self.children.items():
            if c is conn and pid not in self.abandoned:
                self.abandoned.add(pid)
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            self.abandoned.discard(pid)
            if conn is None:
                continue
            try:
                conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
            except OSError:
                pass
            conn.close()


def _receive_request(conn: _socket.socket) -> tuple[dict, list[int]]:
    data, ancillary, _flags, _addr = conn.recvmsg(1 << 16, _socket.CMSG_SPACE(8 * 4))
    fds = []
    for level, kind, payload in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds += [int.from_bytes(payload[i:i + 4], sys.byteorder, signed=True)
                    for i in range(0, len(payload) - len(payload) % 4, 4)]
    try:
        if len(data) < 4:
            raise ValueError("short request")
        size = int.from_bytes(data[:4], "big")
        body = bytearray(data[4:])
        while len(body) < size:
            more = conn.recv(size - len(body))
            if not more:
                raise ValueError("short request")
            body += more
        request = json.loads(bytes(body[:size]))
        if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
            raise ValueError("another protocol")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return request, fds


def _standard_streams() -> None:
    """New ``sys.stdin/stdout/stderr`` on the command's descriptors, buffered as the
    interpreter would buffer them."""
    import io

    encoding = sys.stdout.encoding if sys.stdout else "utf-8"

    def stream(fd: int, mode: str, errors: str, line: bool):
        try:
            raw = open(fd, mode + "b", buffering=0, closefd=False)
        except OSError:
            return None
        buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, line_buffering=line)

    sys.stdin = stream(0, "r", "strict", False)
    sys.stdout = stream(1, "w", "strict", os.isatty(1))
    sys.stderr = stream(2, "w", "backslashreplace", True)


def _run_cli(argv: list[str]) -> int:
    """The command's exit code, as the interpreter would give it."""
    import traceback

    from .cli import main as cli_main

    sys.argv = ["panelcast", *argv]
    try:
        cli_main(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _drain(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 4096):
                return
        except BlockingIOError:
            return


def _idle_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(IDLE_ENV, DEFAULT_IDLE)))
    except ValueError:
        return DEFAULT_IDLE
