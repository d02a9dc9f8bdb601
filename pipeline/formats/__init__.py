"""One module per transcript format: ``NAME``, ``detect(text)`` and ``parse(text, source)``.

``detect`` returns how much evidence of its format it sees (0 = none); ``parse`` returns a
:class:`~pipeline.formats.common.Draft`. ``DETECTION_ORDER`` breaks ties: on equal
evidence the more specific format wins (Markdown bold labels are also inline labels; a
Q&A talk is also an inline transcript).
"""

from __future__ import annotations

from . import bracket, inline, jsonseg, markdown, otter, ownline, plain, qa, srt, vtt

PARSERS = (ownline, inline, markdown, qa, otter, bracket, vtt, srt, jsonseg, plain)
DETECTION_ORDER = (vtt, srt, jsonseg, bracket, otter, markdown, qa, ownline, inline, plain)
BY_NAME = {p.NAME: p for p in PARSERS}
