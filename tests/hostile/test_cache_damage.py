"""A damaged cache: units truncated, gone or changed in place, unit facts edited into other
valid JSON, a cached cover or WAV with a flipped byte, engine facts emptied, receipts edited, a
unit in a shared store that no longer matches its facts. Each is a miss that is redone (the
episode equals a clean render byte for byte) and nothing damaged is used. And the cache commands,
pointed at a folder that is not a cache or one that holds a user's files, delete none of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLE
from pipeline import receipt
from pipeline.cache import Cache
from pipeline.render import Options, render
from pipeline.report import RecordingReporter


def rendered(transcript: Path, tmp_path: Path) -> tuple[Path, Path, bytes, Cache, list[dict]]:
    """A first render: (output, cache folder, its bytes, the cache, the units it recorded)."""
    out, cache_dir = tmp_path / "ep.mp3", tmp_path / "cache"
    render(transcript, Options(output=out, cache_root=str(cache_dir)))
    cache = Cache(cache_dir)
    return out, cache_dir, out.read_bytes(), cache, cache.load_episode(out)["units"]


def flip(path: Path, at: int | None = None) -> None:
    """One byte changed in place: the file keeps its size."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x5A
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------- units, covers and engine facts

def test_corrupt_cache_entry_is_detected_and_redone(transcript, tmp_path):
    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    victim = cache.mp3_path(units[3]["key"])
    victim.write_bytes(victim.read_bytes()[:500])          # truncated MP3 unit
    wav = cache.wav_path(units[5]["synth_key"])
    wav.write_bytes(wav.read_bytes()[:100])                 # truncated WAV
    (cache.mp3_path(units[5]["key"])).unlink()              # and its MP3 gone
    out.unlink()

    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=str(cache_dir)), reporter)
    reasons = {s.unit.ident: s.reason for s in result.statuses}
    assert reasons[units[3]["ident"]] == "cache entry corrupt"
    assert reasons[units[5]["ident"]] == "cache entry missing"
    assert reporter.done["encode"] == 2 and reporter.done["synthesize"] == 1
    assert out.read_bytes() == good


def test_a_cached_unit_damaged_in_place_is_found_by_its_hash_and_redone(transcript, tmp_path):
    """Same size, different bytes: the size check passes, the content hash (checked while the
    render works) does not, and the unit is encoded again before the join."""
    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    victim = cache.mp3_path(units[4]["key"])
    data = bytearray(victim.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(64)   # zeroed in the middle, same length
    victim.write_bytes(bytes(data))
    out.unlink()

    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=str(cache_dir)), reporter)
    assert {s.unit.ident: s.reason for s in result.statuses if s.reason != "cached"} == {
        units[4]["ident"]: "cache entry corrupt"}
    assert reporter.done["encode"] == 1 and reporter.done["synthesize"] == 0   # its WAV was intact
    assert (result.synthesized, result.encoded) == (0, 1)
    assert out.read_bytes() == good


def test_every_damaged_cache_artifact_is_redone_and_the_episode_equals_a_clean_one(transcript, tmp_path):
    """Unit facts edited into other valid JSON, a flipped byte in a WAV whose MP3 unit is gone,
    a flipped byte in the cached cover: each is a miss, and the result is byte for byte a clean
    render's."""
    import json

    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    meta = cache.mp3_path(units[2]["key"]).with_suffix(".json")
    facts = json.loads(meta.read_text(encoding="utf-8"))
    facts["unit"]["frames"] -= 1                                   # still valid JSON, one frame off
    meta.write_text(json.dumps(facts), encoding="utf-8")
    flip(cache.wav_path(units[5]["synth_key"]), at=4000)             # a sample changed in the speech
    cache.mp3_path(units[5]["key"]).unlink()                         # so its unit must be made again
    cover = next((cache.dir / "covers").glob("*.jpg"))
    flip(cover)
    for p in [out, *out.parent.glob("ep.*")]:
        p.unlink(missing_ok=True)

    reporter = RecordingReporter()
    result = render(transcript, Options(output=out, cache_root=str(cache_dir)), reporter)
    reasons = {s.unit.ident: s.reason for s in result.statuses if s.reason != "cached"}
    assert reasons == {units[2]["ident"]: "cache entry corrupt", units[5]["ident"]: "cache entry missing"}
    assert reporter.done["synthesize"] == 1 and reporter.done["encode"] == 2
    assert out.read_bytes() == good
    assert out.with_suffix(".jpg").read_bytes() == cover.read_bytes() != b""


@pytest.mark.parametrize("damage", ["", "{}", '{"data": {"espeak_version": "9.9"}, "seal": "0"}'])
def test_damaged_engine_facts_are_asked_again(transcript, tmp_path, damage):
    """The speech engine's facts kept in the cache, emptied or edited: asked of eSpeak again, and
    the render equals a clean one."""
    out, cache_dir, good, cache, units = rendered(transcript, tmp_path)
    facts = list(cache.dir.glob("engine-pyttsx3-*.json"))
    assert len(facts) == 1
    facts[0].write_text(damage, encoding="utf-8")
    out.unlink()
    render(transcript, Options(output=out, cache_root=str(cache_dir), force=True))
    assert out.read_bytes() == good


# ----------------------------------------------------------------------------------------- receipts

@pytest.mark.parametrize("damage", ["drop an input", "another message", "truncated", "empty"])
def test_a_damaged_receipt_is_never_trusted(receipt_files, damage):
    """A receipt edited into other valid JSON, or cut short, is not replayed: the command runs."""
    import json

    argv, inputs, _ = receipt_files
    path = receipt.receipt_path(argv)
    data = json.loads(open(path, encoding="utf-8").read())
    if damage == "drop an input":
        del data["inputs"][str(inputs[0])]          # so an edit to it would go unnoticed
        text = json.dumps(data)
    elif damage == "another message":
        data["stdout"] = "all is well\n"
        text = json.dumps(data)
    else:
        text = json.dumps(data)[:200] if damage == "truncated" else ""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    assert receipt.check(argv) is None and not receipt.replay(argv)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong format", "wrong argv"])
def test_a_damaged_receipt_is_ignored(receipt_files, damage):
    argv, _, _ = receipt_files
    path = Path(receipt.receipt_path(argv))
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:40])
    elif damage == "garbage":
        path.write_bytes(b"\xff\x00not json")
    elif damage == "wrong format":
        path.write_text(json.dumps({**data, "format": 0}), encoding="utf-8")
    else:
        path.write_text(json.dumps({**data, "argv": ["render", "other.txt"]}), encoding="utf-8")
    assert receipt.check(argv) is None


# ------------------------------------------------------------------------------ a shared unit store

def test_a_damaged_unit_in_the_store_is_a_miss(tmp_path):
    """A unit whose MP3 in the store no longer matches its facts is not taken into a cache."""
    from pipeline.cache import Cache
    from pipeline.store import UnitStore

    render(SAMPLE, Options(output=tmp_path / "a.mp3", cache_root=str(tmp_path / "cache")))
    cache = Cache(tmp_path / "cache")
    key = next(cache.mp3_path("x").parent.glob("*.mp3")).stem
    store = UnitStore((tmp_path / "store").as_uri())
    store.push(cache, key)
    assert store.has(key) and store.pull(Cache(tmp_path / "other"), key)
    assert Cache(tmp_path / "other").unit(key)[0] == cache.unit(key)[0]
    mp3 = tmp_path / "store" / "v1" / "mp3" / f"{key}.mp3"
    mp3.write_bytes(mp3.read_bytes()[:-10] + b"\0" * 10)
    assert not store.pull(Cache(tmp_path / "third"), key)
    assert Cache(tmp_path / "third").unit(key) == (None, "missing")


# ------------------------------------------------------------------------------- the cache commands

def test_cache_clear_refuses_a_folder_that_is_not_a_cache(run, tmp_path):
    home = tmp_path / "home"
    (home / "v1").mkdir(parents=True)
    (home / "v1" / "thesis.tex").write_text("years of work", encoding="utf-8")
    (home / "notes.txt").write_text("keep me", encoding="utf-8")
    for command in ("clear", "prune"):
        result = run("cache", command, "--cache-dir", home)
        assert result.exit_code == 3
        assert result.output == (f"Error: {home}: not a panelcast cache folder (it has no CACHEDIR.TAG "
                                 "written by panelcast): nothing deleted\n")
    assert (home / "v1" / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert (home / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_cache_clear_deletes_only_panelcasts_entries(run, tmp_path):
    cache = tmp_path / "mine"
    cache.mkdir()
    (cache / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("render", SAMPLE, "-o", tmp_path / "out" / "sample.mp3", "--cache-dir", cache)
    assert result.exit_code == 0, result.output
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    assert any((cache / "v1" / "mp3").iterdir())
    result = run("cache", "clear", "--cache-dir", cache)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    assert (tmp_path / "out" / "sample.mp3").is_file()                 # renders are not the cache's
