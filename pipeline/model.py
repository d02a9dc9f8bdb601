"""Frozen dataclasses passed between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Speaker:
    name: str                      # canonical display name, e.g. "Tian Yuandong"
    role: str = ""                 # role lines from a header, joined with "; "
    aliases: tuple[str, ...] = ()  # other labels seen for this speaker ("Ella", "?Ella Hu")
    moderator: bool = False        # listed as moderator/host in the source


@dataclass(frozen=True)
class Turn:
    speaker: str                   # canonical Speaker.name
    paragraphs: tuple[str, ...]    # cleaned text, one entry per paragraph
    line: int = 0                  # 1-based source line where the turn starts (0 = unknown)
    heading: str | None = None     # a chapter mark from the source (Markdown heading), if any


@dataclass(frozen=True)
class Script:
    title: str
    speakers: tuple[Speaker, ...]
    turns: tuple[Turn, ...]
    intro: str = ""                # extra intro narration found in the source (optional)
    outro: str = ""                # closing narration (e.g. a postscript)
    format: str = ""               # detected format name, e.g. "ownline", "inline"
    source: str = ""               # path of the transcript
    warnings: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # labels that could not be resolved to a speaker

    def speaker(self, name: str) -> Speaker:
        for s in self.speakers:
            if s.name == name:
                return s
        raise KeyError(name)

    def named(self, label: str) -> str | None:
        """The speaker called ``label`` (their name or one of their labels), else None."""
        return next((s.name for s in self.speakers if label == s.name or label in s.aliases), None)


@dataclass(frozen=True)
class Voice:
    """Everything an engine needs to speak in one voice."""

    voice: str          # pyttsx3: eSpeak voice id, e.g. "en-us+f3"; piper: a model name or an .onnx path
    pitch: int = 50     # pyttsx3: 0-100 (eSpeak scale, roughly exponential)
    rate: int = 170     # words per minute (piper: 170 is the model's own pace)
    volume: float = 1.0  # 0.0-1.0
    engine: str = "pyttsx3"      # the speech engine that speaks it
    speaker: str | None = None   # piper: a multi-speaker model's speaker (name or id)
    semitones: float = 0.0       # piper: pitch shift, made by lengthening and resampling

    def as_dict(self) -> dict:
        return {"voice": self.voice, "pitch": self.pitch, "rate": self.rate, "volume": self.volume,
                "engine": self.engine, "speaker": self.speaker, "semitones": self.semitones}


@dataclass(frozen=True)
class SynthJob:
    """One piece of text to speak into a WAV file (16-bit mono PCM)."""

    text: str
    voice: Voice
    out_path: str
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Segment:
    """A stretch of speech in the rendered episode (one unit: a paragraph, intro or outro)."""

    speaker: str        # speaker name ("Narrator" for intro/outro)
    text: str           # the written text (not the normalized spoken form)
    start_ms: int       # speech onset in the final audio
    end_ms: int         # end of speech (trailing pause excluded)


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int
    url: str | None = None     # optional link (ID3 WXXX inside CHAP)
    image: str | None = None   # optional image path (ID3 APIC inside CHAP)


@dataclass(frozen=True)
class Timeline:
    """Everything timed in a rendered episode; chapters and sidecars come from here."""

    title: str
    author: str
    speakers: tuple[str, ...]
    duration_ms: int
    segments: tuple[Segment, ...]
    chapters: tuple[Chapter, ...]
    language: str = "en"            # the episode's language (ISO 639-1, maybe with a region)
