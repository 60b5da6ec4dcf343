"""The scale benchmark runs end to end at a tiny size and reports every figure (never timed)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import scale


def test_generated_data_is_reproducible_and_reads_back(tmp_path: Path):
    first = scale.generate(2_000, tmp_path / "a")
    second = scale.generate(2_000, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    from alignment.store import load_responses

    frame = load_responses(first).frame
    assert 1_900 <= len(frame) <= 2_000
    assert scale.HEAVY_RESPONDENT in set(frame["respondent"])
    assert scale.LIVE_SESSION in set(frame["session"])


def test_scale_benchmark_reports_every_figure(tmp_path: Path):
    figures = scale.measure((2_000,), root=tmp_path, repeats=1)
    (size,) = figures["sizes"]
    measures = [key for key, _, _ in scale.COLUMNS]
    for key in [*measures, "load_s", "imports_rss_mb"]:
        assert size[key] > 0, key
    assert set(figures["targets"]) <= set(size)
    assert {"cores", "python", "pandas", "date"} <= set(figures["machine"])
    json.dumps(figures)  # what `make bench` writes to bench/results.json
    table = scale.report_table(figures)
    print(table)
    for _, label, _ in scale.COLUMNS:
        assert label in table
