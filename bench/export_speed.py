"""How fast downloads are made: a warm kaleido server against a new browser for every chart.

Run with `make bench` (or `python -m bench.export_speed`). Prints a table and returns the
figures; the issue's targets are shown beside them, not asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import kaleido
import pandas as pd

from alignment import chartsets, images, report
from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.scoring import Scores, score_responses
from alignment.store import load_responses
from alignment.workshop import Session, one_off_view

TARGETS = {"warm chart": 0.5, "pack of 6 charts": 3.0, "report": 5.0}


def _seconds(action: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sample() -> tuple[Questionnaire, pd.DataFrame, Scores]:
    questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    frame = load_responses(SAMPLE_RESPONSES).frame
    return questionnaire, frame, score_responses(frame, questionnaire)


def six_charts() -> chartsets.ChartSet:
    """Results (3 charts) and a workshop (3 charts) of the sample data, as one set."""
    questionnaire, _, scores = sample()
    results = chartsets.response_charts(
        scores, scores.overall["response_id"].iloc[-1], questionnaire
    )
    room = scores.strategies[scores.strategies["session"] == "START7"]
    session = Session("START7", "Kick-off", questionnaire.id, min_group=3)
    group = chartsets.session_charts(one_off_view(room, session), session, questionnaire)
    return chartsets.ChartSet("bench", "bench", results.day, results.charts + group.charts)


def per_call_png(figure: object) -> bytes:
    """The slow way: kaleido starts and stops a Chromium for this one chart.

    On a thread of its own, so it also runs where an event loop is already going (pytest with
    Playwright's sync API open).
    """
    options = images.export_options(figure, "png")
    with ThreadPoolExecutor(max_workers=1) as pool:
        drawing = pool.submit(
            lambda: asyncio.run(kaleido.calc_fig(figure, opts=options, kopts={"mathjax": False}))
        )
        return drawing.result()


def measure(repeats: int = 5) -> dict[str, float]:
    charts = six_charts()
    radar = images.export_style(charts.charts[0].figure)
    figures = {
        "per-call chart (new browser)": _seconds(lambda: per_call_png(radar), max(1, repeats // 2)),
    }
    images.chart_bytes(radar, "png")  # start the server once; every later call finds it warm
    figures["warm chart"] = _seconds(lambda: images.chart_bytes(radar, "png"), repeats)
    figures["pack of 6 charts"] = _seconds(lambda: images.chart_pack(charts), max(1, repeats // 2))
    questionnaire, frame, scores = sample()
    latest = scores.overall["response_id"].iloc[-1]
    figures["report"] = _seconds(
        lambda: report.response_report(scores, frame, latest, questionnaire), max(1, repeats // 2)
    )
    return figures


def report_table(figures: dict[str, float]) -> str:
    per_call = figures["per-call chart (new browser)"]
    pack_files = 12  # six charts, each PNG and SVG
    lines = [f"{'measure':<30} {'seconds':>8} {'target':>8}  compared with per-call export"]
    for name, seconds in figures.items():
        target = f"≤ {TARGETS[name]:.1f}" if name in TARGETS else ""
        if name == "warm chart":
            note = f"{per_call / seconds:.0f}x faster than a new browser per chart"
        elif name == "pack of 6 charts":
            note = (
                f"{per_call * pack_files / seconds:.0f}x faster than {pack_files} per-call exports"
            )
        elif name in TARGETS:
            note = f"{seconds / per_call:.1f}x one per-call chart"
        else:
            note = "baseline, measured in this run"
        lines.append(f"{name:<30} {seconds:>8.3f} {target:>8}  {note}")
    return "\n".join(lines)


def main() -> None:
    print(report_table(measure()))


if __name__ == "__main__":
    main()
