"""The built wheel holds the whole package (subpackages and the voice palette) and renders
when installed on its own, outside this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT, SAMPLE


def test_the_wheel_installs_a_working_panelcast(tmp_path):
    source = tmp_path / "source"   # a clean copy: setuptools would reuse a stale build/ folder
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".*", "build", "dist", "*.egg-info", "__pycache__", "output", "tests", "benchmarks"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("panelcast-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").rglob("*.py")}
    assert sources <= names
    assert {"pipeline/voices/palette.yaml", "pipeline/voices/example-cast.yaml"} <= names
    assert {"pipeline/page.html", "pipeline/show.html"} <= names     # the page templates

    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import pipeline.cast as c; print(c.__file__, c.PALETTE_PATH)"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.split() == [str(target / "pipeline" / "cast.py"),
                                    str(target / "pipeline" / "voices" / "palette.yaml")], where.stderr
    rendered = subprocess.run(
        [sys.executable, "-m", "pipeline", "render", str(SAMPLE), "-o", "out/show.mp3", "--cache-dir", "cache", "-q"],
        cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert rendered.returncode == 0, rendered.stderr
    assert (work / "out" / "show.mp3").stat().st_size > 100_000
    assert "<audio" in (work / "out" / "show.html").read_text("utf-8")
