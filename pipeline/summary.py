"""What ``panelcast inspect`` shows: speakers, turns, cast and (estimated) chapters."""

from __future__ import annotations

from .cast import NARRATOR
from .language import name as language_name, words as count_words
from .render import Prepared

WORDS_PER_MINUTE_FALLBACK = 170


def voice_label(voice: dict) -> str:
    """One voice as ``inspect`` shows it: eSpeak's voice, pitch and rate; a Piper voice's model,
    speaker, pitch shift and rate."""
    if voice.get("engine", "pyttsx3") == "pyttsx3":
        return f"{voice['voice']} pitch {voice['pitch']} rate {voice['rate']}"
    speaker = f" speaker {voice['speaker']}" if voice.get("speaker") is not None else ""
    return (f"{voice['engine']} {voice['voice']}{speaker} {voice['semitones']:+g} semitones "
            f"rate {voice['rate']}")


def estimate_starts_ms(prepared: Prepared) -> list[int]:
    """Estimated start of each unit, from word counts and voice rates (before rendering)."""
    starts, t = [], 0
    for unit in prepared.plan.units:
        starts.append(t)
        rate = unit.voice.rate if unit.voice else WORDS_PER_MINUTE_FALLBACK
        t += round(count_words(unit.spoken) * 60000 / rate) + unit.pause_ms
    return starts


def spoken_paragraphs(prepared: Prepared) -> list[tuple[tuple[str, int | None, str], list[tuple[str, str]]]]:
    """Per block (intro, each turn, outro): its paragraphs as (written, spoken), each the
    paragraph's units joined by a space (units are handed to the engine one by one)."""
    blocks: list = []
    last = None
    for unit in prepared.plan.units:
        if unit.kind == "jingle":
            continue
        block = (unit.kind, unit.turn, unit.speaker)
        paragraph = unit.ident.rsplit(":", 1)[0]          # "turn:3:1:0" -> "turn:3:1"
        if block != (blocks[-1][0] if blocks else None):
            blocks.append((block, []))
            last = None
        paragraphs = blocks[-1][1]
        if paragraph == last:
            written, said = paragraphs[-1]
            paragraphs[-1] = (f"{written} {unit.text}", f"{said} {unit.spoken}")
        else:
            paragraphs.append((unit.text, unit.spoken))
            last = paragraph
    return blocks


def describe(prepared: Prepared) -> dict:
    script = prepared.script
    turns: dict[str, int] = {}
    words: dict[str, int] = {}
    for turn in script.turns:
        turns[turn.speaker] = turns.get(turn.speaker, 0) + 1
        words[turn.speaker] = words.get(turn.speaker, 0) + sum(count_words(p) for p in turn.paragraphs)
    starts = estimate_starts_ms(prepared)
    spoken = {turn: "\n\n".join(p for _, p in paragraphs) for (kind, turn, _), paragraphs in
              spoken_paragraphs(prepared) if kind == "turn"}
    languages = prepared.languages
    other: dict[str, list[dict]] = {}
    for (name, language), voice in prepared.cast.other:
        other.setdefault(name, []).append(dict(voice.as_dict(), language=language))
    return {
        "format": script.format,
        "title": prepared.plan.title,
        "source": script.source,
        "language": {"code": languages.episode, "name": language_name(languages.episode),
                     "confidence": languages.confidence, "source": languages.source},
        "moderator": prepared.moderator,
        "speakers": [
            {"name": s.name, "role": s.role, "aliases": list(s.aliases), "moderator": s.moderator,
             "turns": turns.get(s.name, 0), "words": words.get(s.name, 0),
             "language": languages.of_speaker(s.name),
             "voice": prepared.cast.voice_for(s.name).as_dict(),
             "voices_in_other_languages": other.get(s.name, [])}
            for s in script.speakers
        ],
        "narrator": next((u.voice for u in prepared.plan.units if u.kind == "intro"),
                         prepared.cast.voice_for(NARRATOR)).as_dict(),
        "turns": [{"speaker": t.speaker, "language": languages.of_turn(i), "text": "\n\n".join(t.paragraphs),
                   "spoken": spoken.get(i, ""), "voice": prepared.cast.voice_for(t.speaker, languages.of_turn(i)).voice}
                  for i, t in enumerate(script.turns)],
        "chapters": [{"title": m.title, "start_ms": 0 if i == 0 else starts[m.unit], "estimated": True}
                     for i, m in enumerate(prepared.marks)],
        "units": len(prepared.plan.units),
        "unresolved": list(script.unresolved),
        "warnings": list(prepared.warnings),
    }
