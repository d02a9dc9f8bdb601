"""A podcast RSS feed for a folder of rendered episodes.

``write_feed(DIR, base_url)`` lists every ``*.mp3`` in ``DIR`` as an ``<item>`` of an RSS 2.0 feed
with the iTunes and Podcasting 2.0 namespaces, linking the sidecars found next to each MP3
(``X.chapters.json``, ``X.captions.vtt``, ``X.captions.srt``, ``X.transcript.json``, found by
:func:`pipeline.sidecars.find_sidecar`) and cover art (``X.jpg``,
``X.png``, else ``cover.jpg``/``cover.png``), and writes it to ``DIR/feed.xml``, with the show
page ``DIR/index.html`` beside it.

Built with :mod:`xml.etree.ElementTree` rather than feedgen: feedgen's podcast extension covers
the iTunes tags only, so ``podcast:chapters`` / ``podcast:transcript`` / ``podcast:guid`` would need
a custom lxml extension class anyway, and feedgen stamps ``lastBuildDate`` with the current time,
which makes every write differ. Here the same folder gives the same feed bytes.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlsplit

import mutagen
from mutagen.mp3 import MP3

from .errors import InputError
from .fsutil import atomic_write_bytes, atomic_write_text
from .language import DEFAULT as DEFAULT_LANGUAGE, language_code
from .sidecars import find_sidecar

FEED_NAME = "feed.xml"
INDEX_NAME = "index.html"   # the show page
GENERATOR = '<meta name="generator" content="panelcast">'   # in its head: a page panelcast may rewrite

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
# Podcasting 2.0: podcast:guid is a UUIDv5 of the feed URL (no scheme, no trailing slash) in this
# namespace.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

# (sidecar kind, MIME type, rel) in the order podcast:transcript tags are listed: least useful
# first, because clients that keep one transcript per item (feedparser) keep the last: the
# WebVTT with speaker voices, then the JSON, then the SRT (no speakers) in order of usefulness.
TRANSCRIPTS = (
    ("srt", "application/x-subrip", "captions"),
    ("transcript", "application/json", None),
    ("vtt", "text/vtt", "captions"),
)
SHOW_FILE = "show.yaml"   # the show's title, author, description, e-mail, language and category
CHAPTERS_TYPE = "application/json+chapters"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
CHANNEL_COVERS = ("cover.jpg", "cover.jpeg", "cover.png")


@dataclass(frozen=True)
class Episode:
    """What the feed needs to know about one MP3."""

    path: Path
    title: str
    length_bytes: int
    duration_s: float
    published: datetime         # timezone-aware (UTC)
    album: str = ""
    artist: str = ""
    comment: str = ""
    language: str = ""          # ISO 639-1, from the TLAN tag ("" when it has none)


def _q(ns: str, tag: str) -> str:
    return f"{{{NS[ns]}}}{tag}"


def normalize_base_url(base_url: str) -> str:
    """``base_url`` with a trailing slash, or :class:`InputError` if it is no http(s) URL."""
    raw = (base_url or "").strip()
    try:
        parts = urlsplit(raw)
        parts.port  # raises ValueError for a bad port
    except ValueError as err:
        raise InputError(f"base URL {base_url!r} is not a valid URL ({err})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"base URL {base_url!r} must be an absolute http:// or https:// address "
            "(for example https://example.com/podcast/)"
        )
    if parts.query or parts.fragment or any(c.isspace() for c in raw):
        raise InputError(f"base URL {base_url!r} must not contain spaces, a query or a fragment")
    return raw if raw.endswith("/") else raw + "/"


def _text_frame(tags, name: str, joiner: str | None = None) -> str:
    """The first value of a text frame, or all its values joined with ``joiner``."""
    frame = tags.get(name) if tags is not None else None
    values = [str(v).strip() for v in getattr(frame, "text", None) or []]
    if joiner and tags.version < (2, 4, 0):
        # ID3v2.3 stores several values in one string separated by "/"
        values = [part.strip() for v in values for part in v.split("/")]
    values = [v for v in values if v]
    if not values:
        return ""
    return joiner.join(values) if joiner else values[0]


def _timestamp(tags) -> datetime | None:
    """The ID3 recording date (TDRC, or TYER in a tag read without v2.4 translation), as UTC."""
    if tags is None:
        return None
    frame = tags.get("TDRC") or tags.get("TYER")
    if frame is None or not frame.text:
        return None
    stamp = frame.text[0]
    year = getattr(stamp, "year", None)
    if year is None:
        try:
            year = int(str(stamp)[:4])
        except ValueError:
            return None
    try:
        return datetime(year, getattr(stamp, "month", None) or 1, getattr(stamp, "day", None) or 1,
                        getattr(stamp, "hour", None) or 0, getattr(stamp, "minute", None) or 0,
                        getattr(stamp, "second", None) or 0, tzinfo=timezone.utc)
    except (ValueError, TypeError):
        return None


def read_episode(path: Path) -> Episode:
    """Title, size, duration and date of one MP3; :class:`InputError` if it is not readable."""
    try:
        audio = MP3(path)
        stat = path.stat()
    except (mutagen.MutagenError, OSError) as err:
        raise InputError(f"{path}: not a readable MP3 file ({err})") from None
    tags = audio.tags
    comment = ""
    if tags is not None:
        for frame in tags.getall("COMM"):
            if frame.text and str(frame.text[0]).strip():
                comment = str(frame.text[0]).strip()
                break
    published = _timestamp(tags) or datetime.fromtimestamp(int(stat.st_mtime), timezone.utc)
    return Episode(
        path=path,
        title=_text_frame(tags, "TIT2") or path.stem,
        length_bytes=stat.st_size,
        duration_s=float(audio.info.length),
        published=published,
        album=_text_frame(tags, "TALB"),
        # the album artist (the configured author) if there is one, else every speaker
        artist=_text_frame(tags, "TPE2") or _text_frame(tags, "TPE1", joiner=", "),
        comment=comment,
        language=language_code(_text_frame(tags, "TLAN")),
    )


def _item_image(episode: Episode) -> Path | None:
    for suffix in IMAGE_SUFFIXES:
        candidate = episode.path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return _channel_cover(episode.path.parent)


def _channel_cover(directory: Path) -> Path | None:
    for name in CHANNEL_COVERS:
        if (directory / name).is_file():
            return directory / name
    return None


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrib.items() if v is not None})
    if text is not None:
        el.text = xml_text(text)
    return el


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters), so the feed stays
    well-formed whatever a title holds."""
    return _NOT_XML.sub("", text)


def _common(values: list[str]) -> str:
    present = [v for v in values if v]
    return present[0] if present and all(v == present[0] for v in present) else ""


@dataclass(frozen=True)
class Show:
    """The channel: what flags or ``show.yaml`` say, else what the episodes agree on."""

    title: str | None = None
    author: str | None = None
    description: str | None = None
    email: str | None = None
    language: str | None = None
    category: str = "Technology"


SHOW_KEYS = ("title", "author", "description", "email", "language", "category")


def load_show(directory: Path) -> Show:
    """``DIR/show.yaml`` if there is one (every key optional), else the defaults."""
    from .config import _load_yaml, _Reader

    path = Path(directory) / SHOW_FILE
    if not path.exists():
        return Show()
    r = _Reader(str(path))
    m = r.mapping(_load_yaml(path), "", SHOW_KEYS)
    values = {key: r.string(m.get(key), key) for key in SHOW_KEYS}
    if values["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["email"]):
        raise r.fail("email", f"expected an e-mail address, got {values['email']!r}")
    return Show(**{k: v for k, v in values.items() if v is not None})


@dataclass(frozen=True)
class Channel:
    """The show as the feed and the show page present it."""

    title: str
    author: str
    description: str
    image: Path | None
    episodes: tuple[Episode, ...]     # newest first


def read_channel(directory: Path, *, title: str | None = None, author: str | None = None,
                 description: str | None = None, warn: Callable[[str], None] | None = None) -> Channel:
    """The episodes of ``directory`` and the show's title, author, description and image."""
    directory = Path(directory)
    show = load_show(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder")
    mp3s = sorted(p for p in directory.iterdir()
                  if p.suffix.lower() == ".mp3" and not p.name.startswith(".") and p.is_file())
    if not mp3s:
        raise InputError(f"{directory}: no .mp3 files to put in a feed")
    episodes = [read_episode(p) for p in mp3s]
    episodes.sort(key=lambda e: (-e.published.timestamp(), e.path.name))
    newest = episodes[0]
    channel_title = title or show.title or _common([e.album for e in episodes])
    if not channel_title:
        channel_title = directory.resolve().name
        if warn:
            warn(f"{directory}: the episodes name no common show (album), so the feed is titled after "
                 f"the folder, '{channel_title}': give --title, or title: in {SHOW_FILE} there, or album: "
                 "in the episodes' config")
    channel_author = author or show.author or _common([e.artist for e in episodes]) or newest.artist
    description = description or show.description or (
        f"{channel_title}: {len(episodes)} episode{'s' if len(episodes) > 1 else ''}"
        + (f" with {channel_author}" if channel_author else "") + ".")
    image = _channel_cover(directory) or _item_image(newest)
    return Channel(channel_title, channel_author, description, image, tuple(episodes))


def build_feed(directory: Path, base_url: str, *, title: str | None = None,
               author: str | None = None, description: str | None = None, email: str | None = None,
               language: str | None = None, category: str | None = None,
               warn: Callable[[str], None] | None = None, channel: Channel | None = None) -> bytes:
    """The feed XML for ``directory`` (see :func:`write_feed`), as UTF-8 bytes."""
    directory = Path(directory)
    show = load_show(directory)
    category = category or show.category
    email = email or show.email
    base = normalize_base_url(base_url)
    channel = channel or read_channel(directory, title=title, author=author, description=description, warn=warn)
    episodes = channel.episodes
    newest = episodes[0]
    language = channel_language(show, channel, language)
    channel_title, channel_author, description = channel.title, channel.author, channel.description
    channel_image = channel.image
    feed_url = base + FEED_NAME

    def url(path: Path) -> str:
        return base + quote(path.relative_to(directory).as_posix())

    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", channel_title)
    _sub(channel, "link", base)
    _sub(channel, "description", description)
    _sub(channel, "language", language)
    _sub(channel, "lastBuildDate", format_datetime(newest.published, usegmt=True))
    _sub(channel, _q("atom", "link"), href=feed_url, rel="self", type="application/rss+xml")
    if channel_author:
        _sub(channel, _q("itunes", "author"), channel_author)
    if email:
        owner = _sub(channel, _q("itunes", "owner"))
        _sub(owner, _q("itunes", "name"), channel_author or channel_title)
        _sub(owner, _q("itunes", "email"), email)
    if channel_image is not None:
        image_url = url(channel_image)
        image = _sub(channel, "image")
        _sub(image, "url", image_url)
        _sub(image, "title", channel_title)
        _sub(image, "link", base)
        _sub(channel, _q("itunes", "image"), href=image_url)
    ET.SubElement(channel, _q("itunes", "category"), {"text": category})
    _sub(channel, _q("itunes", "explicit"), "false")
    _sub(channel, _q("itunes", "type"), "episodic")
    guid_source = feed_url.split("://", 1)[1].rstrip("/")
    _sub(channel, _q("podcast", "guid"), str(uuid.uuid5(PODCAST_GUID_NAMESPACE, guid_source)))

    for ep in episodes:
        item = _sub(channel, "item")
        enclosure_url = url(ep.path)
        _sub(item, "title", ep.title)
        if ep.comment:
            _sub(item, "description", ep.comment)
        _sub(item, "enclosure", url=enclosure_url, length=str(ep.length_bytes), type="audio/mpeg")
        # stable across re-renders: depends on where the file is published, not on its bytes
        _sub(item, "guid", str(uuid.uuid5(uuid.NAMESPACE_URL, enclosure_url)),
             isPermaLink="false")
        _sub(item, "pubDate", format_datetime(ep.published, usegmt=True))
        _sub(item, _q("itunes", "title"), ep.title)
        _sub(item, _q("itunes", "duration"), str(round(ep.duration_s)))
        if ep.artist:
            _sub(item, _q("itunes", "author"), ep.artist)
        image = _item_image(ep)
        if image is not None:
            _sub(item, _q("itunes", "image"), href=url(image))
        chapters = find_sidecar(ep.path, "chapters")
        if chapters is not None:
            _sub(item, _q("podcast", "chapters"), url=url(chapters), type=CHAPTERS_TYPE)
        for kind, mime, rel in TRANSCRIPTS:
            sidecar = find_sidecar(ep.path, kind)
            if sidecar is not None:
                _sub(item, _q("podcast", "transcript"), url=url(sidecar), type=mime,
                     language=ep.language or language, rel=rel)

    ET.indent(rss, space="  ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def channel_language(show: Show, channel: Channel, language: str | None = None) -> str:
    """The show's language: given, else ``show.yaml``'s, else what the episodes' TLAN agree on."""
    return language or show.language or _common([e.language for e in channel.episodes]) or DEFAULT_LANGUAGE


def show_page(directory: Path, channel: Channel, language: str = DEFAULT_LANGUAGE) -> str:
    """The show page of ``directory``: each episode with its cover, title, duration and date,
    linked to its episode page (``X.html``) when there is one, else to its MP3."""
    from .page import ShowEpisode, build_show_page

    directory = Path(directory)

    def name(path: Path | None) -> str | None:
        return path.relative_to(directory).as_posix() if path is not None else None

    episodes = []
    for ep in channel.episodes:
        episodes.append(ShowEpisode(title=ep.title, audio=name(ep.path), page=name(find_sidecar(ep.path, "html")),
                                    cover=name(_item_image(ep)), duration_s=ep.duration_s, published=ep.published))
    return build_show_page(channel.title, channel.description, FEED_NAME, episodes, name(channel.image), language)


def write_feed(directory: Path, base_url: str, *, title: str | None = None,
               author: str | None = None, description: str | None = None, email: str | None = None,
               language: str | None = None, category: str | None = None,
               warn: Callable[[str], None] | None = None) -> Path:
    """Write ``directory/feed.xml`` listing every MP3 in ``directory``, and the show page
    ``directory/index.html`` (unless an ``index.html`` panelcast did not write is there: ``warn``
    says so); return the feed's path.

    ``base_url`` is where ``directory`` is published (``https://host/podcast/``): each file's URL
    is ``base_url`` + its name. The show's title, author, description, e-mail (``itunes:owner``),
    language and category come from the arguments, else ``directory/show.yaml``, else what the
    episodes' ID3 tags agree on (album, album artist), else the folder name (``warn`` says so).
    Items are newest first (ID3 recording date, else file modification time).
    """
    normalize_base_url(base_url)                                    # before anything is read
    channel = read_channel(Path(directory), title=title, author=author, description=description, warn=warn)
    language = channel_language(load_show(Path(directory)), channel, language)    # the feed's and the page's
    data = build_feed(directory, base_url, email=email, language=language, category=category, channel=channel)
    page = show_page(Path(directory), channel, language)
    index = Path(directory) / INDEX_NAME
    if _ours(index):
        atomic_write_text(index, page)
    elif warn:
        warn(f"{index}: not a show page panelcast wrote, so it is left as it is")
    return atomic_write_bytes(Path(directory) / FEED_NAME, data)


def _ours(index: Path) -> bool:
    """No ``index.html`` yet, or one panelcast wrote (it says so in its generator tag)."""
    try:
        head = index.read_bytes()[:2048]
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return GENERATOR.encode() in head
