"""The burst benchmark runs end to end on a tiny history: every participant sees their own result,
the facilitator's count reaches everyone, and every figure is reported (never timed)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench import burst, scale

PARTICIPANTS = 4


def test_a_small_burst_gives_everyone_their_own_result_and_reports_every_figure(
    tmp_path: Path,
):
    history = scale.generate(2_000, tmp_path / "history")
    figures = burst.burst(history, participants=PARTICIPANTS, window_s=1.0)

    assert figures["problems"] == []
    checks = figures["checks"]
    assert len(checks) == PARTICIPANTS
    for check in checks:
        assert check["own_result"], check
    # Each result page was checked against the response saved under that participant's alias,
    # and the participants answered differently, so no two of them were shown the same scores.
    assert len({check["response_id"] for check in checks}) == PARTICIPANTS
    assert len({json.dumps(check["shown"], sort_keys=True) for check in checks}) == PARTICIPANTS
    assert figures["own_results"] == PARTICIPANTS
    assert figures["facilitator_count"] == PARTICIPANTS

    assert figures["history_rows"] > 1_900
    for key, _, _ in burst.COLUMNS:
        value = figures[key]
        assert isinstance(value, int | float), key
        assert math.isfinite(value) and value >= 0, (key, value)
    for key in ("result_p50_s", "result_p95_s", "page_p50_s", "catch_up_s", "server_cpu_s"):
        assert figures[key] > 0, key
    assert set(burst.TARGETS) <= set(figures)
    assert len(figures["per_participant"]) == PARTICIPANTS
    assert all(p["result_s"] <= p["page_s"] for p in figures["per_participant"])

    table = burst.report_table(
        {"targets": burst.TARGETS, "sizes": [{**figures, "target_rows": 2_000}]}
    )
    for _, label, _ in burst.COLUMNS:
        assert label in table
    json.dumps(figures)  # what `make bench` writes to bench/results-burst.json
