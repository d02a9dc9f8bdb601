"""A small static file server for previewing a rendered podcast folder in real apps.

``make_server(DIR)`` returns a ready, not yet serving :class:`http.server.ThreadingHTTPServer`
that serves DIR's files the way podcast apps and browsers expect:

- podcast Content-Types (``audio/mpeg``, ``text/vtt``, ``application/json+chapters``,
  ``application/x-subrip``, ``application/rss+xml`` for ``feed.xml``, image types);
- single byte ranges (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) with 206 and Content-Range,
  416 when unsatisfiable, and ``Accept-Ranges: bytes`` (audio players seek with ranges);
- ``Access-Control-Allow-Origin: *`` on every response, so web players can read transcripts
  and chapters; HEAD and OPTIONS;
- nothing outside DIR: ``..`` segments are refused (403), hidden files and symlinks leading out
  of DIR are not found (404);
- a folder's ``index.html`` (the show page ``panelcast feed`` writes) at its address, so the
  show page is at ``/``; a folder without one is listed;
- silent by default (``quiet=True``): no access log, no tracebacks for dropped connections.

The caller runs ``serve_forever()`` and, to stop, ``shutdown()`` then ``server_close()``.
"""

from __future__ import annotations

import email.utils
import html
import io
import mimetypes
import os
import posixpath
import re
import socket
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .errors import InputError

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
CHAPTERS_TYPE = "application/json+chapters"
INDEX_NAME = "index.html"
FEED_TYPE = "application/rss+xml; charset=utf-8"

_RANGE = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


def content_type(name: str) -> str:
    """The Content-Type to send for a file called ``name``."""
    lower = posixpath.basename(name).lower()
    if lower.endswith(".chapters.json"):
        return CHAPTERS_TYPE
    if lower == "feed.xml":
        return FEED_TYPE
    ext = posixpath.splitext(lower)[1]
    if ext in CONTENT_TYPES:
        return CONTENT_TYPES[ext]
    guessed, _ = mimetypes.guess_type(lower, strict=False)
    return guessed or "application/octet-stream"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """Interpret a Range header for a file of ``size`` bytes.

    Returns ``(first, last)`` (inclusive) for a satisfiable single range, ``None`` when the whole
    file should be sent (no header, another unit, several ranges, or a malformed header, which
    RFC 9110 says to ignore), and ``False`` when the range cannot be satisfied (416).
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    m = _RANGE.fullmatch(spec)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:                       # bytes=-n: the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            return False
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return False
    return start, min(end, size - 1)


class _Slice:
    """A file object that reads at most ``length`` bytes (the body of a 206 response)."""

    def __init__(self, fh, length: int):
        self._fh = fh
        self._left = length

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n is None or n < 0 else min(n, self._left)
        data = self._fh.read(n)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._fh.close()


class PodcastRequestHandler(SimpleHTTPRequestHandler):
    """Serves one folder with podcast MIME types, byte ranges and CORS."""

    protocol_version = "HTTP/1.1"
    server_version = "panelcast"
    sys_version = ""
    timeout = 60  # seconds an idle keep-alive connection is held

    def __init__(self, *args, directory: str, quiet: bool = True, **kwargs):
        self.quiet = quiet
        self.root = os.path.realpath(directory)
        super().__init__(*args, directory=directory, **kwargs)

    # -- logging and headers
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if not self.quiet:
            super().log_message(format, *args)

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers",
                         "Accept-Ranges, Content-Length, Content-Range")
        super().end_headers()

    def guess_type(self, path) -> str:
        return content_type(str(path))

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Range, If-None-Match, If-Modified-Since")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- resolving a request to a file inside the folder
    def _resolve(self) -> str | None:
        """The file system path for this request, or ``None`` after sending an error."""
        url_path = unquote(urlsplit(self.path).path)
        segments = url_path.split("/")
        if "\0" in url_path:
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad path")
            return None
        if ".." in segments or "\\" in url_path:
            self.send_error(HTTPStatus.FORBIDDEN, "Path outside the served folder")
            return None
        if any(s.startswith(".") for s in segments if s):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        path = self.translate_path(self.path)
        if not self._inside(path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return path

    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def list_directory(self, path):
        """A plain listing of one folder of DIR, without hidden files or links leading out."""
        try:
            names = sorted(os.listdir(path), key=str.lower)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        shown = unquote(urlsplit(self.path).path)
        items = []
        for name in names:
            full = os.path.join(path, name)
            if name.startswith(".") or not self._inside(full):
                continue
            slash = "/" if os.path.isdir(full) else ""
            items.append(f'<li><a href="{quote(name + slash)}">{html.escape(name + slash)}</a></li>')
        body = (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(shown)}</title></head>\n<body><h1>{html.escape(shown)}</h1>\n"
            "<ul>\n" + "\n".join(items) + "\n</ul>\n</body></html>\n"
        ).encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def send_head(self):
        path = self._resolve()
        if path is None:
            return None
        if os.path.isdir(path):
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()      # redirect to "dir/"
            index = os.path.join(path, INDEX_NAME)
            if not (os.path.isfile(index) and self._inside(index)):
                return self.list_directory(path)  # never an index.html that leads out of DIR
            path = index                        # the show page at /
        try:
            fh = open(path, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            return self._send_file_head(fh, path)
        except BaseException:
            fh.close()
            raise

    def _send_file_head(self, fh, path: str):
        st = os.fstat(fh.fileno())
        size = st.st_size
        etag = f'"{size:x}-{st.st_mtime_ns:x}"'
        last_modified = self.date_time_string(int(st.st_mtime))

        if self._not_modified(etag, st.st_mtime):
            fh.close()
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return None

        rng = parse_range(self.headers.get("Range"), size)
        if_range = self.headers.get("If-Range")
        if rng is not None and if_range and if_range.strip() not in (etag, last_modified):
            rng = None  # the client's copy is stale: send the whole current file
        if rng is False:
            fh.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        if rng is None:
            self.send_response(HTTPStatus.OK)
            length, body = size, fh
        else:
            first, last = rng
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            length = last - first + 1
            fh.seek(first)
            body = _Slice(fh, length)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", last_modified)
        self.send_header("ETag", etag)
        self.end_headers()
        return body

    def _not_modified(self, etag: str, mtime: float) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            if since is None:
                return False
            return int(mtime) <= since.timestamp()
        return False


class PodcastServer(ThreadingHTTPServer):
    """A threading HTTP server that keeps quiet about dropped connections (and, when
    ``quiet``, about everything else)."""

    daemon_threads = True

    def __init__(self, address, handler, quiet: bool = True):
        self.quiet = quiet
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:
        if self.quiet or isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000, *,
                quiet: bool = True) -> ThreadingHTTPServer:
    """A server for ``directory`` bound to ``host:port`` (port 0 picks a free port).

    It does not start serving: call ``serve_forever()``; ``server.server_address`` gives the
    port actually bound.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder to serve")
    handler = partial(PodcastRequestHandler, directory=str(directory), quiet=quiet)
    try:
        return PodcastServer((host, port), handler, quiet=quiet)
    except OSError as err:
        raise InputError(f"cannot serve on {host}:{port}: {err.strerror or err}") from None
