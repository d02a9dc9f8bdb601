"""Measure the Piper palette (voices/piper.yaml) from real synthesized audio.

Every palette voice (the narrator and the speakers, derived from the bundled joe voice) speaks
the fixed English paragraph ``voicepitch.PALETTE_TEXT`` through the Piper engine; the script
prints each voice's median pitch (``pitch.median_pitch_hz``), its distance in semitones from the
voice below it, and its pace in words per minute. ``--write`` stores the measured pitches as
the palette's ``hz`` values. ``--try=SEMITONES:RATE,...`` measures candidate voices instead.

    .venv/bin/python benchmarks/piper_voices.py            # measure, check the 1.5-semitone rule
    .venv/bin/python benchmarks/piper_voices.py --write    # ... and update voices/piper.yaml

Exit status 1 when two speakers next to each other in pitch are less than 1.5 semitones apart.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.cast import PIPER_PALETTE_PATH, PaletteVoice, load_palette  # noqa: E402
from pipeline.engines import get_engine  # noqa: E402
from pipeline.pitch import semitones  # noqa: E402
from pipeline.voicepitch import PALETTE_TEXT, measure_speech  # noqa: E402

MIN_APART = 1.5   # semitones between speakers next to each other in pitch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the measured hz in voices/piper.yaml")
    parser.add_argument("--try", dest="candidates", metavar="SEMITONES:RATE,...",
                        help="measure these joe variants instead of the palette")
    args = parser.parse_args()

    palette = load_palette(PIPER_PALETTE_PATH)
    if args.candidates:
        voices = [PaletteVoice(voice=palette.narrator.voice, engine="piper", semitones=float(st), rate=int(rate))
                  for st, rate in (c.split(":") for c in args.candidates.split(","))]
        names = [f"try {i}" for i in range(len(voices))]
    else:
        voices = [palette.narrator, *palette.speakers]
        names = ["narrator", *(f"speaker {i}" for i in range(len(palette.speakers)))]
    engine = get_engine("piper", voice_dirs=())
    started = time.monotonic()
    measured = measure_speech(engine, [v.as_voice() for v in voices], PALETTE_TEXT)
    words = len(PALETTE_TEXT.split())
    print(f"{len(voices)} voices, {sum(m.seconds for m in measured):.1f} s of speech in "
          f"{time.monotonic() - started:.1f} s; paragraph of {words} words")
    print(f"{'voice':10} {'semitones':>9} {'rate':>5} {'hz':>7} {'stored':>7} {'wpm':>5}")
    for name, v, m in zip(names, voices, measured):
        print(f"{name:10} {v.semitones:+9.2f} {v.rate:5d} {m.hz:7.1f} {v.hz:7.1f} {words * 60 / m.seconds:5.0f}")

    ok = True
    speakers = sorted(zip(names, measured), key=lambda item: item[1].hz)
    speakers = [(n, m) for n, m in speakers if n != "narrator"]
    for (low, a), (high, b) in zip(speakers, speakers[1:]):
        apart = semitones(a.hz, b.hz)
        flag = "" if apart >= MIN_APART else f"  < {MIN_APART}"
        ok = ok and apart >= MIN_APART and not math.isnan(apart)
        print(f"{low} -> {high}: {apart:+.2f} semitones{flag}")
    if args.write and not args.candidates:
        _write_hz(PIPER_PALETTE_PATH, [m.hz for m in measured])
        print(f"wrote {PIPER_PALETTE_PATH}")
    return 0 if ok else 1


def _write_hz(path: Path, values: list[float]) -> None:
    """Replace the ``hz:`` of each voice line in order (narrator first), keeping the comments."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    it = iter(values)
    for i, line in enumerate(lines):
        if re.search(r"\bhz:\s*[0-9.]+", line):
            lines[i] = re.sub(r"\bhz:\s*[0-9.]+", f"hz: {next(it):.1f}", line)
    path.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
