"""Whole-process speed of `python -m alignment score` on the files people really have.

Run with `make bench` (or `python -m bench.cli_speed`). Files written by Python's csv module,
Excel or Google Sheets have CRLF line ends (Excel's "CSV UTF-8" a byte-order mark too),
reflections that run over several lines and quotes and commas in names. From the rows of
`bench.scale.dataset(n)` this makes such a file and its LF twin (same cells, same response ids,
items and values; only the line ends and the BOM differ), caches both under `bench/data/`
(gitignored) and measures, each in fresh child processes, medians of several interleaved runs:

- load: `load_responses` of the CRLF file against its LF twin (timed inside the child), whether
  the two frames are equal (`assert_frame_equal`) and whether each took the Arrow fast path;
- CLI: `python -m alignment score ... --out` as a whole process (wall time of the subprocess),
  against `python -c "import pandas; pandas.read_csv(FILE)"` of the same file;
- DuckDB: one whole process running ONE SQL query (read the CSV, score with the DESIGN model,
  write the scores CSV with COPY), whose rows are compared with ours to 2 decimals.

Prints a table beside the issue's targets and writes every figure to `bench/results-cli.json`.
Figures, not asserts. `--profile` also breaks one CLI run on the 1M CRLF file down (imports,
load, score, scores CSV, write).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alignment.config import PROJECT_ROOT, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.scoring import META_COLUMNS
from alignment.store import RESPONSE_COLUMNS
from bench import scale

SIZES = (100_000, 1_000_000)
SEED = 20261202
TWINS_VERSION = 1
DATA_DIR = scale.DATA_DIR
RESULTS = PROJECT_ROOT / "bench" / "results-cli.json"
QUESTIONNAIRE = SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml"
PROFILE_ROWS = 1_000_000
REPEATS = 5  # runs of each whole process; the median is reported

# Ratios, at every size: CRLF load / LF load, and our whole CLI process / the yardstick's.
TARGETS = {"load_ratio": 1.1, "cli_vs_read_csv": 2.0, "cli_vs_duckdb": 2.0}

# Names as people type them into a spreadsheet; `{n}` keeps each renamed person distinct.
NAME_FORMS = (
    'Sam "Sky" O\'Neil {n}',
    "Lee, Jordan {n}",
    '"Robin" Okafor, {n}',
    "O'Brien, Pat {n}",
)
RENAMED_SHARE = 0.15  # of the distinct respondents whose name ends in a number
# Of the non-empty reflections: a line break inside, commas and quotes, or both.
MULTI_LINE_SHARE = 1 / 3
QUOTED_SHARE = 1 / 6
BOTH_SHARE = 1 / 12


# ---------------------------------------------------------------------------------------------
# The spreadsheet-style twins


@dataclass(frozen=True)
class Twins:
    """One set of cells written twice by Python's csv module: as Excel's "CSV UTF-8" saves it
    (byte-order mark, CRLF) and with LF line ends."""

    crlf: Path
    lf: Path

    def files(self) -> dict[str, Path]:
        return {"crlf": self.crlf, "lf": self.lf}


def _split_in_two(text: str) -> tuple[str, str]:
    """The text cut at the space nearest its middle (a one-word text stays whole)."""
    middle = len(text) // 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return text, ""
    cut = min(spaces, key=lambda i: abs(i - middle))
    return text[:cut], text[cut + 1 :]


def _reflection_variants(text: str) -> tuple[str, str, str]:
    """Multi-line, with commas and quotes, and both, as people write them."""
    first, second = _split_in_two(text)
    multi_line = f"{first}\n{second}" if second else f"{first}\nThat is all."
    quoted = f'{text} I told the team "not now, next quarter", and meant it.'
    both = f'"{first}",\n{second or "then"}, she said.\nAsk again in May, "if needed".'
    return multi_line, quoted, both


def spreadsheet_cells(frame: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The rows of a responses file (as text) with spreadsheet-style reflections and names.

    Response ids, items and values stay as they are: only `text` (about a third of the
    non-empty reflections gain a line break inside, some commas and double quotes) and
    `respondent` (some names gain quotes, apostrophes and commas) change. Same seed, same cells.
    """
    rng = np.random.default_rng(seed)
    cells = frame.copy()

    names = pd.unique(cells["respondent"])
    numbered = sorted(name for name in names if name.rsplit(" ", 1)[-1].isdigit())
    chosen = rng.random(len(numbered)) < RENAMED_SHARE
    forms = rng.integers(0, len(NAME_FORMS), len(numbered))
    renames = {
        name: NAME_FORMS[form].format(n=name.rsplit(" ", 1)[-1])
        for name, pick, form in zip(numbered, chosen, forms, strict=True)
        if pick
    }
    if renames:
        cells["respondent"] = cells["respondent"].replace(renames)

    text = cells["text"].to_numpy(object)
    codes, distinct = pd.factorize(text)
    variants = np.array([[t, *_reflection_variants(t)] for t in distinct], dtype=object)
    draw = rng.random(len(text))
    kind = np.select(
        [
            draw < MULTI_LINE_SHARE,
            draw < MULTI_LINE_SHARE + QUOTED_SHARE,
            draw < MULTI_LINE_SHARE + QUOTED_SHARE + BOTH_SHARE,
        ],
        [1, 2, 3],
        0,
    )
    kind[text == ""] = 0
    cells["text"] = variants[codes, kind] if len(distinct) else text
    return cells


def _write_csv(cells: pd.DataFrame, path: Path, *, excel: bool) -> None:
    """Through Python's csv module: its default CRLF and a BOM for `excel`, else LF, no BOM."""
    temporary = path.with_name(path.name + ".tmp")
    encoding = "utf-8-sig" if excel else "utf-8"
    with open(temporary, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle) if excel else csv.writer(handle, lineterminator="\n")
        writer.writerow(RESPONSE_COLUMNS)
        writer.writerows(cells[RESPONSE_COLUMNS].itertuples(index=False, name=None))
    os.replace(temporary, path)


def read_cells(path: Path) -> pd.DataFrame:
    """A responses file as text cells, exactly as written (no types, no missing values)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


def make_twins(source: Path, folder: Path, seed: int = SEED) -> Twins:
    """The CRLF + BOM file and its LF twin, from the rows of the responses file `source`."""
    cells = spreadsheet_cells(read_cells(source), seed)
    folder.mkdir(parents=True, exist_ok=True)
    twins = Twins(folder / "responses-crlf-bom.csv", folder / "responses-lf.csv")
    _write_csv(cells, twins.crlf, excel=True)
    _write_csv(cells, twins.lf, excel=False)
    return twins


def twins(rows: int, root: Path = DATA_DIR) -> Twins:
    """The twins made from `scale.dataset(rows)`, made once and reused while nothing changed."""
    source = scale.dataset(rows, root)
    folder = root / f"rows-{rows}-spreadsheet"
    stamp = folder / "generated.json"
    wanted = {
        "rows": rows,
        "seed": SEED,
        "twins": TWINS_VERSION,
        "source": json.loads((source.parent / "generated.json").read_text()),
        "source_bytes": source.stat().st_size,
    }
    made = Twins(folder / "responses-crlf-bom.csv", folder / "responses-lf.csv")
    try:
        if made.crlf.exists() and made.lf.exists() and json.loads(stamp.read_text()) == wanted:
            return made
    except (FileNotFoundError, ValueError):
        pass
    made = make_twins(source, folder)
    stamp.write_text(json.dumps(wanted))
    return made


# ---------------------------------------------------------------------------------------------
# DuckDB: the same job as one SQL query


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_sql(questionnaire: Questionnaire, source: Path, out: Path) -> str:
    """One COPY statement: read the responses CSV, score it with the DESIGN model and write the
    scores CSV (per response: its strategies in questionnaire order, then `overall`; sorted by
    submission time, then response id). Numbers are rounded to 2 decimals in the file only."""
    items = ",\n      ".join(
        f"({_text(item.id)}, {_text(item.strategy)}, {_text(item.dimension)}, "
        f"{float(questionnaire.scale_of(item).min)}, {float(questionnaire.scale_of(item).max)}, "
        f"{str(bool(item.reverse)).upper()}, {float(item.weight)})"
        for item in questionnaire.items  # retired ones too: old answers still score
    )
    strategies = ", ".join(f"({_text(s.id)}, {n})" for n, s in enumerate(questionnaire.strategies))
    columns = ", ".join(f"{_text(c)}: 'VARCHAR'" for c in RESPONSE_COLUMNS)
    low = f"{float(questionnaire.threshold)} - 1e-9"
    meta = "response_id, submitted_at, respondent, session, questionnaire_id, questionnaire_version"

    def quadrant(purpose: str, performance: str) -> str:
        return (
            f"CASE WHEN {purpose} IS NULL OR {performance} IS NULL THEN NULL "
            f"WHEN {purpose} >= {low} THEN "
            f"CASE WHEN {performance} >= {low} THEN 'aligned' ELSE 'intent_gap' END "
            f"WHEN {performance} >= {low} THEN 'hollow' ELSE 'drifting' END"
        )

    return f"""
COPY (
  WITH items(item_id, strategy, dimension, scale_min, scale_max, reverse, weight) AS (VALUES
      {items}),
  strategies(strategy, position) AS (VALUES {strategies}),
  answers AS (
    SELECT {meta}, item_id, value
    FROM read_csv({_text(str(source))}, header = true, delim = ',', quote = '"', escape = '"',
      columns = {{{columns}}})
    WHERE questionnaire_id = {_text(questionnaire.id)}
  ),
  responses AS (
    SELECT * FROM (
      SELECT response_id,
        try_strptime(first(submitted_at), '%Y-%m-%dT%H:%M:%SZ') AS submitted_at,
        first(respondent) AS respondent, first(session) AS session,
        first(questionnaire_id) AS questionnaire_id,
        first(questionnaire_version) AS questionnaire_version
      FROM answers WHERE response_id IS NOT NULL GROUP BY response_id)
    WHERE submitted_at IS NOT NULL
  ),
  normed AS (
    SELECT a.response_id, i.strategy, i.dimension, i.weight, i.reverse,
      (TRY_CAST(a.value AS DOUBLE) - i.scale_min) / (i.scale_max - i.scale_min) * 100 AS norm
    FROM answers a JOIN items i USING (item_id)
  ),
  cells AS (
    SELECT response_id, strategy,
      sum(weight * CASE WHEN reverse THEN 100 - norm ELSE norm END)
        FILTER (WHERE dimension = 'purpose') / sum(weight) FILTER (WHERE dimension = 'purpose')
        AS purpose,
      sum(weight * CASE WHEN reverse THEN 100 - norm ELSE norm END)
        FILTER (WHERE dimension = 'performance')
        / sum(weight) FILTER (WHERE dimension = 'performance') AS performance
    FROM normed WHERE norm BETWEEN 0 AND 100
    GROUP BY response_id, strategy
  ),
  grid AS (
    SELECT r.*, s.strategy, s.position, c.purpose, c.performance,
      c.performance - c.purpose AS gap, 100 - abs(c.performance - c.purpose) AS alignment
    FROM responses r CROSS JOIN strategies s
    LEFT JOIN cells c ON c.response_id = r.response_id AND c.strategy = s.strategy
  ),
  overall AS (
    SELECT {meta}, 'overall' AS strategy, {len(questionnaire.strategies)} AS position,
      avg(purpose) AS purpose, avg(performance) AS performance,
      avg(performance) - avg(purpose) AS gap, avg(alignment) AS alignment
    FROM grid GROUP BY {meta}
  ),
  scored AS (
    SELECT {meta}, strategy, position, purpose, performance, gap, alignment FROM grid
    UNION ALL
    SELECT {meta}, strategy, position, purpose, performance, gap, alignment FROM overall
  )
  SELECT response_id, strftime(submitted_at, '%Y-%m-%dT%H:%M:%SZ') AS submitted_at,
    respondent, session, questionnaire_id, questionnaire_version, strategy,
    round(purpose, 2) AS purpose, round(performance, 2) AS performance,
    round(gap, 2) AS gap, round(alignment, 2) AS alignment,
    {quadrant("purpose", "performance")} AS quadrant
  FROM scored
  ORDER BY scored.submitted_at, response_id, position
) TO {_text(str(out))} (HEADER, DELIMITER ',');
"""  # noqa: S608 - the bench's own questionnaire and paths, quoted by _text


DUCKDB_JOB = "import sys, duckdb; duckdb.connect().execute(sys.argv[1])"


def run_duckdb(source: Path, out: Path, questionnaire_path: Path = QUESTIONNAIRE) -> float:
    """The DuckDB job as a whole process; its wall time in seconds."""
    sql = duckdb_sql(load_questionnaire(questionnaire_path), source, out)
    return _wall([sys.executable, "-c", DUCKDB_JOB, sql])


SCORE_TEXT_COLUMNS = [*META_COLUMNS, "strategy", "quadrant"]
SCORE_NUMBER_COLUMNS = ["purpose", "performance", "gap", "alignment"]


def compare_scores(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict:
    """Column by column, whether two score tables hold the same rows in the same order: text
    exactly, numbers to 2 decimals (missing equals missing)."""
    report: dict = {"rows": [len(ours), len(theirs)], "columns": {}, "mismatch": None}
    if len(ours) != len(theirs):
        report["mismatch"] = f"{len(ours)} rows against {len(theirs)}"
        return report
    for column in SCORE_TEXT_COLUMNS + SCORE_NUMBER_COLUMNS:
        mine = ours[column].reset_index(drop=True)
        other = theirs[column].reset_index(drop=True)
        if column in SCORE_NUMBER_COLUMNS:
            a = np.round(pd.to_numeric(mine, errors="coerce").to_numpy("float64"), 2)
            b = np.round(pd.to_numeric(other, errors="coerce").to_numpy("float64"), 2)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            a = mine.astype(object).where(mine.notna(), "").astype(str).to_numpy()
            b = other.astype(object).where(other.notna(), "").astype(str).to_numpy()
            same = a == b
        report["columns"][column] = bool(same.all())
        if not same.all() and report["mismatch"] is None:
            row = int(np.flatnonzero(~same)[0])
            report["mismatch"] = f"{column} row {row}: {a[row]!r} against {b[row]!r}"
    return report


def read_scores(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def compare_score_files(ours: Path, theirs: Path) -> dict:
    """Our scores CSV against DuckDB's: its strategy rows, and its overall rows, apart."""
    mine, other = read_scores(ours), read_scores(theirs)
    result = {}
    for part, pick in (
        ("strategy_rows", lambda t: t["strategy"] != "overall"),
        ("overall_rows", lambda t: t["strategy"] == "overall"),
    ):
        compared = compare_scores(mine[pick(mine)], other[pick(other)])
        compared["equal"] = compared["mismatch"] is None and all(compared["columns"].values())
        result[part] = compared
    return result


# ---------------------------------------------------------------------------------------------
# Measures


def _wall(command: list[str]) -> float:
    """Wall time of one whole child process, which must succeed."""
    begin = time.perf_counter()
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=1800
    )
    seconds = time.perf_counter() - begin
    if done.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed:\n{done.stderr[-3000:]}")
    return seconds


def cli_command(path: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "alignment",
        "score",
        "--questionnaire",
        str(QUESTIONNAIRE),
        "--responses",
        str(path),
        "--out",
        str(out),
    ]


def bare_command(path: Path) -> list[str]:
    return [sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"]


IMPORT_PANDAS = [sys.executable, "-c", "import pandas"]


def _child_load(path: Path) -> dict:
    from alignment.store import load_responses

    begin = time.perf_counter()
    frame = load_responses(path).frame
    first = time.perf_counter() - begin
    begin = time.perf_counter()
    load_responses(path)
    again = time.perf_counter() - begin
    return {"load_s": first, "load_again_s": again, "rows": len(frame)}


def _child_load_pair(first: Path, second: Path) -> dict:
    """Both files in one process, each loaded twice in turn (first, second, first, second): the
    second loads of each ran under the same conditions, so their ratio is the least noisy."""
    from alignment.store import load_responses

    seconds: dict[str, list[float]] = {str(first): [], str(second): []}
    for path in (first, second, first, second):
        begin = time.perf_counter()
        load_responses(path)
        seconds[str(path)].append(time.perf_counter() - begin)
    return {path: times[-1] for path, times in seconds.items()}


def _difference(crlf: pd.DataFrame, lf: pd.DataFrame) -> str:
    """How two frames that should be equal differ, in a few words."""
    if list(crlf.columns) != list(lf.columns) or crlf.shape != lf.shape:
        return f"shape {crlf.shape} {list(crlf.columns)} against {lf.shape} {list(lf.columns)}"
    parts = []
    for column in crlf.columns:
        a, b = crlf[column], lf[column]
        if a.dtype != b.dtype:
            parts.append(f"{column}: dtype {a.dtype} against {b.dtype}")
            continue
        differs = ~((a == b).fillna(False).to_numpy(bool) | (a.isna() & b.isna()).to_numpy(bool))
        if differs.any():
            row = int(np.flatnonzero(differs)[0])
            parts.append(
                f"{column}: {int(differs.sum())} row(s), first {row}: {a.iloc[row]!r} "
                f"against {b.iloc[row]!r}"
            )
    return "; ".join(parts) or "equal cells, other attributes differ"


def _child_equal(crlf: Path, lf: Path) -> dict:
    """Both files loaded: frames equal? scores equal? which parse did each take?"""
    from alignment import store
    from alignment.scoring import score_responses

    fast_frames: list[bool] = []
    real_parse_fast = store._parse_fast

    def spy(data):
        frame = real_parse_fast(data)
        fast_frames.append(frame is not None)
        return frame

    store._parse_fast = spy
    paths: dict[str, bool] = {}
    loaded = {}
    for name, path in (("crlf", crlf), ("lf", lf)):
        fast_frames.clear()
        loaded[name] = store.load_responses(path)
        paths[name] = any(fast_frames)
    store._parse_fast = real_parse_fast
    a, b = loaded["crlf"].frame, loaded["lf"].frame
    try:
        pd.testing.assert_frame_equal(a, b)
        equal, difference = True, None
    except AssertionError as exc:
        equal, difference = False, f"{_difference(a, b)} ({str(exc).splitlines()[0][:200]})"
    questionnaire = load_questionnaire(QUESTIONNAIRE)
    mine, theirs = score_responses(a, questionnaire), score_responses(b, questionnaire)
    try:
        pd.testing.assert_frame_equal(mine.strategies, theirs.strategies)
        pd.testing.assert_frame_equal(mine.overall, theirs.overall)
        scores_equal = True
    except AssertionError:
        scores_equal = False
    return {
        "frames_equal": equal,
        "difference": difference,
        "scores_equal": scores_equal,
        "fast_path": paths,
        "problems": {k: v.problems for k, v in loaded.items()},
        "rows": len(a),
        "responses": int(a["response_id"].nunique()),
        "multi_line_texts": int(a["text"].str.contains("\n", regex=False).sum()),
    }


def _in_child(measure: str, *paths: Path) -> dict:
    command = [sys.executable, "-m", "bench.cli_speed", "--child", measure, *map(str, paths)]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"{measure} on {paths} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure_twins(made: Twins, repeats: int = REPEATS, compare: bool = True) -> dict:
    """Every figure for one pair of twins; every run in a fresh process, interleaved so that a
    busy moment of the shared machine falls on all of them alike."""
    files = made.files()
    for path in files.values():  # bring both files into the page cache alike
        _wall(bare_command(path))
    loads: dict[str, list[dict]] = {name: [] for name in files}
    walls: dict[str, dict[str, list[float]]] = {
        name: {"cli": [], "read_csv": [], "duckdb": []} for name in files
    }
    import_pandas: list[float] = []
    pairs: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for _ in range(repeats):
            import_pandas.append(_wall(IMPORT_PANDAS))
            for name, path in files.items():
                loads[name].append(_in_child("load", path))
            # Alternating which file goes first, so neither gains from going second.
            order = (made.crlf, made.lf) if len(pairs) % 2 == 0 else (made.lf, made.crlf)
            pair = _in_child("load_pair", *order)
            pairs.append(pair[str(made.crlf)] / pair[str(made.lf)])
            for name, path in files.items():
                walls[name]["read_csv"].append(_wall(bare_command(path)))
                walls[name]["cli"].append(_wall(cli_command(path, out / f"ours-{name}.csv")))
                walls[name]["duckdb"].append(run_duckdb(path, out / f"duckdb-{name}.csv"))
        agreement = (
            {
                name: compare_score_files(out / f"ours-{name}.csv", out / f"duckdb-{name}.csv")
                for name in files
            }
            if compare
            else None
        )
    equal = _in_child("equal", made.crlf, made.lf)
    load_s = {name: _median([r["load_s"] for r in runs]) for name, runs in loads.items()}
    again_s = {name: _median([r["load_again_s"] for r in runs]) for name, runs in loads.items()}
    figures: dict = {
        "answer_rows": equal["rows"],
        "responses": equal["responses"],
        "multi_line_texts": equal["multi_line_texts"],
        "file_mb": {n: round(p.stat().st_size / 2**20, 1) for n, p in files.items()},
        "repeats": repeats,
        "load_s": load_s,
        "load_again_s": again_s,
        "load_ratio": load_s["crlf"] / load_s["lf"],
        "load_again_ratio": again_s["crlf"] / again_s["lf"],
        "load_ratio_paired": _median(pairs),
        "frames_equal": equal["frames_equal"],
        "frames_difference": equal["difference"],
        "scores_equal": equal["scores_equal"],
        "fast_path": equal["fast_path"],
        "load_problems": equal["problems"],
        "import_pandas_s": _median(import_pandas),
        "runs_s": walls,
        "duckdb_agrees": agreement,
    }
    for name in files:
        cli = _median(walls[name]["cli"])
        read_csv = _median(walls[name]["read_csv"])
        duck = _median(walls[name]["duckdb"])
        figures[name] = {
            "cli_s": cli,
            "read_csv_s": read_csv,
            "duckdb_s": duck,
            "cli_vs_read_csv": cli / read_csv,
            "cli_vs_duckdb": cli / duck,
        }
    return figures


def measure_size(rows: int, root: Path = DATA_DIR, repeats: int = REPEATS) -> dict:
    made = twins(rows, root)
    before = os.getloadavg()[0]
    figures = measure_twins(made, repeats)
    # Other work on the machine shows here: the 1-minute load average before and after.
    return {"target_rows": rows, **figures, "load_average": [before, os.getloadavg()[0]]}


def machine() -> dict:
    import duckdb

    return {
        **scale.machine(),
        "duckdb": duckdb.__version__,
        "duckdb_threads": duckdb.connect()
        .execute("SELECT current_setting('threads')")
        .fetchone()[0],
    }


def measure(sizes: tuple[int, ...] = SIZES, root: Path = DATA_DIR, repeats: int = REPEATS) -> dict:
    return {
        "machine": machine(),
        "targets": TARGETS,
        "timing": f"wall seconds, median of {repeats} interleaved runs, each in a fresh process",
        "sizes": [measure_size(rows, root, repeats) for rows in sizes],
    }


# (label, how to get it from one size's figures, format, target key)
ROWS = [
    ("answer rows", lambda s: s["answer_rows"], "{:,}", None),
    ("CRLF+BOM MB", lambda s: s["file_mb"]["crlf"], "{:.1f}", None),
    ("load CRLF s", lambda s: s["load_s"]["crlf"], "{:.3f}", None),
    ("load LF s", lambda s: s["load_s"]["lf"], "{:.3f}", None),
    ("load ratio", lambda s: s["load_ratio"], "{:.2f}", "load_ratio"),
    ("load ratio, paired", lambda s: s["load_ratio_paired"], "{:.2f}", "load_ratio"),
    ("frames equal", lambda s: "yes" if s["frames_equal"] else "NO", "{}", None),
    ("scores equal", lambda s: "yes" if s["scores_equal"] else "NO", "{}", None),
    (
        "fast path C/L",
        lambda s: "/".join("yes" if s["fast_path"][n] else "no" for n in ("crlf", "lf")),
        "{}",
        None,
    ),
    ("import pandas s", lambda s: s["import_pandas_s"], "{:.3f}", None),
    ("load avg (1 min)", lambda s: "{:.1f}-{:.1f}".format(*s["load_average"]), "{}", None),
]
for _name, _label in (("crlf", "CRLF"), ("lf", "LF")):
    ROWS += [
        (f"CLI {_label} s", lambda s, n=_name: s[n]["cli_s"], "{:.3f}", None),
        (f"read_csv {_label} s", lambda s, n=_name: s[n]["read_csv_s"], "{:.3f}", None),
        (f"DuckDB {_label} s", lambda s, n=_name: s[n]["duckdb_s"], "{:.3f}", None),
        (
            f"CLI/read_csv {_label}",
            lambda s, n=_name: s[n]["cli_vs_read_csv"],
            "{:.2f}",
            "cli_vs_read_csv",
        ),
        (
            f"CLI/DuckDB {_label}",
            lambda s, n=_name: s[n]["cli_vs_duckdb"],
            "{:.2f}",
            "cli_vs_duckdb",
        ),
    ]
ROWS.append(
    (
        "DuckDB = ours",
        lambda s: (
            "n/a"
            if s["duckdb_agrees"] is None
            else "/".join(
                "yes" if s["duckdb_agrees"][n]["strategy_rows"]["equal"] else "NO"
                for n in ("crlf", "lf")
            )
        ),
        "{}",
        None,
    )
)


def report_table(figures: dict) -> str:
    """One line per measure, one column per size, the target and whether the largest size (the
    file of the issue) meets it: at 100k, importing Python's libraries alone takes about twice
    DuckDB's whole run."""
    sizes = figures["sizes"]
    head = f"{'measure':<20}" + "".join(f"{s['target_rows']:>12,}" for s in sizes)
    lines = [head + f"{'target':>9}  met"]
    for label, get, fmt, target_key in ROWS:
        cells = "".join(f"{fmt.format(get(s)):>12}" for s in sizes)
        if target_key is None:
            lines.append(f"{label:<20}{cells}")
            continue
        target = figures["targets"][target_key]
        met = "yes" if get(sizes[-1]) <= target else "NO"
        lines.append(f"{label:<20}{cells}{'≤ ' + f'{target:g}':>9}  {met}")
    lines.append(
        f"({figures['timing']}; CLI = python -m alignment score --out, whole process; read_csv = "
        "python -c 'import pandas; pandas.read_csv(FILE)'; DuckDB = one COPY query, whole "
        "process; DuckDB = ours: strategy rows of the scores CSV, all 12 columns, CRLF/LF; targets "
        "at the largest size)"
    )
    for size in sizes:
        if size["frames_difference"]:
            lines.append(f"{size['target_rows']:,}: frames differ: {size['frames_difference']}")
        for name, agreement in (size["duckdb_agrees"] or {}).items():
            for part, compared in agreement.items():
                if not compared["equal"]:
                    lines.append(
                        f"{size['target_rows']:,} {name} {part}: DuckDB differs: "
                        f"{compared['mismatch']}"
                    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Where the CLI's time goes (once, at 1M, on the CRLF file)

PROFILE_STEPS = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from alignment import cli  # noqa: F401 - as `python -m alignment` does
from alignment.export import scores_csv
from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses
from alignment.store import load_responses
t1 = time.perf_counter()
questionnaire = load_questionnaire(sys.argv[1])
t2 = time.perf_counter()
frame = load_responses(sys.argv[2]).frame
t3 = time.perf_counter()
scores = score_responses(frame, questionnaire)
t4 = time.perf_counter()
payload = scores_csv(scores)
t5 = time.perf_counter()
Path(sys.argv[3]).write_bytes(payload)
t6 = time.perf_counter()
print(json.dumps({"imports_s": t1 - t0, "questionnaire_s": t2 - t1, "load_s": t3 - t2,
    "score_s": t4 - t3, "scores_csv_s": t5 - t4, "write_s": t6 - t5, "in_process_s": t6 - t0,
    "out_mb": len(payload) / 2**20}))
"""


def _import_times(stderr: str, top: int = 12) -> dict:
    """`-X importtime` lines: the whole import time and the costliest top-level packages."""
    per_package: dict[str, int] = {}
    total = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        package = name.strip().split(".")[0]
        per_package[package] = per_package.get(package, 0) + int(self_us)
        total += int(self_us)
    ranked = sorted(per_package.items(), key=lambda kv: -kv[1])[:top]
    return {"total_s": total / 1e6, "by_package_s": {k: v / 1e6 for k, v in ranked}}


def profile(rows: int = PROFILE_ROWS, root: Path = DATA_DIR, repeats: int = 3) -> dict:
    """Steps timed inside the process, imports by package, and cProfile's costliest calls."""
    path = twins(rows, root).crlf
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "scores.csv"
        steps_command = [sys.executable, "-c", PROFILE_STEPS, str(QUESTIONNAIRE), str(path)]
        steps_runs = []
        walls = []
        for _ in range(repeats):
            begin = time.perf_counter()
            done = subprocess.run(
                [*steps_command, str(out)],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            walls.append(time.perf_counter() - begin)
            steps_runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        steps = {k: _median([r[k] for r in steps_runs]) for k in steps_runs[0]}
        steps["whole_process_s"] = _median(walls)
        steps["interpreter_and_exit_s"] = steps["whole_process_s"] - steps["in_process_s"]
        imports = subprocess.run(
            # The real command: the CLI imports what `score` needs when it runs.
            [sys.executable, "-X", "importtime", *cli_command(path, out)[1:]],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        stats = Path(folder) / "cli.prof"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                str(stats),
                *cli_command(path, out)[1:],
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        import io
        import pstats

        text = io.StringIO()
        pstats.Stats(str(stats), stream=text).sort_stats("cumulative").print_stats(45)
    return {
        "rows": rows,
        "file": str(path),
        "steps_s": steps,
        "imports": _import_times(imports.stderr),
        "cprofile_top_cumulative": text.getvalue(),
    }


def profile_table(found: dict) -> str:
    steps = found["steps_s"]
    lines = [f"CLI score on {found['rows']:,} rows, CRLF+BOM file (median of runs):"]
    for key in (
        "whole_process_s",
        "imports_s",
        "questionnaire_s",
        "load_s",
        "score_s",
        "scores_csv_s",
        "write_s",
        "interpreter_and_exit_s",
    ):
        lines.append(f"  {key:<24}{steps[key]:>8.3f}")
    lines.append(
        f"  imports by package (self time, -X importtime): {found['imports']['total_s']:.3f} s"
    )
    for package, seconds in found["imports"]["by_package_s"].items():
        lines.append(f"    {package:<22}{seconds:>8.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("load", "load_pair", "equal"))
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--profile", action="store_true", help="also profile the CLI at 1M")
    args = parser.parse_args()
    if args.child == "load":
        print(json.dumps(_child_load(Path(args.paths[0]))))
        return
    if args.child == "load_pair":
        print(json.dumps(_child_load_pair(Path(args.paths[0]), Path(args.paths[1]))))
        return
    if args.child == "equal":
        print(json.dumps(_child_equal(Path(args.paths[0]), Path(args.paths[1]))))
        return
    figures = measure(tuple(args.sizes), repeats=args.repeats)
    print(report_table(figures))
    if args.profile:
        figures["profile"] = profile()
        print(profile_table(figures["profile"]))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
