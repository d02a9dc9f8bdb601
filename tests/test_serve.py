"""The preview server, exercised over real sockets with urllib and http.client."""

from __future__ import annotations

import http.client
import threading

import pytest

from conftest import AUDIO, fetch
from pipeline.errors import InputError
from pipeline.serve import content_type, make_server, parse_range


def test_full_get(site_url):
    status, headers, body = fetch(site_url + "/ep%201.mp3")
    assert status == 200
    assert body == AUDIO
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Content-Length"] == str(len(AUDIO))
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("header, first, last", [
    ("bytes=100-199", 100, 199),
    ("bytes=10000-", 10000, len(AUDIO) - 1),
    ("bytes=-44", len(AUDIO) - 44, len(AUDIO) - 1),
    ("bytes=10200-99999", 10200, len(AUDIO) - 1),   # end clamped to the file
    ("bytes=-999999", 0, len(AUDIO) - 1),           # suffix longer than the file
])
def test_byte_ranges(site_url, header, first, last):
    status, headers, body = fetch(site_url + "/ep%201.mp3", headers={"Range": header})
    assert status == 206
    assert body == AUDIO[first:last + 1]
    assert headers["Content-Range"] == f"bytes {first}-{last}/{len(AUDIO)}"
    assert headers["Content-Length"] == str(last - first + 1)
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=10244-10300", "bytes=-0"])
def test_unsatisfiable_range_is_416(site_url, header):
    status, headers, body = fetch(site_url + "/ep%201.mp3", headers={"Range": header})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(AUDIO)}"
    assert body == b""


def test_range_on_empty_file_is_416(site_url):
    status, headers, _ = fetch(site_url + "/empty.txt", headers={"Range": "bytes=0-"})
    assert status == 416 and headers["Content-Range"] == "bytes */0"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=x-y"])
def test_ranges_we_do_not_serve_give_the_whole_file(site_url, header):
    status, _, body = fetch(site_url + "/ep%201.mp3", headers={"Range": header})
    assert status == 200 and body == AUDIO


def test_if_range_with_stale_validator_gives_whole_file(site_url):
    _, headers, _ = fetch(site_url + "/ep%201.mp3", method="HEAD")
    status, _, body = fetch(site_url + "/ep%201.mp3",
                            headers={"Range": "bytes=0-9", "If-Range": headers["ETag"]})
    assert status == 206 and body == AUDIO[:10]
    status, _, body = fetch(site_url + "/ep%201.mp3",
                            headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert status == 200 and body == AUDIO


def test_conditional_get(site_url):
    _, headers, _ = fetch(site_url + "/feed.xml")
    status, _, body = fetch(site_url + "/feed.xml", headers={"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""


def test_head(site_url):
    status, headers, body = fetch(site_url + "/ep%201.mp3", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len(AUDIO))
    assert headers["Accept-Ranges"] == "bytes"
    status, headers, body = fetch(site_url + "/ep%201.mp3", method="HEAD",
                                  headers={"Range": "bytes=0-9"})
    assert status == 206 and body == b"" and headers["Content-Range"] == f"bytes 0-9/{len(AUDIO)}"


@pytest.mark.parametrize("name, expected", [
    ("ep%201.captions.vtt", "text/vtt; charset=utf-8"),
    ("ep%201.captions.srt", "application/x-subrip; charset=utf-8"),
    ("ep%201.chapters.json", "application/json+chapters"),
    ("ep%201.transcript.json", "application/json"),
    ("feed.xml", "application/rss+xml; charset=utf-8"),
    ("cover.jpg", "image/jpeg"),
    ("cover.png", "image/png"),
])
def test_content_types_and_cors(site_url, name, expected):
    status, headers, _ = fetch(f"{site_url}/{name}")
    assert status == 200
    assert headers["Content-Type"] == expected
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(site_url):
    status, headers, _ = fetch(site_url + "/ep%201.mp3", method="OPTIONS",
                               headers={"Origin": "https://app.example",
                                        "Access-Control-Request-Headers": "range"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Range" in headers["Access-Control-Allow-Headers"]


def test_quiet_by_default(site, capfd):
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        fetch(f"http://{host}:{port}/ep%201.mp3")
        fetch(f"http://{host}:{port}/missing")
        # a client that hangs up mid-response
        conn = http.client.HTTPConnection(host, port, timeout=5)
        conn.request("GET", "/ep%201.mp3")
        conn.sock.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_not_quiet_logs_requests(site, capfd):
    server = make_server(site, port=0, quiet=False)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        fetch(f"http://{host}:{port}/feed.xml")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert '"GET /feed.xml HTTP/1.1" 200' in capfd.readouterr().err


def test_make_server_errors(tmp_path, site):
    with pytest.raises(InputError, match="not a folder to serve"):
        make_server(tmp_path / "missing")
    server = make_server(site, port=0)
    try:
        port = server.server_address[1]
        with pytest.raises(InputError, match=f"cannot serve on 127.0.0.1:{port}"):
            make_server(site, port=port)
    finally:
        server.server_close()


def test_parse_range_and_content_type_units():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes = 2 - 4", 10) == (2, 4)
    assert parse_range("bytes=10-", 10) is False
    assert parse_range("bytes=-", 10) is None
    assert content_type("A.Chapters.JSON") == "application/json+chapters"
    assert content_type("x.unknownext") == "application/octet-stream"
