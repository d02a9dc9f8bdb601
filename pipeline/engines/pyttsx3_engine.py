"""The pyttsx3 engine: pyttsx3's eSpeak NG driver, run in throw-away worker processes.

This is the only module that imports pyttsx3.

The launcher (``_launcher_main``, see ``launcher.py``) loads libespeak-ng, imports pyttsx3
and reads eSpeak's voice list (reporting versions and voices in its first message), but
never initialises eSpeak, so it stays single-threaded and safe to fork. Every worker
initialises eSpeak and speaks one text. eSpeak is initialised once per process
(re-initialising hangs), and the worker skips the interpreter's exit (eSpeak's thread can
hang it).

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
import json
import os
import signal
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator, Sequence

from ..errors import CastError
from ..model import SynthJob, Voice
from . import launcher as _launch
from .launcher import CHUNK_BYTES, ForkedLauncher, Launcher, NoLauncher, check_number, run_jobs, split_text, suggest

SAMPLE_RATE = 22050       # what the espeak driver writes
PITCH_RANGE = (0, 100)
RATE_RANGE = (80, 450)
VOLUME_RANGE = (0.0, 1.0)

_SYSTEM_LIBRARY = "libespeak-ng.so.1"
_STOCK_DRIVER_ENV = "PANELCAST_TTS_STOCK_DRIVER"  # set: pyttsx3's driver as it is, without _fixed_driver's
                                                 # changes (the benchmark's baseline runs it as other tools do)


def _pyttsx3_version() -> str:
    from ..dists import version  # here, not at the top: the launcher never needs it

    return version("pyttsx3")


_EARLY: Launcher | None = None
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
        if before is None:                   # each forked launcher sets it again (_forked)
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
        _EARLY = _new_launcher(wait=False)


# --------------------------------------------------------------------------- the engine


class Pyttsx3Engine:
    """pyttsx3 with its espeak driver; eSpeak NG from the system, else from espeakng-loader."""

    name = "pyttsx3"

    def __init__(self, state_dir: str | os.PathLike | None = None, voice_dirs: Sequence[str] = ()) -> None:
        # voice_dirs: not used (eSpeak's voices come with eSpeak)
        self._probe: dict | None = None
        self._names: set[str] | None = None
        self._variants: list[str] | None = None
        self._state_dir = state_dir
        self._warm: Launcher | None = None

    @contextlib.contextmanager
    def warm(self) -> Iterator[None]:
        """Start the launcher process now, so that it is ready by the time ``synthesize`` needs
        it (its interpreter starts while the caller parses and plans); stop it on leaving if
        nothing used it."""
        global _EARLY
        self._warm, _EARLY = _EARLY or _new_launcher(wait=False), None
        try:
            yield
        finally:
            launcher, self._warm = self._warm, None
            if launcher is not None:
                launcher.kill()

    def _launcher(self) -> Launcher:
        """The warm launcher (once), else a new one."""
        launcher, self._warm = self._warm, None
        if launcher is None:
            return _new_launcher()
        launcher.ready()
        return launcher

    # ---- facts about the engine (asked once, of the launcher; kept in state_dir)

    def sentence_pause_ms(self, voice: Voice) -> None:
        """None: eSpeak pauses at the sentence ends of a run of sentences itself."""
        return None

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
                from ..fsutil import read_sealed_json, write_sealed_json

                self._probe = read_sealed_json(kept)     # None: missing, damaged or edited
                if self._probe is not None:
                    return self._probe
            if self._warm is not None:   # ask the warm launcher, and keep it for synthesis
                self._warm.ready()
                facts = self._warm.facts
            else:
                with _new_launcher() as launcher:
                    facts = launcher.facts
            self._probe = facts
            if kept:
                write_sealed_json(kept, facts)
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

    def identity(self, voice: Voice | None = None) -> dict:
        """What of the engine goes into a unit's synth key (the same for every eSpeak voice:
        the voice itself is keyed separately)."""
        info = self.info()
        return {k: info[k] for k in ("engine", "engine_version", "espeak_version", "chunk_bytes")}

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
            raise CastError(f"unknown voice '{lang}'{suggest(lang.lower(), names)}")
        if plus:
            variants = self.variants()
            if variant not in variants:
                raise CastError(
                    f"unknown voice variant '{variant}' in '{spec}'{suggest(variant, variants)}"
                )
        check_number("pitch", voice.pitch, PITCH_RANGE, integer=True)
        check_number("rate", voice.rate, RATE_RANGE, integer=True)
        check_number("volume", voice.volume, VOLUME_RANGE, integer=False)

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
        if not jobs:
            return

        def spec(job: SynthJob) -> dict:
            return {"chunks": split_text(job.text), "voice": job.voice.as_dict(), "rate": SAMPLE_RATE}

        launcher = self._launcher() if any(job.text.strip() for job in jobs) else NoLauncher()
        run_jobs(launcher, jobs, spec, workers, on_done, _time_limit)


def _new_launcher(wait: bool = True) -> Launcher:
    """A launcher: forked from this process when ``preload()`` loaded eSpeak here (and no
    other thread runs), else a fresh interpreter."""
    fork = _forked if _PRELOADED is not None and _launch.can_fork() else None
    return Launcher(__name__, wait, fork=fork)


def _forked() -> ForkedLauncher:
    facts = _PRELOADED

    def serve() -> None:
        if facts.get("source") == "espeakng-loader":
            os.environ["ESPEAK_DATA_PATH"] = facts["data"]
        _launch.serve_jobs(facts, _work)

    return ForkedLauncher(serve)


def _work(spec: dict) -> tuple[bytes, int]:
    """A worker's job: speak the chunks in the voice; the PCM at eSpeak's rate."""
    return _speak(spec["chunks"], spec["voice"], spec["tmp"]), SAMPLE_RATE


def _time_limit(text: str) -> float:
    """Seconds a worker may take (eSpeak speaks ~1,000x faster than real time)."""
    return 30 + 0.02 * len(text)



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
        _launch.send({"error": f"{type(err).__name__}: {err}"})
        os._exit(1)
    _launch.serve_jobs(facts, _work)




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
Engine = Pyttsx3Engine
