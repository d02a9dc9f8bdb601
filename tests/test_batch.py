"""`panelcast batch`: a catalogue rendered locally (a process per episode) and on a Dask cluster.

Every batch here renders real speech; the episodes are compared byte for byte with single
renders, read back with ffmpeg and mutagen, and the record (batch.json) is checked against
what was really done.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from pipeline.batch import FAILED, RENDERED, UP_TO_DATE, Settings, collect
from pipeline.errors import InputError, PanelcastError
from pipeline.render import Options, render

from conftest import SAMPLE, decode

SHORT = "Ann: Hello there. This is a short test of the batch.\nBob: Yes it is. Goodbye now.\n"
OTHER = "Cara: One more episode, with a third voice.\nDev: And a fourth, to close it.\n"


def run_cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          env=env or os.environ, cwd=cwd, timeout=300)


def catalogue(base: Path) -> Path:
    """in/harbour.txt (the sample), in/sub/short.txt with in/sub/episode.yaml, in/other.md, in/bad.txt."""
    src = base / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(SAMPLE, src / "harbour.txt")
    (src / "sub" / "short.txt").write_text(SHORT, encoding="utf-8")
    (src / "sub" / "episode.yaml").write_text("album: Folder Album\ndate: 2024-05-01\n", encoding="utf-8")
    (src / "other.md").write_text(OTHER, encoding="utf-8")
    (src / "bad.txt").write_bytes(b"no speakers here\x00\x01\x02")
    return src


@pytest.fixture(scope="module")
def local_batch(tmp_path_factory):
    """One local batch over the catalogue (with --config for the folders without episode.yaml),
    then the same batch again."""
    base = tmp_path_factory.mktemp("batch")
    src = catalogue(base)
    config = base / "all.yaml"
    config.write_text("album: Batch Album\ndate: 2024-01-02\n", encoding="utf-8")
    env = dict(os.environ, PANELCAST_CACHE=str(base / "cache"))
    env.pop("PANELCAST_DAEMON", None)           # as a user runs it: the resident process allowed
    first = run_cli("batch", src, "-o", base / "out", "--config", config, env=env)
    record = json.loads((base / "out" / "batch.json").read_text())
    again = run_cli("batch", src, "-o", base / "out", "--config", config, "--base-url", "https://example.org/s/",
                    env=env)
    return base, env, first, record, again, json.loads((base / "out" / "batch.json").read_text())


def by_name(record):
    return {e["name"]: e for e in record["episodes"]}


def test_local_batch_renders_every_good_episode_and_records_the_bad_one(local_batch):
    base, _, first, record, _, _ = local_batch
    assert first.returncode == 6, first.stderr
    episodes = by_name(record)
    assert set(episodes) == {"harbour", "short", "other", "bad"}
    assert episodes["bad"]["status"] == FAILED and episodes["bad"]["exit_code"] == 3
    assert "bad.txt" in episodes["bad"]["error"]
    assert "failed   bad: Error: " in first.stderr and "Traceback" not in first.stderr
    assert not (base / "out" / "bad.mp3").exists()
    for name in ("harbour", "short", "other"):
        e = episodes[name]
        assert e["status"] == RENDERED and e["synthesized"] == e["units"] > 0 and e["cached"] == 0
        audio = decode(base / "out" / f"{name}.mp3")          # ffmpeg decodes it, as long as recorded
        assert abs(len(audio) / 44100 - e["duration_s"]) < 0.1
        assert abs(audio.astype(float)).max() > 3000          # speech, not silence
        for suffix in (".captions.vtt", ".captions.srt", ".chapters.json", ".transcript.json", ".jpg"):
            assert (base / "out" / f"{name}{suffix}").is_file()
    assert f"{'harbour':<7}  {RENDERED}" in first.stdout      # the summary table
    assert "3 of 4 episodes done, 1 failed" in first.stdout


def test_the_folders_episode_yaml_wins_over_config(local_batch):
    base = local_batch[0]
    assert str(ID3(base / "out" / "short.mp3")["TALB"]) == "Folder Album"
    assert str(ID3(base / "out" / "harbour.mp3")["TALB"]) == "Batch Album"
    assert str(ID3(base / "out" / "other.mp3")["TALB"]) == "Batch Album"


def test_batch_is_byte_identical_to_single_renders(local_batch, tmp_path):
    base = local_batch[0]
    src = base / "in"
    from pipeline.config import load_config

    for name, transcript, config in [("harbour", src / "harbour.txt", base / "all.yaml"),
                                     ("short", src / "sub" / "short.txt", src / "sub" / "episode.yaml")]:
        single = render(transcript, Options(output=tmp_path / f"{name}.mp3", config=load_config(config),
                                            cache_root=str(tmp_path / "cache")))
        assert single.output.read_bytes() == (base / "out" / f"{name}.mp3").read_bytes()
        assert (tmp_path / f"{name}.captions.vtt").read_bytes() == (base / "out" / f"{name}.captions.vtt").read_bytes()


def test_rerun_redoes_nothing_and_writes_the_feed(local_batch):
    base, env, _, _, again, record = local_batch
    assert again.returncode == 6                                # the bad one still fails
    episodes = by_name(record)
    for name in ("harbour", "short", "other"):
        assert episodes[name]["status"] == UP_TO_DATE and episodes[name]["synthesized"] == 0
        assert episodes[name]["cached"] == episodes[name]["units"] > 0
    feed = (base / "out" / "feed.xml").read_text()
    assert feed.count("<item>") == 3 and "https://example.org/s/harbour.mp3" in feed


def test_batch_leaves_no_resident_process(local_batch):
    _, env, *_ = local_batch
    status = run_cli("daemon", "status", env=env)
    assert status.stdout.startswith("No resident render process"), status.stdout


def test_dry_run_says_per_episode_what_would_be_redone(local_batch):
    base, env, *_ = local_batch
    src = base / "in"
    (src / "sub" / "short.txt").write_text(SHORT + "Ann: One more line, new.\n", encoding="utf-8")
    try:
        dry = run_cli("batch", src, "-o", base / "out", "--config", base / "all.yaml", "--dry-run", env=env)
    finally:
        (src / "sub" / "short.txt").write_text(SHORT, encoding="utf-8")
    lines = {line.split()[0]: line for line in dry.stdout.splitlines()}
    assert "0 to synthesize, 0 to encode" in lines["harbour"]
    assert "1 to synthesize, 1 to encode" in lines["short"]
    assert "Error: " in lines["bad"]
    assert dry.returncode == 0


def test_two_inputs_of_one_name_are_refused_before_any_work(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "ep.txt").write_text(SHORT)
    (tmp_path / "b" / "ep.txt").write_text(OTHER)
    out = run_cli("batch", tmp_path / "a", tmp_path / "b", "-o", tmp_path / "out")
    assert out.returncode == 3
    assert out.stderr.startswith("Error: ") and "two transcripts are named 'ep'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_collect_takes_files_folders_and_globs(tmp_path):
    src = catalogue(tmp_path)
    (src / "notes.yaml").write_text("x: 1\n")
    (src / "old.chapters.json").write_text("{}")
    (src / "old.captions.vtt").write_text("WEBVTT\n")          # captions are sidecars, not transcripts
    names = [e.name for e in collect([str(src)], tmp_path / "out")]
    assert sorted(names) == ["bad", "harbour", "other", "short"]
    globbed = collect([str(src / "**" / "*.txt"), str(src / "harbour.txt")], tmp_path / "out", "c.yaml")
    assert sorted(e.name for e in globbed) == ["bad", "harbour", "short"]            # harbour once
    configs = {e.name: e.config for e in globbed}
    assert configs["short"] == str(src / "sub" / "episode.yaml") and configs["harbour"] == "c.yaml"
    assert {e.output for e in globbed} == {str(tmp_path / "out" / f"{n}.mp3") for n in ("bad", "harbour", "short")}
    with pytest.raises(InputError, match="no transcript matches"):
        collect([str(src / "*.nothing")], tmp_path / "out")
    with pytest.raises(InputError, match="no such file"):
        collect([str(src / "missing.txt")], tmp_path / "out")
    assert Settings().workers == 0


# ------------------------------------------------------------------------------ on a Dask cluster

@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def cluster_batch(dask_cluster, tmp_path_factory):
    """The catalogue on the cluster (through the CLI, with PANELCAST_SCHEDULER), then again."""
    base = tmp_path_factory.mktemp("cluster")
    src = catalogue(base)
    env = dict(os.environ, PANELCAST_CACHE=str(base / "cache"), PANELCAST_SCHEDULER=dask_cluster.scheduler_address)
    first = run_cli("batch", src, "-o", base / "out", env=env)
    record = json.loads((base / "out" / "batch.json").read_text())
    again = run_cli("batch", src, "-o", base / "out", env=env)
    return base, first, record, again, json.loads((base / "out" / "batch.json").read_text())


def test_cluster_batch_is_byte_identical_to_single_renders(cluster_batch, tmp_path):
    base, first, record, _, _ = cluster_batch
    assert first.returncode == 6, first.stderr
    episodes = by_name(record)
    assert episodes["bad"]["status"] == FAILED and "bad.txt" in episodes["bad"]["error"]
    assert "Traceback" not in first.stderr
    from pipeline.config import load_config

    src = base / "in"
    for name, transcript, config in [("harbour", src / "harbour.txt", None), ("other", src / "other.md", None),
                                     ("short", src / "sub" / "short.txt", src / "sub" / "episode.yaml")]:
        e = episodes[name]
        assert e["status"] == RENDERED and e["synthesized"] == e["units"] > 0, e
        single = render(transcript, Options(output=tmp_path / f"{name}.mp3",
                                            config=load_config(config) if config else Options(tmp_path).config,
                                            cache_root=str(tmp_path / "cache")))
        assert single.output.read_bytes() == (base / "out" / f"{name}.mp3").read_bytes(), name
        assert (tmp_path / f"{name}.captions.srt").read_bytes() == (base / "out" / f"{name}.captions.srt").read_bytes()


def test_cluster_rerun_synthesizes_nothing(cluster_batch):
    _, _, _, again, record = cluster_batch
    assert again.returncode == 6
    for name in ("harbour", "short", "other"):
        e = by_name(record)[name]
        assert e["status"] == UP_TO_DATE and e["synthesized"] == 0 and e["cached"] == e["units"]


def test_a_worker_of_another_version_is_refused_by_name(dask_cluster, tmp_path):
    from distributed import Client

    from pipeline.cluster import run_cluster

    src = tmp_path / "in"
    src.mkdir()
    (src / "short.txt").write_text(SHORT)
    with Client(dask_cluster.scheduler_address) as client:
        worker = sorted(client.scheduler_info()["workers"])[0]

        def other_version(version):
            import pipeline

            before, pipeline.__version__ = pipeline.__version__, version
            return before

        before = client.run(other_version, "0.0.1-other", workers=[worker])[worker]
        try:
            with pytest.raises(PanelcastError) as caught:
                run_cluster(collect([str(src)], tmp_path / "out"), Settings(cache_root=str(tmp_path / "cache")),
                            dask_cluster.scheduler_address)
        finally:
            client.run(other_version, before, workers=[worker])
    message = str(caught.value)
    assert message.startswith(f"worker {worker}: panelcast is 0.0.1-other there but 0.1.0 here") and "\n" not in message
    assert caught.value.exit_code == 4
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache" / "v1" / "mp3").exists()


def test_a_killed_worker_still_completes_the_batch(dask_cluster, tmp_path):
    """A worker process is killed (SIGKILL) as soon as the first unit lands: its unit is done again
    elsewhere, and the episodes are the same bytes as single renders."""
    import signal

    from distributed import Client

    from pipeline.cluster import run_cluster
    from pipeline.report import RecordingReporter

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLE, src / "harbour.txt")
    (src / "short.txt").write_text(SHORT)
    killed = []

    class Killer(RecordingReporter):
        def advance(self, name, n=1):
            super().advance(name, n)
            if name == "units" and not killed:
                with Client(dask_cluster.scheduler_address) as client:
                    busy = [w for w, tasks in client.processing().items() if tasks]
                    pids = client.run(os.getpid, workers=busy[:1])
                for pid in pids.values():
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

    results = run_cluster(collect([str(src)], tmp_path / "out"), Settings(cache_root=str(tmp_path / "cache")),
                          dask_cluster.scheduler_address, Killer())
    assert killed, "no worker was busy when the first unit landed"
    assert [r.status for r in results] == [RENDERED, RENDERED]
    for r in results:
        single = render(r.transcript, Options(output=tmp_path / "single" / f"{r.name}.mp3",
                                              cache_root=str(tmp_path / "single-cache")))
        assert single.output.read_bytes() == Path(r.output).read_bytes()
    leftovers = [p.name for p in (tmp_path / "cache" / "v1" / "mp3").iterdir() if not p.name.endswith((".mp3", ".json"))]
    assert leftovers == [] or all(p.startswith(".") for p in leftovers)


def store_batch(scheduler, url, tmp_path, client_cache):
    from pipeline.cluster import run_cluster

    src = tmp_path / "in"
    if not src.exists():
        src.mkdir()
        (src / "short.txt").write_text(SHORT)
        (src / "other.txt").write_text(OTHER)
    return run_cluster(collect([str(src)], tmp_path / "out"), Settings(cache_root=str(client_cache), store=url),
                       scheduler)


def check_store_batches(tmp_path, first, second):
    """The units went to the store and back: identical bytes, and a client with an empty cache
    the second time synthesizes nothing (every unit comes from the store)."""
    assert [r.status for r in first] == [RENDERED, RENDERED]
    assert all(r.synthesized == r.units > 0 for r in first)
    assert [(r.status, r.synthesized, r.encoded, r.cached == r.units) for r in second] == [(RENDERED, 0, 0, True)] * 2
    for r in first:
        single = render(r.transcript, Options(output=tmp_path / "single" / f"{r.name}.mp3",
                                              cache_root=str(tmp_path / "single-cache")))
        assert single.output.read_bytes() == Path(r.output).read_bytes()


def test_a_file_url_store_carries_the_units(dask_cluster, tmp_path):
    from distributed import Client

    def own_cache(path):
        os.environ["PANELCAST_CACHE"] = path      # each worker's local cache, apart from the client's
        return path

    with Client(dask_cluster.scheduler_address) as client:
        client.run(own_cache, str(tmp_path / "worker-cache"))
        try:
            url = (tmp_path / "store").as_uri()
            first = store_batch(dask_cluster.scheduler_address, url, tmp_path, tmp_path / "client-1")
            second = store_batch(dask_cluster.scheduler_address, url, tmp_path, tmp_path / "client-2")
        finally:
            client.run(lambda: os.environ.pop("PANELCAST_CACHE", None))
    check_store_batches(tmp_path, first, second)
    stored = sorted(p.name for p in (tmp_path / "store" / "v1" / "mp3").iterdir())
    units = sum(r.units for r in first)
    assert len(stored) == 2 * units and not [n for n in stored if n.endswith(".tmp")]


def test_an_in_memory_store_carries_the_units(tmp_path, monkeypatch):
    """fsspec's memory:// is one process's: the workers are threads of this one here."""
    distributed = pytest.importorskip("distributed")
    import fsspec

    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "worker-cache"))
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0") as c:
        first = store_batch(c.scheduler_address, "memory://panelcast-test", tmp_path, tmp_path / "client-1")
        second = store_batch(c.scheduler_address, "memory://panelcast-test", tmp_path, tmp_path / "client-2")
    check_store_batches(tmp_path, first, second)
    fs = fsspec.filesystem("memory")
    assert len(fs.ls("/panelcast-test/v1/mp3")) == 2 * sum(r.units for r in first)
    fs.rm("/panelcast-test", recursive=True)


def test_force_on_the_cluster_remakes_every_unit_once(dask_cluster, tmp_path):
    from pipeline.cluster import run_cluster

    src = tmp_path / "in"
    src.mkdir()
    (src / "short.txt").write_text(SHORT)
    units = tmp_path / "cache" / "v1" / "mp3"

    def batch(force):
        (result,) = run_cluster(collect([str(src)], tmp_path / "out"),
                                Settings(cache_root=str(tmp_path / "cache"), force=force), dask_cluster.scheduler_address)
        return result, {p.name: p.stat().st_ino for p in units.glob("*.mp3")}

    (first, before), (forced, after) = batch(False), batch(True)
    made = (tmp_path / "out" / "short.mp3").read_bytes()
    assert forced.status == RENDERED and forced.synthesized == forced.encoded == forced.units == first.units > 0
    assert before.keys() == after.keys() and len(before) == first.units
    assert all(before[name] != after[name] for name in before)       # each unit's file written anew
    single = render(src / "short.txt", Options(output=tmp_path / "single.mp3", cache_root=str(tmp_path / "c2")))
    assert single.output.read_bytes() == made


def test_a_cache_url_without_a_scheduler_is_refused(tmp_path):
    (tmp_path / "ep.txt").write_text(SHORT)
    out = run_cli("batch", tmp_path / "ep.txt", "-o", tmp_path / "out", "--cache-dir", "memory://x")
    assert out.returncode == 3 and out.stderr.startswith("Error: memory://x: a cache URL is for a cluster")
    assert not (tmp_path / "out").exists()
