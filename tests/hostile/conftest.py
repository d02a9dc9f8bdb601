"""Shared by the hostile tests: the command run in the test's own folder."""

from __future__ import annotations

import pytest


@pytest.fixture
def run(run, tmp_path, monkeypatch):
    """conftest's ``run``, in the test's folder: messages name files as typed there."""
    monkeypatch.chdir(tmp_path)
    return run
