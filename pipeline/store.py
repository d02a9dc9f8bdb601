"""A unit store that machines share at an fsspec URL (``file://``, ``memory://``, ``s3://``...).

It holds encoded MP3 units and their sealed facts under the same content keys and layout as
the local cache (``v1/mp3/<key>.mp3`` and ``<key>.json``). Units are made in a machine's local
cache, then ``push``ed; ``pull`` copies them into another machine's local cache, which checks
them (facts' seal, size, SHA-256) as it checks its own entries: a unit that does not match is
a miss, never used.

Every object is written under a temporary name and then moved to its own (a rename on a file
system; on an object store the object appears whole or not at all), the MP3 before the facts
that vouch for it, so a writer killed mid-unit leaves nothing a reader would take.
"""

from __future__ import annotations

import uuid

from .cache import Cache
from .errors import EngineError, InputError
from .fsutil import atomic_write_bytes
from .plan import CACHE_FORMAT


def is_url(location: str | None) -> bool:
    return bool(location) and "://" in location


class UnitStore:
    def __init__(self, url: str):
        try:
            import fsspec

            self.fs, root = fsspec.core.url_to_fs(url)
        except ImportError:
            raise InputError(f"{url}: a cache URL needs fsspec: pip install 'panelcast[cluster]'") from None
        except (ValueError, OSError) as exc:
            raise InputError(f"{url}: not a cache location fsspec can open ({exc})") from None
        self.url = url
        self.dir = f"{root.rstrip('/')}/v{CACHE_FORMAT}/mp3"

    def _path(self, key: str, suffix: str) -> str:
        return f"{self.dir}/{key}{suffix}"

    def has(self, key: str) -> bool:
        """The unit's facts are there (they are written last, after its MP3)."""
        return self.fs.exists(self._path(key, ".json"))

    def push(self, cache: Cache, key: str) -> None:
        """Copy a unit of the local cache (checked first) into the store."""
        entry, problem = cache.unit(key)
        if entry is None:
            raise EngineError(f"unit {key}: not in the local cache ({problem}), so not copied to {self.url}")
        self.fs.makedirs(self.dir, exist_ok=True)
        self._put(self._path(key, ".mp3"), cache.mp3_path(key).read_bytes())
        self._put(self._path(key, ".json"), _facts_path(cache, key).read_bytes())

    def _put(self, path: str, data: bytes) -> None:
        temp = f"{path}.{uuid.uuid4().hex}.tmp"
        self.fs.pipe_file(temp, data)
        self.fs.mv(temp, path)

    def pull(self, cache: Cache, key: str) -> bool:
        """Copy a unit from the store into the local cache; False if it is not there or does
        not match its facts (then the local cache has no entry for it either)."""
        try:
            facts = self.fs.cat_file(self._path(key, ".json"))
            data = self.fs.cat_file(self._path(key, ".mp3"))
        except FileNotFoundError:
            return False
        target = cache.mp3_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, data, durable=False)                # the MP3, then its facts
        atomic_write_bytes(_facts_path(cache, key), facts, durable=False)
        if cache.unit(key)[0] is not None:
            return True
        for path in (_facts_path(cache, key), target):  # damaged or mismatched in the store: a miss
            path.unlink(missing_ok=True)
        return False


def _facts_path(cache: Cache, key: str):
    return cache.mp3_path(key).with_suffix(".json")
