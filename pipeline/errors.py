"""The one exception family of panelcast.

Every error a user can cause or meet is a ``PanelcastError``; ``cli.py`` is the only
place that turns it into a one-line ``Error: ...`` message and the exit code below.

Exit codes (documented in the README):
    0  success
    1  unexpected internal error
    2  usage error (unknown option, missing argument; raised by click)
    3  bad input: transcript, config, cast or audio file
    4  the speech engine or the encoder failed
    5  a file or folder cannot be read or written (an OSError: permissions, a full disk)
    130 interrupted (Ctrl-C); no partial output is left behind
"""

from __future__ import annotations


class PanelcastError(Exception):
    """Base class; ``str(err)`` is the whole user-facing message."""

    exit_code = 1


class InputError(PanelcastError):
    """Something the user gave us is wrong (file, line or key named in the message)."""

    exit_code = 3


class ParseError(InputError):
    """A transcript could not be read."""


class ConfigError(InputError):
    """An episode config or cast file is invalid."""


class CastError(InputError):
    """A cast entry cannot be honoured (unknown speaker, unknown voice...)."""


class EngineError(PanelcastError):
    """The speech engine or the audio encoder failed."""

    exit_code = 4


def located(path: object, line: int | None, message: str) -> str:
    """Format ``path:line: message`` (line omitted when unknown)."""
    where = f"{path}:{line}" if line else f"{path}"
    return f"{where}: {message}"


def printable(name: object) -> str:
    """A file name fit for a one-line message: control characters (a newline in a name) escaped."""
    text = str(name)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in text)
