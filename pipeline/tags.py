"""ID3v2.3 tags: episode metadata plus CHAP frames and one CTOC, as podcast apps read them.

ID3v2.3 because Apple Podcasts and Overcast have lost v2.4 chapters. CHAP frames are written
in start order (ffprobe lists chapters in file order, ignoring the CTOC); mutagen sorts
frames by size, so ``_OrderedID3`` writes them itself.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import (
    APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDAT, TIT2, TLAN, TPE1, TPE2, TYER, WXXX, CTOCFlags,
)
from mutagen.id3._tags import save_frame

from .language import iso639_2
from .model import Timeline

TEXT_ORDER = ("TIT2", "TPE1", "TPE2", "TALB", "TCON", "TDRC", "TYER", "TDAT", "TLAN", "COMM")


class _OrderedID3(ID3):
    """An ID3 tag that writes its frames in a fixed, reproducible order."""

    def _write(self, config):
        frames = list(self.values())

        def rank(frame) -> tuple:
            fid = frame.FrameID
            if fid in TEXT_ORDER:
                return (0, TEXT_ORDER.index(fid), 0)
            if fid == "CTOC":
                return (1, 0, 0)
            if fid == "CHAP":
                return (2, frame.start_time, 0)
            if fid == "APIC":
                return (4, 0, 0)
            return (3, 0, 0)

        frames.sort(key=lambda f: (rank(f), f.HashKey))
        return bytearray().join(save_frame(f, config=config) for f in frames)


def write_tags(
    path: str | Path,
    timeline: Timeline,
    *,
    album: str | None = None,
    author: str | None = None,
    date: str | None = None,
    comment: str | None = None,
    cover: tuple[bytes, str] | None = None,
) -> None:
    """Replace any tag of the MP3 at ``path`` with ours (written as ID3v2.3)."""
    tag = _OrderedID3()
    tag.add(TIT2(encoding=3, text=[timeline.title]))
    if timeline.speakers:
        tag.add(TPE1(encoding=3, text=list(timeline.speakers)))
    if author:
        tag.add(TPE2(encoding=3, text=[author]))
    tag.add(TALB(encoding=3, text=[album or timeline.title]))
    tag.add(TCON(encoding=3, text=["Podcast"]))
    for frame in _v23_date(date):
        tag.add(frame)
    language = iso639_2(timeline.language)          # ID3 takes ISO 639-2 codes: "eng", "deu", "zho"
    tag.add(TLAN(encoding=3, text=[language]))
    if comment:
        tag.add(COMM(encoding=3, lang=language, desc="", text=[comment]))
    ids = [f"chp{i}" for i in range(len(timeline.chapters))]
    tag.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                 sub_frames=[TIT2(encoding=3, text=[timeline.title])]))
    for element_id, ch in zip(ids, timeline.chapters):
        subs = [TIT2(encoding=3, text=[ch.title])]
        if ch.url:
            subs.append(WXXX(encoding=3, desc="chapter url", url=ch.url))
        if ch.image:
            from .cover import load_cover

            data, mime = load_cover(Path(ch.image))
            subs.append(APIC(encoding=3, mime=mime, type=0, desc="chapter image", data=data))
        tag.add(CHAP(element_id=element_id, start_time=ch.start_ms, end_time=ch.end_ms,
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=subs))
    if cover is not None:
        data, mime = cover
        tag.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=data))
    tag.save(str(path), v1=0, v2_version=3, padding=lambda info: 0)


def _v23_date(date: str | None) -> list:
    """The date as ID3v2.3 keeps it: the year in TYER and the day in TDAT (DDMM). TDRC is a
    v2.4 frame: in a v2.3 tag eyeD3 and id3v2 show no date at all (mutagen reads both)."""
    if not date or not date[:4].isdigit():
        return []
    frames = [TYER(encoding=3, text=[date[:4]])]
    if len(date) >= 10 and date[5:7].isdigit() and date[8:10].isdigit():
        frames.append(TDAT(encoding=3, text=[date[8:10] + date[5:7]]))
    return frames
