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

It prints each and the ratio normalize / cold render.  This is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
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
started = time.perf_counter()
from pipeline import speech
from pipeline.normalize import words
imported = time.perf_counter() - started
paragraphs = [p for p in open(sys.argv[1], encoding="utf-8").read().split("\n") if p.strip()]
started = time.perf_counter()
for p in paragraphs:
    speech.spoken_text(p)
first = time.perf_counter() - started
warm = []
for _ in range(int(sys.argv[2])):
    speech.spoken_text.cache_clear()
    for memo in (words.cardinal, words.ordinal, words.year):
        memo.cache_clear()
    started = time.perf_counter()
    for p in paragraphs:
        speech.spoken_text(p)
    warm.append(time.perf_counter() - started)
print(json.dumps({"import": imported, "first": first, "warm": warm, "paragraphs": len(paragraphs),
                  "characters": sum(map(len, paragraphs))}))
"""


def normalization(seed: Path, repeat: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(seed), str(repeat)], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def cold_render(seed: Path) -> float:
    env = dict(os.environ, PANELCAST_DAEMON="off")
    panelcast = Path(sys.executable).with_name("panelcast")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(panelcast), "render", str(seed), "-o", f"{tmp}/seed.mp3", "--cache-dir", f"{tmp}/cache", "-q"]
        started = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = normalization(args.seed, max(1, args.repeat))
    renders = [cold_render(args.seed) for _ in range(max(1, args.repeat))]
    render = statistics.median(renders)
    warm = statistics.median(n["warm"])
    print(f"seed: {n['paragraphs']} paragraphs, {n['characters']} characters")
    print(f"import pipeline.speech + normalizer: {n['import'] * 1000:7.1f} ms")
    print(f"normalize, first (num2words import): {n['first'] * 1000:7.1f} ms")
    print(f"normalize, warm (memos cleared):     {warm * 1000:7.1f} ms  (runs: "
          + ", ".join(f"{w * 1000:.1f}" for w in n["warm"]) + ")")
    print(f"cold render (median of {len(renders)}):        {render * 1000:7.0f} ms  (runs: "
          + ", ".join(f"{r:.2f} s" for r in renders) + ")")
    print(f"ratio normalize/cold render: first {n['first'] / render:.2%}, warm {warm / render:.2%}, "
          f"first + import {(n['first'] + n['import']) / render:.2%}")


if __name__ == "__main__":
    main()
