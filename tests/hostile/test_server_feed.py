"""Hostile requests to the server and hostile text in the feed: paths that climb out of the
served folder (``..``, encoded, through a symlink), hidden temp files, a folder listing that
would show either, and control characters in titles, which must still give well-formed XML."""

from __future__ import annotations

import http.client
import xml.etree.ElementTree as ET

import pytest

from conftest import add_episode, fetch


def raw_get(site_url: str, path: str):
    """Send ``path`` exactly as written (urllib would not, for ``/../``)."""
    host, port = site_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/a/../../secret.txt",
                                  "/..%2fsecret.txt"])
def test_path_traversal_is_refused(site_url, path):
    status, body = raw_get(site_url, path)
    assert status in (403, 404)
    assert b"TOP-SECRET" not in body


def test_symlink_out_of_the_folder_and_hidden_files_are_not_found(site_url):
    assert fetch(site_url + "/link.txt")[0] == 404
    assert fetch(site_url + "/.ep%201.mp3.x1y2.tmp")[0] == 404
    assert fetch(site_url + "/missing.mp3")[0] == 404


def test_folder_listing_stays_inside(site_url):
    status, headers, body = fetch(site_url + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'href="ep%201.mp3"' in body and b'href="sub/"' in body
    assert b"secret" not in body
    assert b".tmp" not in body       # hidden (in-progress) files are not listed
    assert b"link.txt" not in body   # nor links leading out of the folder
    status, _, body = fetch(site_url + "/sub")
    assert status == 200 and b"inner.vtt" in body  # redirected to /sub/


def test_control_characters_in_titles_keep_the_feed_well_formed(tmp_path, tone_mp3):
    from pipeline.feed import write_feed

    add_episode(tone_mp3, tmp_path, "one.mp3", "Bell\x07 and\x1b escape\x00")
    feed = write_feed(tmp_path, "https://example.org/", title="Show\x0b title")
    root = ET.fromstring(feed.read_bytes())                      # raises if not well-formed
    assert root.find("channel/title").text == "Show title"
    assert root.find("channel/item/title").text == "Bell and escape"
