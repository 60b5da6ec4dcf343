"""The workbook benchmark runs end to end at a tiny size and reports every figure (never timed)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import scale
from bench import workbook as bench_workbook


def test_workbook_benchmark_reports_every_figure(tmp_path: Path):
    path = scale.generate(2_000, tmp_path)
    size = {"target_rows": 2_000, **bench_workbook.measure_file(path, repeats=1)}
    for key, _, _ in bench_workbook.COLUMNS:
        assert size[key] > 0, key
    for key in ("build_s", "imports_rss_mb"):
        assert size[key] > 0, key
    assert 1_900 <= size["answer_rows"] <= 2_000
    assert size["peak_rss_mb"] >= size["imports_rss_mb"]
    figures = {
        "machine": scale.machine(),
        "targets_at": 2_000,
        "targets": bench_workbook.TARGETS,
        "sizes": [size],
    }
    assert set(bench_workbook.TARGETS) <= set(size)
    json.dumps(figures)  # what `make bench` writes to bench/results-workbook.json
    table = bench_workbook.report_table(figures)
    print(table)
    for _, label, _ in bench_workbook.COLUMNS:
        assert label in table
