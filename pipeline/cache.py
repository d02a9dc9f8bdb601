"""The unit cache: content-addressed WAVs and MP3 units, plus one manifest per episode.

Layout under the cache root (``$PANELCAST_CACHE``, else ``$XDG_CACHE_HOME/panelcast``,
else ``~/.cache/panelcast``)::

    v1/wav/<synth_key>.wav        synthesized speech (or a converted jingle)
    v1/wav/<synth_key>.wav.sha256 its content hash, written once it has landed
    v1/mp3/<key>.mp3              the encoded unit: bare MPEG frames, no tags
    v1/mp3/<key>.json             its facts: size, sha256, frames, speech onset/end, sealed by a
                                  hash of the key and the facts (an edited fact is a miss)
    v1/covers/<key>.jpg(.sha256)  a generated cover, and its content hash
    v1/episodes/<id>.json         the last render of one output file (for --explain and prune)
    v1/voice-pitch.json           measured median pitches of voices (``voicepitch.py``)
    v1/languages.json             the detected language of recent turns (``language.py``)
    receipts/<id>.json            what one command line read and wrote (see ``receipt.py``)
    CACHEDIR.TAG                  the marker (bford.org/cachedir): ``clear`` and ``prune`` act only
                                  on a folder that has it, and delete only the entries above

Every file is written to a temp file and ``os.replace``d. A missing, truncated, damaged or
unreadable entry is a miss, never an error: its unit is redone. Nothing that reaches an
episode is used unless its content matches the hash recorded when it was made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import InputError, printable
from .fsutil import atomic_write_text, read_sealed, write_seal
from .plan import CACHE_FORMAT
from .receipt import check_receipt_file, default_cache_root

VERSION_DIR = f"v{CACHE_FORMAT}"
MARKER = "CACHEDIR.TAG"
MARKER_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
               "# This folder is panelcast's cache: `panelcast cache clear` empties it.\n")


@dataclass(frozen=True)
class UnitAudio:
    """What the assembler needs to know about an encoded unit (samples at the output rate)."""

    frames: int
    size: int
    sha256: str
    onset: int        # first sample of speech
    end: int          # last sample of speech (before the trailing pause)


def default_root() -> Path:
    return Path(default_cache_root())


class Cache:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root).expanduser() if root else default_root()
        self.dir = self.root / VERSION_DIR

    # -- paths -------------------------------------------------------------------------
    def wav_path(self, synth_key: str) -> Path:
        return self.dir / "wav" / f"{synth_key}.wav"

    def mp3_path(self, key: str) -> Path:
        return self.dir / "mp3" / f"{key}.mp3"

    def _meta_path(self, key: str) -> Path:
        return self.dir / "mp3" / f"{key}.json"

    def episode_path(self, output: str | os.PathLike) -> Path:
        ident = hashlib.sha256(str(Path(output).resolve()).encode()).hexdigest()[:24]
        return self.dir / "episodes" / f"{ident}.json"

    # -- WAVs ----------------------------------------------------------------------------
    def has_wav(self, synth_key: str) -> bool:
        """The speech is cached and has the bytes it had when it landed (``seal``)."""
        path = self.wav_path(synth_key)
        return self.sealed(path) is not None

    # -- sealed files: a content hash beside them (``fsutil.write_seal``) --------------------
    def seal(self, path: Path, data: bytes | None = None) -> None:
        """Record the content hash of a file that has just landed in the cache."""
        write_seal(path, path.read_bytes() if data is None else data)

    def sealed(self, path: Path) -> bytes | None:
        """The file's bytes if they still match their recorded hash; else None (a miss)."""
        return read_sealed(path)

    def wav_target(self, synth_key: str) -> Path:
        path = self.wav_path(synth_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # -- MP3 units -----------------------------------------------------------------------
    def unit(self, key: str, verify: bool = True) -> tuple[UnitAudio | None, str]:
        """(entry, "") when the unit is cached and intact, else (None, reason).

        ``verify=False`` checks the size only (a truncated file), not the content hash.
        """
        try:
            meta = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
            entry = UnitAudio(**meta["unit"])
            if meta["seal"] != _meta_seal(key, meta["unit"]):
                return None, "corrupt"
        except FileNotFoundError:
            return None, "missing"
        except (OSError, ValueError, TypeError, KeyError):
            return None, "corrupt"
        try:
            if not verify:
                return (entry, "") if self.mp3_path(key).stat().st_size == entry.size else (None, "corrupt")
            data = self.mp3_path(key).read_bytes()
        except FileNotFoundError:
            return None, "missing"
        except OSError:
            return None, "corrupt"
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            return None, "corrupt"
        return entry, ""

    def store_unit(self, key: str, mp3_tmp: Path, entry: UnitAudio) -> None:
        """Move an encoded unit into place (the MP3 first, then the facts that vouch for it)."""
        target = self.mp3_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(mp3_tmp, target)
        # not fsynced: an entry lost or damaged by a power cut fails its size or hash check and is redone
        facts = asdict(entry)
        atomic_write_text(self._meta_path(key), json.dumps({"unit": facts, "seal": _meta_seal(key, facts)},
                                                           sort_keys=True), durable=False)

    # -- episodes ------------------------------------------------------------------------
    def load_episode(self, output: str | os.PathLike) -> dict | None:
        try:
            data = json.loads(self.episode_path(output).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else None
        except (OSError, ValueError):
            return None

    def save_episode(self, output: str | os.PathLike, manifest: dict) -> None:
        atomic_write_text(self.episode_path(output), json.dumps(manifest, sort_keys=True, indent=1))

    # -- maintenance ---------------------------------------------------------------------
    def info(self) -> dict:
        counts = {"wav": 0, "mp3": 0, "episodes": 0}
        for kind in counts:
            folder = self.dir / kind
            if folder.is_dir():
                counts[kind] = sum(1 for p in folder.iterdir() if p.suffix in (".wav", ".mp3", ".json")
                                   and not p.name.startswith(".") and (kind != "mp3" or p.suffix == ".mp3"))
        size = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file()) if self.root.is_dir() else 0
        return {"path": str(self.root), "version_dir": str(self.dir), "bytes": size, **counts}

    def claim(self) -> None:
        """Mark the cache folder as panelcast's (before a render writes into it)."""
        marker = self.root / MARKER
        if not marker.is_file():
            atomic_write_text(marker, MARKER_TEXT)

    def _check_marker(self) -> None:
        marker = self.root / MARKER
        try:
            ours = marker.read_text(encoding="utf-8", errors="replace") == MARKER_TEXT
        except OSError:
            ours = False
        if not ours:
            raise InputError(f"{printable(self.root)}: not a panelcast cache folder (it has no {MARKER} written "
                             "by panelcast): nothing deleted")

    def prune(self) -> tuple[int, int]:
        """Remove entries no remembered episode uses (and episodes whose output is gone, and
        receipts that no longer match their files). Only in a folder marked as panelcast's.

        Returns (files removed, bytes freed).
        """
        if not self.root.exists():
            return 0, 0
        self._check_marker()
        keep: set[str] = set()
        episodes = self.dir / "episodes"
        if episodes.is_dir():
            for p in episodes.glob("*.json"):
                try:
                    data = json.loads(p.read_text(encoding="utf-8"))
                    output_exists = Path(data["output"]).exists()
                    units = data["units"]
                except (OSError, ValueError, KeyError, TypeError):
                    output_exists, units = False, []
                if not output_exists:
                    p.unlink(missing_ok=True)
                    continue
                for u in units:
                    keep.update((u.get("key", ""), u.get("synth_key", "")))
        removed = freed = 0
        stale = [p for p in (self.root / "receipts").glob("*.json") if check_receipt_file(p) is None]
        for kind in ("wav", "mp3"):
            folder = self.dir / kind
            if folder.is_dir():
                stale += [p for p in folder.iterdir() if p.is_file() and p.name.split(".")[0] not in keep]
        for p in stale:
            freed += p.stat().st_size
            p.unlink(missing_ok=True)
            removed += 1
        return removed, freed

    def clear(self) -> int:
        """Remove panelcast's entries (every cache format's folder, the receipts, the marker) from
        a folder marked as panelcast's; anything else in it stays. Returns bytes freed."""
        if not self.root.exists():
            return 0
        self._check_marker()
        ours = [p for p in self.root.iterdir() if p.name == "receipts" or re.fullmatch(r"v\d+", p.name)]
        freed = 0
        for entry in ours:
            if entry.is_dir() and not entry.is_symlink():
                freed += sum(p.stat().st_size for p in entry.rglob("*") if p.is_file() and not p.is_symlink())
                shutil.rmtree(entry, ignore_errors=True)
        (self.root / MARKER).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()                  # only if nothing else is left in it
        return freed


def _meta_seal(key: str, facts: dict) -> str:
    """A hash of a unit's key and facts: facts edited into other valid JSON, or moved to another
    unit's name, no longer match it."""
    return hashlib.sha256(json.dumps([key, facts], sort_keys=True).encode("utf-8")).hexdigest()
