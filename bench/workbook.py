"""How long the Excel workbook takes, and how much memory, at 100k and 1M answer rows.

Run with `make bench` (or `python -m bench.workbook`). Uses the generated responses files of
`bench.scale` (made there once, reused here), times `load_responses` and then `workbook_bytes`
of the main questionnaire in a fresh Python process per run (so one run's memory and caches never
help another's), prints the median figures beside the targets and writes them to
`bench/results-workbook.json`. Figures, not asserts.

Measures per size: seconds from reading the file to the workbook's bytes (wall clock and the
process's CPU time, which a busy machine disturbs less), of which loading; answers a second (what
`alignment.workbook.WORKBOOK_ANSWERS_PER_SECOND` is set from); the peak RSS of the whole process
(VmHWM: Python and its imports, the loaded file, scoring and the build) and of the imports alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from alignment.config import PROJECT_ROOT, SHIPPED_QUESTIONNAIRES
from bench import scale
from bench.tables import figures_table, publish

SIZES = (100_000, 1_000_000)
RESULTS = PROJECT_ROOT / "bench" / "results-workbook.json"
QUESTIONNAIRE = SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml"
# At 1M answer rows: the whole process, from reading the file to the workbook's bytes.
TARGETS = {"seconds": 40.0, "peak_rss_mb": 600.0}


def _child(path: Path) -> dict:
    from alignment.questionnaire import load_questionnaire
    from alignment.store import load_responses
    from alignment.workbook import workbook_bytes

    questionnaire = load_questionnaire(QUESTIONNAIRE)
    imports_mb = scale._peak_rss_mb()
    begin, cpu = time.perf_counter(), time.process_time()
    frame = load_responses(path).frame
    loaded = time.perf_counter()
    data = workbook_bytes(frame, questionnaire)
    end, cpu_end = time.perf_counter(), time.process_time()
    return {
        "seconds": end - begin,
        "cpu_seconds": cpu_end - cpu,
        "load_s": loaded - begin,
        "build_s": end - loaded,
        "answer_rows": len(frame),
        "workbook_mb": len(data) / 2**20,
        "peak_rss_mb": scale._peak_rss_mb(),
        "imports_rss_mb": imports_mb,
    }


def _in_child(path: Path) -> dict:
    command = [sys.executable, "-m", "bench.workbook", "--child", str(path)]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"the workbook of {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_file(path: Path, repeats: int = 3) -> dict:
    """Median figures of `repeats` fresh processes on one responses file (peak RSS: the largest)."""
    runs = [_in_child(path) for _ in range(repeats)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    seconds = median["seconds"]
    return {
        **median,
        "answer_rows": runs[0]["answer_rows"],
        "answers_per_second": median["answer_rows"] / seconds,
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "runs": len(runs),
        "seconds_each": [round(run["seconds"], 2) for run in runs],
    }


def measure(sizes: tuple[int, ...] = SIZES, repeats: int = 3) -> dict:
    figures = []
    for rows in sizes:
        path = scale.dataset(rows)
        figures.append({"target_rows": rows, **measure_file(path, repeats)})
    return {
        "machine": scale.machine(),
        "targets_at": max(sizes),
        "targets": TARGETS,
        "sizes": figures,
    }


COLUMNS = [
    ("answer_rows", "answer rows", "{:,}"),
    ("seconds", "seconds", "{:.1f}"),
    ("cpu_seconds", "CPU seconds", "{:.1f}"),
    ("load_s", "of which load s", "{:.2f}"),
    ("answers_per_second", "answers a second", "{:,.0f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ("workbook_mb", "workbook MB", "{:.1f}"),
]


def report_table(figures: dict) -> str:
    largest = figures["sizes"][-1]
    note = (
        f"(medians of {largest['runs']} fresh processes, each loading the file and building the "
        f"workbook; peak RSS is the largest, of which {largest['imports_rss_mb']:.0f} MB is "
        "Python and the imports; targets apply at the largest size)"
    )
    return figures_table(figures, COLUMNS, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", metavar="PATH")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(Path(args.child))))
        return
    figures = measure(tuple(args.sizes), repeats=args.repeats)
    publish(figures, report_table(figures), args.out)


if __name__ == "__main__":
    main()
