"""Versions read from dist-info folder names agree with importlib.metadata, which a render
no longer imports."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from conftest import ROOT, SAMPLE
from pipeline import dists


def test_every_installed_distribution_gets_the_version_importlib_metadata_gives():
    names = {d.metadata["Name"] for d in metadata.distributions() if d.metadata["Name"]}
    assert {"numpy", "lameenc", "soxr", "pyebur128", "pyttsx3"} <= {n.lower() for n in names}
    for name in sorted(names):
        assert dists.version(name) == metadata.version(name), name


def test_an_unknown_distribution_is_not_found():
    with pytest.raises(metadata.PackageNotFoundError):
        dists.version("no-such-distribution-here")


def test_a_dry_run_does_not_import_importlib_metadata(tmp_path):
    code = ("import sys; from pipeline import cli\n"
            "try:\n"
            f"    cli.main(['render', {str(SAMPLE)!r}, '-o', 'out/s.mp3', '--cache-dir', 'cache', '--dry-run'])\n"
            "except SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "print('importlib.metadata' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "False"
