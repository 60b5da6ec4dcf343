"""How the app copes with a large history: 10k, 100k and 1M answer rows.

Run with `make bench` (or `python -m bench.scale`). Generates reproducible responses files under
`bench/data/` (gitignored), measures each figure in a fresh Python process (so one size's memory
and caches never help another's), prints a table beside the issue's targets and writes every
figure to `bench/results.json`. Figures, not asserts.

Measures per size:
- load + score: `load_responses` then `score_responses` (the main questionnaire), and a bare
  `pandas.read_csv` of the same file in the same run, with their ratio;
- Results and Trends: the page script through AppTest, cold (nothing cached) and warm (rerun);
- live refresh: the workshop's view when one response arrives on top of the history (read the
  new bytes only, add them to the session's rows, score the session);
- peak RSS of the process that loads and scores (VmHWM), and of a bare Python with the same
  imports, for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from alignment.config import PROJECT_ROOT, SHIPPED_QUESTIONNAIRES
from alignment.store import RESPONSE_COLUMNS
from bench.tables import figures_table, publish

SIZES = (10_000, 100_000, 1_000_000)
SEED = 20261124
DATA_DIR = PROJECT_ROOT / "bench" / "data"
RESULTS = PROJECT_ROOT / "bench" / "results.json"
HEAVY_RESPONDENT = "Alex Rivera"  # checks in quarterly for years: the Trends page's subject
LIVE_SESSION = "LIVE42"
# Responses arriving one by one on top of the history; the median refresh is reported.
LIVE_ARRIVALS = 7
GENERATOR_VERSION = 1

# Seconds unless the name says otherwise; at 1M answer rows.
TARGETS = {
    "load_score_ratio": 1.5,
    "results_warm_s": 0.5,
    "trends_warm_s": 0.5,
    "live_refresh_s": 0.050,
    "peak_rss_mb": 300.0,
}

REFLECTION_TEXTS = [
    "Protect Friday afternoon for reading.",
    "Ask two people a week what I should do differently.",
    "Team ran the review without me, and it went well.",
    "Stop checking mail after 8pm",
    "",
]


# ---------------------------------------------------------------------------------------------
# Data


def _questionnaire_items() -> tuple[list[str], list[bool], list[str]]:
    from alignment.questionnaire import load_questionnaire

    questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    items = questionnaire.active_items
    return (
        [item.id for item in items],
        [item.dimension == "purpose" for item in items],
        [r.id for r in questionnaire.reflections],
    )


def generate(rows: int, folder: Path) -> Path:
    """A responses CSV of about `rows` answer rows (whole responses), as the store writes it.

    Thousands of leaders check in quarterly over the years (one of them, HEAVY_RESPONDENT, for
    much longer), and three workshop sessions of 30 participants each. Same seed, same bytes.
    """
    item_ids, is_purpose, reflection_ids = _questionnaire_items()
    per_response = len(item_ids) + len(reflection_ids)
    responses = max(rows // per_response, 8)
    rng = np.random.default_rng(SEED)

    heavy = min(40, responses // 4)  # ten years of quarterly check-ins
    workshop = min(90, responses // 4)  # three rooms of 30
    leaders = responses - heavy - workshop
    per_leader = 8  # two years of quarterly check-ins
    leader_count = max(1, -(-leaders // per_leader))

    start = np.datetime64("2016-01-04T08:00:00")
    minute = np.timedelta64(1, "m")
    quarter = 91 * 24 * 60  # minutes
    leader_of = np.arange(leaders) // per_leader
    nth = np.arange(leaders) % per_leader
    leader_start = rng.integers(0, 8 * 365 * 24 * 60, leader_count)
    when = [
        start
        + (leader_start[leader_of] + nth * quarter + rng.integers(0, 20_000, leaders)) * minute,
        start + (np.arange(heavy) * quarter + rng.integers(0, 600, heavy)) * minute,
        start
        + (9 * 365 * 24 * 60 + (np.arange(workshop) // 30) * 30 * 24 * 60) * minute
        + (np.arange(workshop) % 30 * 2 + rng.integers(0, 2, workshop)) * minute,
    ]
    who = [
        np.array([f"Leader {n:05d}" for n in range(leader_count)], dtype=object)[leader_of],
        np.full(heavy, HEAVY_RESPONDENT, dtype=object),
        np.array([f"Participant {n:03d}" for n in range(workshop)], dtype=object),
    ]
    codes = np.array([LIVE_SESSION, "ROOM01", "ROOM02"], dtype=object)
    session = [
        np.full(leaders, "", dtype=object),
        np.full(heavy, "", dtype=object),
        codes[np.arange(workshop) // 30 % len(codes)],
    ]
    meta = pd.DataFrame(
        {
            "submitted_at": np.concatenate(when),
            "respondent": np.concatenate(who),
            "session": np.concatenate(session),
        }
    ).sort_values("submitted_at", kind="stable", ignore_index=True)
    ids = rng.integers(0, 2**63, size=(responses, 2), dtype=np.int64)
    meta["response_id"] = [str(uuid.UUID(int=(int(a) << 64) | int(b), version=4)) for a, b in ids]
    meta["submitted_at"] = meta["submitted_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    # Each leader has a level; answers scatter around it (purpose a little above performance).
    level = rng.normal(3.4, 0.5, responses)
    scale_rows = len(item_ids)
    values = np.clip(
        np.rint(
            level[:, None]
            + np.where(is_purpose, 0.3, -0.2)[None, :]
            + rng.normal(0, 0.8, (responses, scale_rows))
        ),
        1,
        5,
    ).astype(int)
    value_text = np.concatenate(
        [values.astype(str).astype(object), np.full((responses, len(reflection_ids)), "")],
        axis=1,
    ).ravel()
    texts = np.array(REFLECTION_TEXTS, dtype=object)
    text = np.concatenate(
        [
            np.full((responses, scale_rows), "", dtype=object),
            texts[rng.integers(0, len(texts), (responses, len(reflection_ids)))],
        ],
        axis=1,
    ).ravel()
    frame = pd.DataFrame(
        {
            "response_id": np.repeat(meta["response_id"].to_numpy(object), per_response),
            "submitted_at": np.repeat(meta["submitted_at"].to_numpy(object), per_response),
            "respondent": np.repeat(meta["respondent"].to_numpy(object), per_response),
            "session": np.repeat(meta["session"].to_numpy(object), per_response),
            "questionnaire_id": "purpose-performance",
            "questionnaire_version": "1",
            "item_id": np.tile(np.array(item_ids + reflection_ids, dtype=object), responses),
            "value": value_text,
            "text": text,
        },
        columns=RESPONSE_COLUMNS,
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "responses.csv"
    temporary = path.with_name(path.name + ".tmp")
    frame.to_csv(temporary, index=False, lineterminator="\n")
    os.replace(temporary, path)
    return path


def dataset(rows: int, root: Path = DATA_DIR) -> Path:
    """The generated file for `rows`, made once and reused while the generator is the same."""
    folder = root / f"rows-{rows}"
    path, stamp = folder / "responses.csv", folder / "generated.json"
    wanted = {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION}
    try:
        if path.exists() and json.loads(stamp.read_text()) == wanted:
            return path
    except (FileNotFoundError, ValueError):
        pass
    generate(rows, folder)
    stamp.write_text(json.dumps(wanted))
    return path


# ---------------------------------------------------------------------------------------------
# Measures, each run inside a fresh child process


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(action, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        begin = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - begin)
    return min(times), result


def _child_bare(path: Path, repeats: int) -> dict:
    seconds, frame = _timed(lambda: pd.read_csv(path), repeats)
    return {"bare_read_csv_s": seconds, "rows": len(frame)}


def _child_load_score(path: Path, repeats: int) -> dict:
    from alignment.questionnaire import load_questionnaire
    from alignment.scoring import score_responses
    from alignment.store import load_responses

    questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    imports_mb = _peak_rss_mb()

    def load_and_score():
        frame = load_responses(path).frame
        return frame, score_responses(frame, questionnaire)

    # Peak memory of one load + score, as the app does it when the file changed; then the
    # best time of a few more.
    first_s, (frame, scores) = _timed(load_and_score, 1)
    peak_mb = _peak_rss_mb()
    del frame, scores
    seconds, (frame, scores) = _timed(load_and_score, max(repeats - 1, 1))
    seconds = min(seconds, first_s)
    load_s, _ = _timed(lambda: load_responses(path), 1)
    return {
        "load_score_s": seconds,
        "load_s": load_s,
        "answer_rows": len(frame),
        "responses": int(frame["response_id"].nunique()),
        "scored_responses": len(scores.overall),
        "peak_rss_mb": peak_mb,
        "imports_rss_mb": imports_mb,
    }


def _child_page(path: Path, page: str) -> dict:
    # Import what the pages import first, so "cold" is a cold data cache, not Python imports.
    from streamlit.testing.v1 import AppTest

    import alignment.chartsets
    import alignment.export
    import alignment.report
    import alignment.results
    import alignment.trends  # noqa: F401
    from alignment import ui

    os.environ["ALIGNMENT_DATA_DIR"] = str(path.parent)
    os.environ.pop("ALIGNMENT_FACILITATOR_PASSCODE", None)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=600)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    at.session_state[ui.RESPONDENT_KEY] = HEAVY_RESPONDENT
    at.run()  # the home page, which does not read the responses
    at.switch_page(page)
    begin = time.perf_counter()
    at.run()
    cold = time.perf_counter() - begin
    warm = []
    for _ in range(3):
        begin = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - begin)
    problems = [str(e.value) for e in at.exception]
    if problems:
        raise RuntimeError(f"{page} failed: {problems}")
    return {"cold_s": cold, "warm_s": statistics.median(warm)}


def _child_live(path: Path, arrivals: int) -> dict:
    from alignment.questionnaire import load_questionnaire
    from alignment.response import build_response
    from alignment.store import append_rows
    from alignment.workshop import LiveRows, Session, group_view, one_off_view

    questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "responses.csv"
        shutil.copyfile(path, copy)
        # The facilitator's screen opened on a long history: one whole read, as live_rows does.
        live = LiveRows().follow(copy, LIVE_SESSION).scored_by(questionnaire)
        # Results on show: each refresh computes the release's view again.
        strategies = live.strategies
        unreleased = Session(LIVE_SESSION, "Live", questionnaire.id, min_group=5)
        release = one_off_view(strategies, unreleased).release
        session = Session(
            LIVE_SESSION, "Live", questionnaire.id, min_group=5, revealed=True, releases=(release,)
        )
        history_bytes = live.committed.size
        before = live.rows["response_id"].nunique()
        answers = {item.id: 3 for item in questionnaire.active_items}
        times, new_bytes = [], []
        for n in range(arrivals):
            new = build_response(
                questionnaire,
                f"Newcomer {n}",
                answers,
                {"reflect-commit": "Ask for feedback weekly."},
                session=LIVE_SESSION,
            )
            append_rows(copy, new)
            begin = time.perf_counter()
            # What workshop.live_rows does on each refresh (reading and scoring what is new).
            offset = live.committed.size
            live = live.follow(copy, LIVE_SESSION).scored_by(questionnaire)
            new_bytes.append(live.committed.size - offset)
            view = group_view(live.strategies, session)
            times.append(time.perf_counter() - begin)
            assert not live.restarted, "the history was read again"
            assert view.count == before + n + 1, view.count
    return {
        "live_refresh_s": statistics.median(times),
        "live_new_bytes": int(statistics.median(new_bytes)),
        "history_bytes": history_bytes,
    }


CHILDREN = {
    "bare": lambda path, args: _child_bare(path, args.repeats),
    "load": lambda path, args: _child_load_score(path, args.repeats),
    "results": lambda path, args: _child_page(path, "views/results.py"),
    "trends": lambda path, args: _child_page(path, "views/trends.py"),
    "live": lambda path, args: _child_live(path, args.repeats),
}


def _in_child(measure: str, path: Path, repeats: int) -> dict:
    command = [sys.executable, "-m", "bench.scale", "--child", measure, str(path)]
    command += ["--repeats", str(repeats)]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"{measure} on {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_size(rows: int, root: Path = DATA_DIR, repeats: int = 3) -> dict:
    path = dataset(rows, root)
    _in_child("bare", path, 1)  # bring the file into the page cache for both reads alike
    bare = _in_child("bare", path, repeats)
    load = _in_child("load", path, repeats)
    results = _in_child("results", path, 1)
    trends = _in_child("trends", path, 1)
    live = _in_child("live", path, LIVE_ARRIVALS)
    return {
        "target_rows": rows,
        "answer_rows": load["answer_rows"],
        "responses": load["responses"],
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "bare_read_csv_s": bare["bare_read_csv_s"],
        "load_s": load["load_s"],
        "load_score_s": load["load_score_s"],
        "load_score_ratio": load["load_score_s"] / bare["bare_read_csv_s"],
        "results_cold_s": results["cold_s"],
        "results_warm_s": results["warm_s"],
        "trends_cold_s": trends["cold_s"],
        "trends_warm_s": trends["warm_s"],
        "live_refresh_s": live["live_refresh_s"],
        "live_new_bytes": live["live_new_bytes"],
        "peak_rss_mb": load["peak_rss_mb"],
        "imports_rss_mb": load["imports_rss_mb"],
    }


def machine() -> dict:
    import streamlit

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "streamlit": streamlit.__version__,
    }


def measure(sizes: tuple[int, ...] = SIZES, root: Path = DATA_DIR, repeats: int = 3) -> dict:
    return {
        "machine": machine(),
        "targets_at": max(sizes),
        "targets": TARGETS,
        "sizes": [measure_size(rows, root, repeats) for rows in sizes],
    }


COLUMNS = [
    ("answer_rows", "answer rows", "{:,}"),
    ("file_mb", "file MB", "{:.1f}"),
    ("bare_read_csv_s", "bare read_csv s", "{:.3f}"),
    ("load_score_s", "load+score s", "{:.3f}"),
    ("load_score_ratio", "ratio", "{:.2f}"),
    ("results_cold_s", "Results cold s", "{:.2f}"),
    ("results_warm_s", "Results warm s", "{:.3f}"),
    ("trends_cold_s", "Trends cold s", "{:.2f}"),
    ("trends_warm_s", "Trends warm s", "{:.3f}"),
    ("live_refresh_s", "live refresh s", "{:.4f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
]


def report_table(figures: dict) -> str:
    largest = figures["sizes"][-1]
    note = (
        f"(peak RSS includes {largest['imports_rss_mb']:.0f} MB for Python, pandas and the app "
        "modules alone; targets apply at the largest size)"
    )
    return figures_table(figures, COLUMNS, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("path", nargs="?")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](Path(args.path), args)))
        return
    figures = measure(tuple(args.sizes), repeats=args.repeats)
    publish(figures, report_table(figures), args.out)


if __name__ == "__main__":
    main()
