"""The benchmarks run and print every figure (speed is read from them, never asserted)."""

from __future__ import annotations

from bench import export_speed


def test_export_benchmark_measures_and_prints_every_figure(chart_renderer: None):
    figures = export_speed.measure(repeats=1)
    assert set(figures) >= {"per-call chart (new browser)", *export_speed.TARGETS}
    assert all(seconds > 0 for seconds in figures.values())
    table = export_speed.report_table(figures)
    print(table)
    for name in figures:
        assert name in table
    assert "faster than a new browser per chart" in table
