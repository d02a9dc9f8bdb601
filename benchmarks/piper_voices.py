"""Measure the Piper palette (voices/piper.yaml) from real synthesized audio.

Every palette voice (the narrator and the speakers, derived from the bundled joe voice) speaks
the fixed English paragraph ``voicepitch.PALETTE_TEXT`` through the Piper engine; the script
prints each voice's median pitch (``pitch.median_pitch_hz``), its distance in semitones from the
voice below it, and its pace in words per minute. ``--write`` stores the measured pitches as
the palette's ``hz`` values. ``--try=SEMITONES:RATE,...`` measures candidate voices instead.
``--transcript PATH`` renders a transcript with ``--engine piper`` (a cache of its own, in a
temporary folder) and prints each speaker's voice and the median pitch of all its speech in the
decoded MP3.

    .venv/bin/python benchmarks/piper_voices.py            # measure, check the 1.5-semitone rule
    .venv/bin/python benchmarks/piper_voices.py --write    # ... and update voices/piper.yaml
    .venv/bin/python benchmarks/piper_voices.py --transcript ../shared/seed/000_113eec2d62c53610.txt

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
    parser.add_argument("--transcript", type=Path, help="render it with Piper, measure each speaker")
    args = parser.parse_args()
    if args.transcript:
        return _transcript(args.transcript)

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


def _transcript(path: Path) -> int:
    """Render ``path`` with Piper and measure each speaker's speech in the decoded episode."""
    import tempfile

    import numpy as np

    from pipeline.cast import NARRATOR
    from pipeline.render import Options, render
    from pipeline.tools import run_ffmpeg

    rate = 22050
    with tempfile.TemporaryDirectory(prefix="panelcast-piper-voices-") as tmp:
        started = time.monotonic()
        result = render(path, Options(output=Path(tmp) / "episode.mp3", cache_root=str(Path(tmp) / "cache"),
                                      engine="piper"))
        print(f"rendered {path.name} in {time.monotonic() - started:.0f} s: "
              f"{result.timeline.duration_ms / 60000:.1f} minutes")
        pcm = run_ffmpeg(["-i", str(result.output), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"], "the episode")
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    parts: dict[str, list] = {}
    for seg in result.timeline.segments:
        parts.setdefault(seg.speaker, []).append(audio[seg.start_ms * rate // 1000: seg.end_ms * rate // 1000])
    voices = {s.unit.speaker: s.unit.voice for s in result.statuses if s.unit.voice}
    from pipeline.pitch import median_pitch_hz

    hz = {}
    for name, chunks in parts.items():
        speech = np.concatenate(chunks)
        hz[name] = median_pitch_hz(speech, rate)
        v = voices[name]
        print(f"{name:20} {v.voice} {v.semitones:+.1f} semitones rate {v.rate}: {hz[name]:.1f} Hz "
              f"({len(speech) / rate:.0f} s of speech)")
    names = sorted((n for n in hz if n != NARRATOR), key=hz.get)
    for low, high in zip(names, names[1:]):
        print(f"{low} -> {high}: {semitones(hz[low], hz[high]):+.2f} semitones")
    return 0


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
