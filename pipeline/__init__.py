"""panelcast: render a speaker-labelled transcript as a chaptered, multi-voice podcast."""

__version__ = "0.1.0"
