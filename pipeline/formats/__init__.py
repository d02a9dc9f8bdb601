"""One module per transcript format; each has ``NAME``, ``detect(text)`` and ``parse(text, source)``.

``detect`` returns how much evidence of its format it sees (0 = none); ``parse`` returns a
:class:`~pipeline.formats.common.Draft`. ``PARSERS`` is in detection order: on equal
evidence the earlier format wins.
"""

from __future__ import annotations

from . import inline, ownline, plain

PARSERS = (ownline, inline, plain)
BY_NAME = {p.NAME: p for p in PARSERS}
