"""One module per transcript format: ``NAME``, ``detect(text)`` and ``parse(text, source)``.

``detect`` returns how much evidence of its format it sees (0 = none); ``parse`` returns a
:class:`~pipeline.formats.common.Draft`. ``PARSERS`` is in detection order: on equal
evidence the earlier format wins, so the more specific formats come first.
"""

from __future__ import annotations

from . import bracket, inline, jsonseg, markdown, otter, ownline, plain, qa, srt, vtt

PARSERS = (ownline, inline, markdown, qa, otter, bracket, vtt, srt, jsonseg, plain)
BY_NAME = {p.NAME: p for p in PARSERS}
