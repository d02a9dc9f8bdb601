"""Hostile configs and YAML: an alias bomb ("billion laughs") and an impossible date. Each is a
one-line configuration error naming the file, quickly, never a traceback or a process that grows
until it is killed."""

from __future__ import annotations

import pytest

from conftest import SAMPLE
from pipeline.config import load_config
from pipeline.errors import ConfigError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("bcdefgh", "cdefghi"))


def test_a_yaml_alias_bomb_is_refused(tmp_path):
    config = tmp_path / "episode.yaml"
    config.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"episode.yaml:2: invalid YAML: aliases \(\*name\) are not allowed"):
        load_config(config)


def test_an_impossible_date_is_a_config_error(run, tmp_path):
    config = tmp_path / "episode.yaml"
    config.write_text("date: 2024-02-30\n", encoding="utf-8")
    result = run("render", SAMPLE, "--config", config, "-o", tmp_path / "x.mp3")
    assert result.exit_code == 3
    assert result.output == f"Error: {config}: invalid YAML: day is out of range for month\n"
