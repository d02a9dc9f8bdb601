#!/usr/bin/env python3
"""Benchmark a 6-transcript catalogue three ways, in one run, each with an empty cache:

    .venv/bin/python benchmarks/bench_batch.py [--lines 24]

- loop: a shell loop of `panelcast render` (one command per transcript, resident process off);
- local: `panelcast batch` on this machine (a process per episode, one per core);
- cluster: `panelcast batch --scheduler` on a `distributed.LocalCluster` of 2 worker processes
  (1 thread each), started before the clock starts (its start-up is reported apart).

The transcripts are the first ``--lines`` lines of six English corpus transcripts. It also
measures the scheduler's own cost per task: as many no-op tasks as the batch has units, submitted
and gathered on the same cluster. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
PANELCAST = [sys.executable, "-m", "pipeline"]


def catalogue(folder: Path, lines: int) -> list[Path]:
    from pipeline.errors import PanelcastError
    from pipeline.transcript import parse

    folder.mkdir(parents=True)
    chosen = []
    for source in sorted(CORPUS.iterdir()):
        if source.suffix not in (".txt", ".md", ".jsonl") or ".zh." in source.name:
            continue
        target = folder / source.name
        target.write_text("".join(source.read_text(encoding="utf-8").splitlines(True)[:lines]), encoding="utf-8")
        try:
            if len(parse(target).speakers) < 2:
                raise ValueError
        except (PanelcastError, ValueError):
            target.unlink()
            continue
        chosen.append(target)
        if len(chosen) == 6:
            break
    return chosen


def timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def noop(x):
    return x


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=24)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    base = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    env = dict(os.environ, PANELCAST_DAEMON="off")
    try:
        files = catalogue(base / "in", args.lines)
        out: dict = {"transcripts": [f.name for f in files], "cores": os.cpu_count()}

        loop_env = dict(env, PANELCAST_CACHE=str(base / "cache-loop"))
        started = time.perf_counter()
        for f in files:
            subprocess.run([*PANELCAST, "render", str(f), "-o", str(base / "loop" / f"{f.stem}.mp3"), "-q"],
                           env=loop_env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out["loop_s"] = round(time.perf_counter() - started, 2)

        out["local_s"] = round(timed([*PANELCAST, "batch", str(base / "in"), "-o", str(base / "local"), "-q"],
                                     dict(env, PANELCAST_CACHE=str(base / "cache-local"))), 2)
        record = json.loads((base / "local" / "batch.json").read_text())
        units = sum(e["units"] for e in record["episodes"])
        out["units"] = units
        out["audio_s"] = round(sum(e["duration_s"] for e in record["episodes"]), 1)
        out["failed"] = record["failed"]

        started = time.perf_counter()
        with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
            out["cluster_start_s"] = round(time.perf_counter() - started, 2)
            out["cluster_s"] = round(timed([*PANELCAST, "batch", str(base / "in"), "-o", str(base / "cluster"), "-q",
                                            "--scheduler", cluster.scheduler_address],
                                           dict(env, PANELCAST_CACHE=str(base / "cache-cluster"))), 2)
            with Client(cluster.scheduler_address) as client:
                client.gather(client.map(noop, range(4), pure=False))          # warm
                started = time.perf_counter()
                client.gather(client.map(noop, range(units), pure=False))
                out["scheduler_overhead_ms_per_task"] = round((time.perf_counter() - started) / units * 1000, 2)
        same = all((base / "local" / f"{f.stem}.mp3").read_bytes() == (base / "cluster" / f"{f.stem}.mp3").read_bytes()
                   == (base / "loop" / f"{f.stem}.mp3").read_bytes() for f in files)
        out["byte_identical"] = same
        out["local_vs_loop"] = round(out["loop_s"] / out["local_s"], 2)
        out["cluster_vs_loop"] = round(out["loop_s"] / out["cluster_s"], 2)
        out["cluster_worker_s_per_unit"] = round(out["cluster_s"] * 2 / units, 3)
        out["local_core_s_per_unit"] = round(out["local_s"] * (os.cpu_count() or 1) / units, 3)
        print(json.dumps(out, indent=1))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
