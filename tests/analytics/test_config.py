"""thresholds.yaml documents every FlagConfig field with the code's default, a meaning and a source."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import yaml

from analytics.config import FlagConfig

YAML = Path(__file__).resolve().parents[2] / "analytics" / "thresholds.yaml"


def test_every_threshold_is_documented_with_its_default() -> None:
    raw = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    default = FlagConfig()
    assert set(raw) == {f.name for f in fields(FlagConfig)}
    for name, entry in raw.items():
        assert {"default", "meaning", "source"} <= set(entry), name
        value = entry["default"]
        if isinstance(value, dict):
            value = {k: tuple(v) for k, v in value.items()}
        assert value == getattr(default, name), name


def test_load_reads_the_file_and_overrides(tmp_path: Path) -> None:
    assert FlagConfig.load() == FlagConfig()
    p = tmp_path / "t.yaml"
    p.write_text("helpers_attention:\n  default: 5\ncaseload_max: 12\n")
    c = FlagConfig.load(p)
    assert (c.helpers_attention, c.caseload_max, c.helpers_alarm) == (5, 12, 8)
