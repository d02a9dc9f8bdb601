"""Receipts: an unchanged repeat of a render is answered without loading the pipeline, and any
change to what the episode was made from (or to what it wrote) sends it to the full render."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from pipeline import receipt


def test_an_unchanged_command_is_replayed(receipt_files, capsys):
    argv, _, _ = receipt_files
    assert receipt.replay(argv)
    out, err = capsys.readouterr()
    assert (out, err) == ("up to date\n", "Warning: w\n")


def test_an_input_edited_in_place_is_noticed(receipt_files):
    argv, inputs, _ = receipt_files
    stat = inputs[0].stat()
    inputs[0].write_text(inputs[0].read_text(encoding="utf-8").upper(), encoding="utf-8")  # same size
    os.utime(inputs[0], ns=(stat.st_atime_ns, stat.st_mtime_ns))                           # same time
    assert receipt.check(argv) is None


@pytest.mark.parametrize("change", ["touch", "delete", "rewrite"])
def test_a_changed_or_missing_output_is_noticed(receipt_files, change):
    argv, _, outputs = receipt_files
    target = outputs[1]
    if change == "touch":
        os.utime(target, ns=(0, target.stat().st_mtime_ns + 1))
    elif change == "delete":
        target.unlink()
    else:
        target.write_text("something else entirely\n", encoding="utf-8")
    assert receipt.check(argv) is None


def test_a_missing_input_is_noticed(receipt_files):
    argv, inputs, _ = receipt_files
    inputs[1].unlink()
    assert receipt.check(argv) is None


def test_other_command_lines_folders_and_environments_have_other_receipts(receipt_files, tmp_path, monkeypatch):
    argv, _, _ = receipt_files
    assert receipt.check(argv + ["-j", "1"]) is None
    assert receipt.check(["render", "./show.txt", "-o", "show.mp3"]) is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "elsewhere"))
    assert receipt.check(argv) is None
    monkeypatch.delenv("XDG_CACHE_HOME")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert receipt.check(argv) is None


@pytest.mark.parametrize("extra", ["--force", "--dry-run", "--explain", "-h", "--help"])
def test_forced_explained_and_help_commands_are_never_replayed(receipt_files, extra):
    argv, inputs, outputs = receipt_files
    command = argv + [extra]
    receipt.write(command, [str(p) for p in inputs], [str(p) for p in outputs], "x", "")
    assert receipt.receipt_path(command) is None
    assert receipt.check(command) is None


def test_a_changed_source_file_of_panelcast_is_noticed(receipt_files, tmp_path, monkeypatch):
    argv, inputs, outputs = receipt_files
    package = tmp_path / "package"
    package.mkdir()
    (package / "module.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(receipt, "PACKAGE_DIR", str(package))
    receipt.write(argv, [str(p) for p in inputs], [str(p) for p in outputs], "up to date\n", "")
    assert receipt.check(argv) is not None
    (package / "module.py").write_text("x = 22\n", encoding="utf-8")
    assert receipt.check(argv) is None


def test_the_cache_root_follows_the_command_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PANELCAST_CACHE", str(tmp_path / "env"))
    assert receipt.cache_root(["render", "t.txt"]) == str(tmp_path / "env")
    assert receipt.cache_root(["render", "t.txt", "--cache-dir", "/x/y"]) == "/x/y"
    assert receipt.cache_root(["render", "t.txt", "--cache-dir=/x/z"]) == "/x/z"


# --------------------------------------------------------------------------- the real command


def panelcast(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -X importtime -m pipeline ...``: the real command, with its imports listed on stderr."""
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "pipeline", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def imported(stderr: str) -> set[str]:
    return {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("import time:")]


def test_the_command_replays_only_an_unchanged_render(tmp_path):
    """Real renders of the sample: the repeat loads no CLI, YAML or audio library; an edit of
    one paragraph is rendered (one unit), and its repeat is replayed again."""
    show = tmp_path / "show.txt"
    show.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    args = ("render", "show.txt", "-o", "out/show.mp3", "--cache-dir", "cache")

    first = panelcast(*args, cwd=tmp_path)
    assert first.returncode == 0, messages(first.stderr)
    assert first.stdout.startswith("Wrote out/show.mp3")
    assert "click" in imported(first.stderr)

    again = panelcast(*args, cwd=tmp_path)
    assert again.returncode == 0, messages(again.stderr)
    assert again.stdout == "out/show.mp3 is up to date (17 units cached)\n"
    assert imported(again.stderr).isdisjoint({"click", "yaml", "numpy", "pipeline.render", "pipeline.cli"})

    quiet = panelcast(*args, "-q", cwd=tmp_path)    # another command line: the full check, then
    assert quiet.stdout == "" and "click" in imported(quiet.stderr)
    quiet = panelcast(*args, "-q", cwd=tmp_path)    # its own receipt
    assert quiet.stdout == "" and messages(quiet.stderr) == ["out/show.mp3 is up to date (17 units cached)"]
    assert "click" not in imported(quiet.stderr)

    show.write_text(show.read_text(encoding="utf-8").replace("Measure your own water.", "Measure the water."),
                    encoding="utf-8")
    edited = panelcast(*args, cwd=tmp_path)
    assert edited.returncode == 0, messages(edited.stderr)
    assert "(1 synthesized, 1 encoded)" in edited.stdout

    after = panelcast(*args, cwd=tmp_path)
    assert after.stdout == "out/show.mp3 is up to date (17 units cached)\n"
    assert "click" not in imported(after.stderr)

    (tmp_path / "out" / "show.captions.vtt").unlink()                 # a sidecar gone: rendered again
    restored = panelcast(*args, cwd=tmp_path)
    assert restored.stdout.startswith("Wrote out/show.mp3") and (tmp_path / "out" / "show.captions.vtt").is_file()


def test_an_input_saved_again_unchanged_goes_to_the_full_render(receipt_files):
    """The episode date comes from the transcript's modification time, so a new time counts."""
    argv, inputs, _ = receipt_files
    os.utime(inputs[0], ns=(0, inputs[0].stat().st_mtime_ns + 86_400 * 10**9))
    assert receipt.check(argv) is None


def test_cache_prune_removes_only_receipts_that_no_longer_match(receipt_files):
    from pipeline.cache import Cache

    argv, inputs, _ = receipt_files
    path = Path(receipt.receipt_path(argv))
    Cache().claim()                                  # a render marks the folder as the cache
    assert Cache().prune()[0] == 0 and path.is_file()
    inputs[0].write_text("edited\n", encoding="utf-8")
    removed, freed = Cache().prune()
    assert (removed, not path.exists()) == (1, True) and freed > 0


def test_a_speech_library_that_appears_is_noticed(receipt_files, tmp_path):
    """A system eSpeak NG installed after the render would be the one loaded: not up to date."""
    argv, inputs, outputs = receipt_files
    library = tmp_path / "lib" / "libespeak-ng.so.1"
    receipt.write(argv, [str(p) for p in inputs], [str(p) for p in outputs], "up to date\n", "",
                  libraries=[str(library)])
    assert receipt.check(argv) is not None
    library.parent.mkdir()
    library.write_bytes(b"\x7fELF")
    assert receipt.check(argv) is None
