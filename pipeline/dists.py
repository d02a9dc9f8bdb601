"""Installed packages' versions, as the cache keys and the engine facts record them.

``importlib.metadata`` takes some 20 ms to import (it loads the ``email`` package to read
METADATA files), which every render paid to learn five version numbers. A wheel-installed
package's ``.dist-info`` folder carries its name and version in its own name (PEP 427),
so listing the folders on ``sys.path`` answers the same question; anything not found
that way (an egg-info or unusual install) is asked of ``importlib.metadata``.
"""

from __future__ import annotations

import functools
import os
import re
import sys

_DIST_INFO = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)\.dist-info$")


def version(name: str) -> str:
    """The installed version of distribution ``name`` (like ``importlib.metadata.version``)."""
    found = _dist_infos(tuple(sys.path)).get(_normalize(name))
    if found is not None:
        return found
    from importlib import metadata

    return metadata.version(name)


@functools.lru_cache(maxsize=4)
def _dist_infos(path: tuple[str, ...]) -> dict[str, str]:
    """Normalized name -> version of every ``.dist-info`` folder on ``path`` (first one wins)."""
    found: dict[str, str] = {}
    for folder in path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            m = _DIST_INFO.match(entry)
            if m:
                found.setdefault(_normalize(m.group("name")), m.group("version"))
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()
