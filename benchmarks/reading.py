#!/usr/bin/env python3
"""What reading the text costs: normalizing the seed against a cold render of it.

    .venv/bin/python benchmarks/reading.py [--seed PATH] [--repeat N]

In one run:

- import: importing ``pipeline.speech`` (which imports the normalizer) plus num2words, in a fresh
  process (num2words is imported on first use, so only text with numbers pays it);
- normalize (first): ``spoken_text`` over every paragraph of the seed, in that fresh process,
  memo empty (this pays num2words' import);
- normalize (warm): the same with ``spoken_text``'s memo and the number-word memos cleared, the
  median over ``--repeat`` runs;
- cold render: ``panelcast render`` with an empty ``--cache-dir`` and PANELCAST_DAEMON=off, wall
  clock from process start to exit, the median over ``--repeat`` runs.

Each is given as wall clock and as CPU time (the render's own and its workers'): on a machine
busy with other work the CPU ratio is the steadier one.  It prints the ratios
normalize / cold render.  This is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEED = REPO.parent / "shared" / "seed" / "000_113eec2d62c53610.txt"

# Run in a fresh process: import costs, then normalization of every paragraph, first and warm.
_MEASURE = r"""
import json, sys, time
def clocks():
    return time.perf_counter(), time.process_time()
def since(start):
    return [b - a for a, b in zip(start, clocks())]
started = clocks()
from pipeline import speech
from pipeline.normalize import words
imported = since(started)
paragraphs = [p for p in open(sys.argv[1], encoding="utf-8").read().split("\n") if p.strip()]
started = clocks()
for p in paragraphs:
    speech.spoken_text(p)
first = since(started)
warm = []
for _ in range(int(sys.argv[2])):
    speech.spoken_text.cache_clear()
    for memo in (words.cardinal, words.ordinal, words.year):
        memo.cache_clear()
    started = clocks()
    for p in paragraphs:
        speech.spoken_text(p)
    warm.append(since(started))
print(json.dumps({"import": imported, "first": first, "warm": warm, "paragraphs": len(paragraphs),
                  "characters": sum(map(len, paragraphs))}))
"""


def normalization(seed: Path, repeat: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(seed), str(repeat)], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def cold_render(seed: Path) -> tuple[float, float]:
    """(wall clock, CPU of the render and all its worker processes), in seconds."""
    env = dict(os.environ, PANELCAST_DAEMON="off")
    panelcast = Path(sys.executable).with_name("panelcast")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(panelcast), "render", str(seed), "-o", f"{tmp}/seed.mp3", "--cache-dir", f"{tmp}/cache", "-q"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = normalization(args.seed, max(1, args.repeat))
    renders = [cold_render(args.seed) for _ in range(max(1, args.repeat))]
    print(f"seed: {n['paragraphs']} paragraphs, {n['characters']} characters; wall clock / CPU, "
          f"medians of {len(renders)}")
    rows = {"import pipeline.speech + normalizer": n["import"],
            "normalize, first (pays num2words' import)": n["first"],
            "normalize, memos cleared": [statistics.median(w[i] for w in n["warm"]) for i in (0, 1)],
            "cold render": [statistics.median(r[i] for r in renders) for i in (0, 1)]}
    for name, (wall, cpu) in rows.items():
        print(f"{name:42} {wall * 1000:8.1f} ms {cpu * 1000:8.1f} ms")
    render = rows["cold render"]
    for name in ("normalize, first (pays num2words' import)", "normalize, memos cleared"):
        wall, cpu = rows[name]
        print(f"ratio {name} / cold render: wall {wall / render[0]:.2%}, CPU {cpu / render[1]:.2%}")


if __name__ == "__main__":
    main()
