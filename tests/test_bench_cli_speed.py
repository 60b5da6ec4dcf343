"""The CLI speed benchmark runs end to end at a tiny size and reports every figure (never timed);
its DuckDB yardstick scores exactly as we do."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd
import pytest

from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses
from alignment.store import load_responses
from bench import cli_speed, scale

ROWS = 2_000


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, cli_speed.Twins]:
    root = tmp_path_factory.mktemp("bench")
    source = scale.generate(ROWS, root / "source")
    return source, cli_speed.make_twins(source, root / "twins")


def test_twins_keep_ids_items_and_values_and_differ_only_in_line_ends(tiny, tmp_path):
    source, twins = tiny
    again = cli_speed.make_twins(source, tmp_path)
    assert again.crlf.read_bytes() == twins.crlf.read_bytes()  # same seed, same bytes
    assert again.lf.read_bytes() == twins.lf.read_bytes()

    crlf, lf = twins.crlf.read_bytes(), twins.lf.read_bytes()
    assert crlf.startswith(codecs.BOM_UTF8 + b"response_id,submitted_at,")
    assert lf.startswith(b"response_id,submitted_at,")
    assert crlf.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n") == lf
    assert b"\r" not in lf

    original, cells = cli_speed.read_cells(source), cli_speed.read_cells(twins.lf)
    for column in ("response_id", "submitted_at", "item_id", "value", "session"):
        assert cells[column].equals(original[column]), column
    texts = cells.loc[cells["text"] != "", "text"]
    multi_line = texts.str.contains("\n", regex=False).mean()
    assert 0.25 < multi_line < 0.6
    assert texts.str.contains('"', regex=False).any()
    assert texts.str.contains(",", regex=False).any()
    renamed = set(cells["respondent"]) - set(original["respondent"])
    assert renamed
    assert all(('"' in name or "," in name or "'" in name) for name in renamed)
    # One name per person still: renaming never merges two respondents.
    pairs = pd.DataFrame({"was": original["respondent"], "now": cells["respondent"]})
    assert pairs.drop_duplicates()["now"].is_unique


def test_duckdb_strategy_rows_equal_ours(tiny, tmp_path):
    _, twins = tiny
    questionnaire = load_questionnaire(cli_speed.QUESTIONNAIRE)
    for path in (twins.crlf, twins.lf):
        out = tmp_path / f"duckdb-{path.stem}.csv"
        assert cli_speed.run_duckdb(path, out) > 0
        theirs = cli_speed.read_scores(out)

        ours = score_responses(load_responses(path).frame, questionnaire).strategies.copy()
        ours["submitted_at"] = ours["submitted_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert len(ours) == 10 * load_responses(path).response_count
        compared = cli_speed.compare_scores(ours, theirs[theirs["strategy"] != "overall"])
        assert compared["mismatch"] is None
        assert compared["columns"] == {
            c: True for c in cli_speed.SCORE_TEXT_COLUMNS + cli_speed.SCORE_NUMBER_COLUMNS
        }
        # Spot check that the numbers really are compared: one changed score is found.
        ours.loc[3, "gap"] += 0.01
        changed = cli_speed.compare_scores(ours, theirs[theirs["strategy"] != "overall"])
        assert changed["columns"]["gap"] is False

        # And against our scores CSV (what the CLI writes): strategy and overall rows alike.
        ours_csv = tmp_path / f"ours-{path.stem}.csv"
        assert cli_speed._wall(cli_speed.cli_command(path, ours_csv)) > 0
        agreement = cli_speed.compare_score_files(ours_csv, out)
        assert agreement["strategy_rows"]["equal"], agreement["strategy_rows"]
        assert agreement["overall_rows"]["equal"], agreement["overall_rows"]


def test_cli_benchmark_reports_every_figure(tmp_path):
    figures = cli_speed.measure((ROWS,), root=tmp_path, repeats=1)
    (size,) = figures["sizes"]
    assert (tmp_path / f"rows-{ROWS}-spreadsheet" / "generated.json").exists()
    assert size["answer_rows"] > 1_900
    assert size["multi_line_texts"] > 0
    for key in ("load_ratio", "load_again_ratio", "load_ratio_paired", "import_pandas_s"):
        assert size[key] > 0, key
    for name in ("crlf", "lf"):
        assert size["load_s"][name] > 0
        assert size["fast_path"][name] is True
        for key in ("cli_s", "read_csv_s", "duckdb_s", "cli_vs_read_csv", "cli_vs_duckdb"):
            assert size[name][key] > 0, (name, key)
        assert size["duckdb_agrees"][name]["strategy_rows"]["equal"]
        assert size["duckdb_agrees"][name]["overall_rows"]["equal"]
    assert size["frames_equal"] is True
    assert size["frames_difference"] is None
    assert size["scores_equal"] is True
    assert set(figures["targets"]) == {"load_ratio", "cli_vs_read_csv", "cli_vs_duckdb"}
    assert {"cores", "python", "pandas", "duckdb", "date"} <= set(figures["machine"])
    json.dumps(figures)  # what `make bench` writes to bench/results-cli.json
    table = cli_speed.report_table(figures)
    print(table)
    for label, *_ in cli_speed.ROWS:
        assert label in table
    # Cached: asking again reuses the twins instead of writing them again.
    made = cli_speed.twins(ROWS, tmp_path)
    stamp = made.crlf.stat().st_mtime_ns
    assert cli_speed.twins(ROWS, tmp_path).crlf.stat().st_mtime_ns == stamp
