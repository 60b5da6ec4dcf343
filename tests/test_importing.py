"""Importing responses collected elsewhere: reading, matching columns, checking rows, saving.

The fixtures in tests/fixtures/import are made the way Google Forms and Microsoft Forms export
(see make_fixtures.py there); every malformed one has its exact report asserted below.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment import importing, store
from alignment.importing import ColumnMatch, ImportPlan, ImportProblem, Table
from alignment.questionnaire import load_questionnaire
from alignment.response import build_response
from alignment.scoring import score_responses
from alignment.store import StoreError, append_rows, empty_responses, load_responses

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "import"
PULSE = load_questionnaire(PROJECT_ROOT / "questionnaires" / "pulse.yaml")

AGREEMENT = (
    "(1–5 or Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree)"
)
FREQUENCY = "(1–5 or Never, Rarely, Sometimes, Often, Always)"
UNREADABLE = "is not a readable date and time (such as 2026-03-14 09:05:12 or 3/14/2026 9:05:12)"
GOOGLE = "Google Forms export, UTF-8, comma-separated"
EMAIL_IGNORED = "note: 1 column(s) ignored: 'Email Address'"
GRID_WHY = "column '…[I am clear about what I stand for as a leader.]'"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def plan_for(
    source: str | bytes,
    *,
    existing: set[str] | None = None,
    respondent_column: str | None = None,
    session: str = "",
) -> ImportPlan:
    """The plan for a fixture (by name) or for the bytes given, as the CLI and page make it."""
    table = importing.read_table(fixture(source) if isinstance(source, str) else source)
    mapping = importing.auto_mapping(table, PULSE, respondent_column)
    return importing.plan_import(
        table, mapping, PULSE, existing_ids=existing or set(), session=session
    )


def small(rows: list[str], header: str = "Timestamp,Your name or alias,why-pulse-p") -> bytes:
    """A tiny wide file: one item column is enough to exercise times, values and aliases."""
    return ("\n".join([header, *rows]) + "\n").encode()


def answers(plan: ImportPlan, item_id: str = "why-pulse-p") -> list[float]:
    rows = plan.responses[plan.responses["item_id"] == item_id]
    return rows["value"].tolist()


def times(plan: ImportPlan) -> list[str]:
    first = plan.responses.drop_duplicates("response_id")
    return [t.isoformat() for t in first["submitted_at"]]


# ---------------------------------------------------------------------------------------------
# The three formats, made the way the tools make them


@pytest.mark.parametrize(
    ("name", "format", "encoding", "responses"),
    [
        ("google-forms-pulse.csv", "google-forms", "UTF-8", 6),
        ("ms-forms-pulse.csv", "ms-forms", "UTF-8 with BOM", 6),
        ("long-pulse.csv", "long", "UTF-8", 5),
    ],
)
def test_each_export_is_recognised_and_imports_whole(name, format, encoding, responses):
    table = importing.read_table(fixture(name))
    assert (table.format, table.encoding, table.delimiter) == (format, encoding, ",")

    plan = plan_for(name)

    assert plan.problems == []
    assert plan.bad_rows == 0
    assert plan.response_count == responses
    # Every response answers all 20 pulse items.
    counts = plan.responses[plan.responses["item_id"] != "reflect-pulse"].groupby("response_id")
    assert (counts.size() == 20).all()
    assert set(plan.responses["questionnaire_id"]) == {"pulse"}


def test_google_forms_grid_rows_map_to_items_by_text():
    table = importing.read_table(fixture("google-forms-pulse.csv"))
    mapping = importing.auto_mapping(table, PULSE)

    roles = {m.column: (m.role, m.target, m.how) for m in mapping}
    assert roles["Timestamp"] == ("timestamp", None, "label")
    assert roles["Email Address"] == ("ignore", None, "label")
    assert roles["Your name or alias"] == ("respondent", None, "label")
    grid = (
        "How much do you agree with each statement? "
        "[I am clear about what I stand for as a leader.]"
    )
    assert roles[grid] == ("item", "why-pulse-p", "text")
    items = [m.target for m in mapping if m.role == "item"]
    assert sorted(items) == sorted(i.id for i in PULSE.active_items)
    assert [m.target for m in mapping if m.role == "reflection"] == ["reflect-pulse"]


def test_ms_forms_columns_of_its_own_are_recognised():
    table = importing.read_table(fixture("ms-forms-pulse.csv"))
    mapping = importing.auto_mapping(table, PULSE)

    roles = {m.column: (m.role, m.how) for m in mapping[:6]}
    assert roles == {
        "ID": ("ignore", "label"),
        "Start time": ("ignore", "label"),
        "Completion time": ("timestamp", "label"),
        "Email": ("ignore", "label"),
        "Name": ("respondent", "label"),
        "Last modified time": ("ignore", "label"),
    }
    plan = plan_for("ms-forms-pulse.csv")
    first = plan.responses.iloc[0]
    assert first["respondent"] == "Ana"
    assert first["submitted_at"] == pd.Timestamp("2026-03-14T09:05:12Z")  # "3/14/26 9:05:12"
    assert plan.notes[-1] == (
        "times in column 'Completion time' name no time zone; they were read as UTC"
    )


def test_ms_forms_quiz_columns_are_ignored():
    header = (
        "ID,Start time,Completion time,Email,Name,Total points,Quiz feedback,"
        "I act in the ways I ask my team to act.,Points - I act in the ways I ask my team to act.,"
        "Feedback - I act in the ways I ask my team to act."
    )
    table = importing.read_table(
        f"{header}\n1,3/14/26 9:01,3/14/26 9:05,a@x.org,A,,,Often,,\n".encode()
    )
    mapping = importing.auto_mapping(table, PULSE)
    assert table.format == "ms-forms"
    assert [(m.role, m.target, m.how) for m in mapping[5:]] == [
        ("ignore", None, "label"),
        ("ignore", None, "label"),
        ("item", "example-pulse-q", "text"),
        ("ignore", None, "label"),
        ("ignore", None, "label"),
    ]


def test_long_format_keeps_ids_times_sessions_and_texts():
    plan = plan_for("long-pulse.csv")

    source = pd.read_csv(FIXTURES / "long-pulse.csv", dtype=str, keep_default_na=False)
    assert list(plan.responses["response_id"]) == list(source["response_id"])
    assert set(plan.responses["session"]) == {"K7PXW3", ""}
    dev = plan.responses[plan.responses["respondent"] == "Dev"]
    assert dev["text"].iloc[-1] == "Delegate the weekly report.\nCelebrate the release."
    mapping = importing.auto_mapping(importing.read_table(fixture("long-pulse.csv")), PULSE)
    assert [(m.role, m.target) for m in mapping][:3] == [
        ("field", "response_id"),
        ("timestamp", "submitted_at"),
        ("respondent", "respondent"),
    ]


def test_plan_rows_are_typed_as_the_store_reads_them():
    plan = plan_for("google-forms-pulse.csv")
    assert plan.responses.dtypes.to_dict() == empty_responses().dtypes.to_dict()
    assert list(plan.responses.columns) == list(empty_responses().columns)


# ---------------------------------------------------------------------------------------------
# Matching columns to items


def test_columns_match_by_id_then_by_text_whatever_the_case_punctuation_and_quotes():
    header = ",".join(
        [
            "Timestamp",
            "WHY-PULSE-Q",
            "\u201cI am clear about what I stand for as a leader\u201d",
            "  i CHECK whether our   current goals still serve our mission ",
            "3. I act in the ways I ask my team to act. *",
            '"Purpose: I care about growing as a leader, year after year. (1 = disagree)"',
            "It matters to me that my team\u2019s progress gets noticed along the way.",
            "Which team are you in?",
        ]
    )
    table = importing.read_table(f"{header}\n2026-03-01 10:00,1,2,3,4,5,4,Sales\n".encode())

    found = [(m.role, m.target, m.how) for m in importing.auto_mapping(table, PULSE)]

    assert found == [
        ("timestamp", None, "label"),
        ("item", "why-pulse-q", "id"),
        ("item", "why-pulse-p", "text"),
        ("item", "goals-pulse-q", "text"),
        ("item", "example-pulse-q", "text"),
        ("item", "learning-pulse-p", "text"),
        ("item", "wins-pulse-p", "text"),
        ("ignore", None, "unmatched"),
    ]


def test_a_second_column_for_the_same_item_is_left_unmatched():
    table = importing.read_table(b"Timestamp,why-pulse-p,WHY PULSE P\n2026-03-01,4,5\n")
    mapping = importing.auto_mapping(table, PULSE)
    assert [(m.role, m.target) for m in mapping[1:]] == [("item", "why-pulse-p"), ("ignore", None)]


def test_respondent_column_by_name_and_a_missing_one_is_explained():
    data = small(["2026-03-01 10:00,Ana,4"], "Timestamp,Team member,why-pulse-p")

    plan = plan_for(data, respondent_column="team member")
    assert set(plan.responses["respondent"]) == {"Ana"}

    with pytest.raises(ImportProblem, match="there is no column 'Nickname' for the respondent"):
        plan_for(data, respondent_column="Nickname")


def test_without_a_respondent_column_responses_get_the_default_alias():
    plan = plan_for(small(["2026-03-01 10:00,4"], "Timestamp,why-pulse-p"))
    assert set(plan.responses["respondent"]) == {"Imported"}
    table = importing.read_table(b"Timestamp,why-pulse-p\n2026-03-01 10:00,4\n")
    mapping = importing.auto_mapping(table, PULSE)
    named = importing.plan_import(
        table, mapping, PULSE, existing_ids=set(), default_respondent="Team Blue"
    )
    assert set(named.responses["respondent"]) == {"Team Blue"}


def test_a_person_fixes_and_skips_columns_before_anything_is_saved():
    header = "Timestamp,I am clera about what I stand for,I act in the ways I ask my team to act."
    table = importing.read_table(f"{header}\n2026-03-01 10:00,Agree,Often\n".encode())
    mapping = importing.auto_mapping(table, PULSE)
    assert [(m.role, m.how) for m in mapping[1:]] == [("ignore", "unmatched"), ("item", "text")]

    fixed = [
        mapping[0],
        ColumnMatch(mapping[1].column, "item", "why-pulse-p", "manual"),
        ColumnMatch(mapping[2].column, "ignore", None, "manual"),  # skipped
    ]
    plan = importing.plan_import(table, fixed, PULSE, existing_ids=set())

    assert plan.responses[["item_id", "value"]].values.tolist() == [["why-pulse-p", 4.0]]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            [ColumnMatch("Timestamp", "timestamp"), ColumnMatch("c", "item", "why-pulse-p")],
            "the mapping names a column 'c' the file lacks",
        ),
        (
            [
                ColumnMatch("Timestamp", "timestamp"),
                ColumnMatch("a", "item", "why-pulse-p"),
                ColumnMatch("b", "item", "why-pulse-p"),
            ],
            "columns 'a' and 'b' are both mapped to 'why-pulse-p'; skip one of them",
        ),
        (
            [ColumnMatch("Timestamp", "timestamp"), ColumnMatch("a", "item", "nope")],
            "column 'a' is mapped to 'nope', which is not an item of 'Pulse check'",
        ),
        (
            [ColumnMatch("Timestamp", "ignore"), ColumnMatch("a", "item", "why-pulse-p")],
            "no column holds the time each response was submitted",
        ),
        (
            [ColumnMatch("Timestamp", "timestamp"), ColumnMatch("a", "ignore")],
            "no column matches a question of 'Pulse check'",
        ),
        (
            [ColumnMatch("Timestamp", "timestamp"), ColumnMatch("a", "question", "why-pulse-p")],
            "unknown role 'question'",
        ),
    ],
)
def test_a_mapping_that_cannot_work_is_refused(mapping, message):
    table = importing.read_table(b"Timestamp,a,b\n2026-03-01,4,5\n")
    with pytest.raises(ImportProblem, match=re.escape(message)):
        importing.plan_import(table, mapping, PULSE, existing_ids=set())


# ---------------------------------------------------------------------------------------------
# Malformed files: each report, exactly


MALFORMED_REPORTS = {
    "google-forms-cp1252.csv": [
        "2 row(s) read (Google Forms export, Windows-1252, comma-separated).",
        "2 new response(s) to import (2 row(s)).",
        "note: the file is not UTF-8 (byte 2444, line 2); it was read as Windows-1252, the usual "
        "encoding of Excel on Windows: check accented letters",
        EMAIL_IGNORED,
    ],
    "google-sheets-utf16-tab.txt": [
        "2 row(s) read (Google Forms export, UTF-16, tab-separated).",
        "2 new response(s) to import (2 row(s)).",
        EMAIL_IGNORED,
    ],
    "google-sheets-semicolon-dayfirst.csv": [
        "3 row(s) read (Google Forms export, UTF-8, semicolon-separated).",
        "3 new response(s) to import (3 row(s)).",
        "note: times in column 'Timestamp' name no time zone; they were read as UTC",
    ],
    "long-bom-crlf.csv": [
        "21 row(s) read (long responses CSV, UTF-8 with BOM, comma-separated).",
        "1 new response(s) to import (21 row(s)).",
    ],
    "google-forms-missing-questions.csv": [
        f"2 row(s) read ({GOOGLE}).",
        "2 new response(s) to import (2 row(s)).",
        "note: 13 item(s) have no column and stay unanswered: why-pulse-q, goals-pulse-q, "
        "vision-pulse-q, example-pulse-q, learning-pulse-q, empower-pulse-q…",
        EMAIL_IGNORED,
    ],
    "google-forms-extra-columns.csv": [
        f"2 row(s) read ({GOOGLE}).",
        "2 new response(s) to import (2 row(s)).",
        "note: 3 column(s) ignored: 'Email Address', 'Department', 'Score'",
    ],
    "google-forms-label-typos.csv": [
        f"3 row(s) read ({GOOGLE}).",
        "1 new response(s) to import (1 row(s)).",
        "2 row(s) with problems skipped:",
        EMAIL_IGNORED,
        f"line 2, {GRID_WHY}: 'Agre' is not on the scale {AGREEMENT}; did you mean 'Agree'?",
        "line 2, column '…[I check whether our current goals still serve our mission…': "
        f"'Somtimes' is not on the scale {FREQUENCY}; did you mean 'Sometimes'?",
        "line 2, column '…[I give people real ownership of meaningful work.]': "
        f"'Usually' is not on the scale {FREQUENCY}",
        "line 3, column '…[I care about growing as a leader, year after year.]': "
        f"'Stongly agree' is not on the scale {AGREEMENT}; did you mean 'Strongly agree'?",
    ],
    "google-forms-out-of-range.csv": [
        f"2 row(s) read ({GOOGLE}).",
        "1 new response(s) to import (1 row(s)).",
        "1 row(s) with problems skipped:",
        "line 2, column 'I am clear about what I stand for as a leader.': "
        f"'0' is outside the scale {AGREEMENT}",
        "line 2, column 'I see hitting the numbers as more important than why we do …': "
        f"'6' is outside the scale {AGREEMENT}",
        "line 2, column 'I want everyone on my team to be able to explain why our wo…': "
        f"'3.5' is not a point on the scale {AGREEMENT}",
        "line 2, column 'I think results matter more than how I behave while getting…': "
        f"'-1' is outside the scale {AGREEMENT}",
        "line 2, column 'I run my days on autopilot, reacting to whatever lands in f…': "
        f"'12' is outside the scale {FREQUENCY}",
    ],
    "long-duplicate-ids.csv": [
        "66 row(s) read (long responses CSV, UTF-8, comma-separated).",
        "1 new response(s) to import (21 row(s)).",
        "45 row(s) with problems skipped:",
        "line 23: left out with its response 9bd90e50…, which has problems on line 45, 46",
        "line 45: duplicate response id: line 23 uses the same id with another submitted_at, "
        "respondent",
        "line 46: duplicate response id: line 23 uses the same id with another submitted_at, "
        "respondent",
        "line 47: left out with its response f08be23a…, which has problems on line 50",
        "line 50: duplicate response id: 'goals-pulse-p' is answered again in this response "
        "(first on line 49)",
    ],
    "long-row-problems.csv": [
        "48 row(s) read (long responses CSV, UTF-8, comma-separated).",
        "0 new response(s) to import (0 row(s)).",
        "48 row(s) with problems skipped:",
        "line 2: left out with its response 3fecd7c5…, which has problems on line 3, 6",
        "line 3, column 'item_id': 'why-pulse-x' is not an item of 'pulse'",
        f"line 6, column 'value': 'Agre' is not on the scale {AGREEMENT}; did you mean 'Agree'?",
        "line 23, column 'questionnaire_id': 'purpose-performance' is another questionnaire "
        "than 'pulse'",
        "line 24, column 'questionnaire_id': 'purpose-performance' is another questionnaire "
        "than 'pulse'",
        "line 25, column 'questionnaire_id': 'purpose-performance' is another questionnaire "
        "than 'pulse'",
        "line 26, column 'response_id': 'not-a-uuid' is not a response id (a UUID such as "
        "3f2b8c1e-5d6a-4e7b-9c0d-1a2b3c4d5e6f)",
        "line 27: left out with its response f08be23a…, which has problems on line 28",
        "line 28, column 'questionnaire_version': 'v1' is not a questionnaire version (1, 2, …)",
        "line 29: left out with its response c9011d44…, which has problems on line 49",
        "line 49, column 'value': a reflection has text, not a value",
    ],
    "google-forms-blank-lines.csv": [
        f"3 row(s) read ({GOOGLE}).",
        "2 new response(s) to import (2 row(s)).",
        "1 row(s) with problems skipped:",
        "note: 1 line(s) with empty cells only were skipped (line 7)",
        EMAIL_IGNORED,
        f"line 6, {GRID_WHY}: 'Agre' is not on the scale {AGREEMENT}; did you mean 'Agree'?",
    ],
    "google-forms-huge-reflection.csv": [
        f"1 row(s) read ({GOOGLE}).",
        "1 new response(s) to import (1 row(s)).",
        "note: line 2, column 'What is one small step you will take this month t…': the text "
        "(102,399 characters) was cut to 4,000",
        EMAIL_IGNORED,
    ],
    "google-forms-formulas.csv": [
        f"5 row(s) read ({GOOGLE}).",
        "4 new response(s) to import (4 row(s)).",
        "1 row(s) with problems skipped:",
        EMAIL_IGNORED,
        f"line 6, {GRID_WHY}: '=1+4' is not on the scale {AGREEMENT}",
    ],
    "google-forms-bad-timestamps.csv": [
        f"5 row(s) read ({GOOGLE}).",
        "1 new response(s) to import (1 row(s)).",
        "4 row(s) with problems skipped:",
        EMAIL_IGNORED,
        f"line 3, column 'Timestamp': 'yesterday' {UNREADABLE}",  # Dev's row spans lines 3-4
        f"line 5, column 'Timestamp': '2026/02/30 9:00:00 AM GMT+1' {UNREADABLE}",
        "line 6, column 'Timestamp': no time given",
        f"line 7, column 'Timestamp': '2026/03/09 13:30:45 PM GMT+1' {UNREADABLE}",
    ],
    "google-forms-ragged.csv": [
        f"3 row(s) read ({GOOGLE}).",
        "1 new response(s) to import (1 row(s)).",
        "2 row(s) with problems skipped:",
        EMAIL_IGNORED,
        "line 3: 21 cells where the header has 24 columns (a missing or extra delimiter, or an "
        "unclosed quote?)",
        "line 4: 26 cells where the header has 24 columns (a missing or extra delimiter, or an "
        "unclosed quote?)",
    ],
    "google-forms-empty-rows.csv": [
        f"3 row(s) read ({GOOGLE}).",
        "2 new response(s) to import (2 row(s)).",
        "1 row(s) with problems skipped:",
        EMAIL_IGNORED,
        "line 3: empty row: no answers",
    ],
    "google-forms-repeated-rows.csv": [
        f"3 row(s) read ({GOOGLE}).",
        "2 new response(s) to import (2 row(s)).",
        "1 row(s) with problems skipped:",
        EMAIL_IGNORED,
        "line 5: repeats line 2 exactly",  # Dev's reflection spans lines 3-4
    ],
    "google-forms-control-characters.csv": [
        f"3 row(s) read ({GOOGLE}).",
        "1 new response(s) to import (1 row(s)).",
        "2 row(s) with problems skipped:",
        EMAIL_IGNORED,
        "line 4, column 'Your name or alias': 'Dev R' cannot be the respondent's alias: The "
        "alias contains invisible control characters (such as a tab or line break); please type "
        "it again.",
        "line 6, column 'Your name or alias': 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF…' cannot "
        "be the respondent's alias: The alias is 70 characters long; please keep it to 64.",
    ],
    "ms-forms-anonymous.csv": [
        "2 row(s) read (Microsoft Forms export, UTF-8 with BOM, comma-separated).",
        "2 new response(s) to import (2 row(s)).",
        "note: no date in column 'Completion time' has a day above 12, so dates were read as "
        "month/day/year (the US order Google and Microsoft use by default)",
        "note: 3 column(s) ignored: 'Start time', 'Email', 'Last modified time'",
        "note: times in column 'Completion time' name no time zone; they were read as UTC",
    ],
}


@pytest.mark.parametrize("name", sorted(MALFORMED_REPORTS))
def test_malformed_file_report(name):
    plan = plan_for(name)

    assert plan.report().splitlines() == MALFORMED_REPORTS[name]
    # The counts behind the report add up: every row is imported, already there or listed.
    assert plan.good_rows + plan.bad_rows <= plan.rows_read
    assert {line for line, _, _ in plan.bad} >= {p.row for p in plan.problems}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "the file is empty"),
        ("header-only.csv", "the file has a header but no rows below it"),
        (
            "not-a-csv.png",
            "this is a PNG image, not a CSV file; open it in your spreadsheet and save it as "
            "'CSV UTF-8 (comma delimited)'",
        ),
        (
            "single-column.txt",
            "line 1 has a single column ('Dear facilitator'); expected a table whose columns "
            "are separated by commas, semicolons or tabs",
        ),
        (
            "long-missing-columns.csv",
            "a long responses CSV needs the columns response_id, submitted_at, respondent, "
            "session, questionnaire_id, questionnaire_version, item_id, value, text; line 1 "
            "lacks questionnaire_version, value, text",
        ),
        (
            "google-forms-no-timestamp.csv",
            "no column holds the time each response was submitted (such as 'Timestamp' or "
            "'Completion time'); map one as the timestamp",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_at_all_says_why(name, message):
    with pytest.raises(ImportProblem) as caught:
        plan_for(name)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"   \n\n", "the file is empty"),
        (b"PK\x03\x04rest", "this is an Excel workbook or another ZIP file"),
        (b"Timestamp,a\n\x00\x01,2\n", "the file holds binary data (zero bytes)"),
        (
            bytes(range(1, 32)) * 20,
            "the file holds binary data (560 control characters, the first on line 1)",
        ),
        (b"\xef\xbb\xbfTimestamp,a\n\xff\n", "the file starts as UTF-8 but byte 15 (line 2)"),
    ],
)
def test_binary_and_broken_bytes_are_refused(data, message):
    with pytest.raises(ImportProblem, match=re.escape(message)):
        importing.read_table(data)


def test_bad_rows_download_holds_the_original_rows_with_line_and_problem():
    plan = plan_for("google-forms-label-typos.csv")

    table = pd.read_csv(io.BytesIO(plan.bad_rows_csv()), dtype=str, keep_default_na=False)
    header = importing.read_table(fixture("google-forms-label-typos.csv")).columns
    assert list(table.columns) == ["line", *header, "problem"]
    assert table["line"].tolist() == ["2", "3"]
    assert table["Your name or alias"].tolist() == ["Ana", "Dev"]
    assert table.iloc[0]["problem"].count(" | ") == 2  # three problems on line 2
    assert table.iloc[1]["problem"] == (
        "column '…[I care about growing as a leader, year after year.]': 'Stongly agree' is not "
        f"on the scale {AGREEMENT}; did you mean 'Strongly agree'?"
    )


def test_bad_rows_download_neutralises_formulas_but_the_import_keeps_text_as_typed(
    isolated_data_dir: Path,
):
    plan = plan_for("google-forms-formulas.csv")
    path = isolated_data_dir / "responses.csv"
    importing.import_responses(path, plan)

    saved = load_responses(path).frame
    texts = saved.loc[saved["item_id"] == "reflect-pulse", "text"].tolist()
    assert texts == ["=cmd|' /C calc'!A0", "+1", "@SUM(A1:A9)", "-2+3 more listening"]
    assert '=HYPERLINK("http://example.com","me")' in set(saved["respondent"])

    download = plan.bad_rows_csv().decode()
    assert ",'=1+4," in download  # the bad value, neutralised
    assert ",=1+4," not in download


def test_ragged_rows_keep_their_cells_in_the_download():
    plan = plan_for("google-forms-ragged.csv")
    table = pd.read_csv(io.BytesIO(plan.bad_rows_csv()), dtype=str, keep_default_na=False)
    assert list(table.columns[-3:]) == ["(extra 1)", "(extra 2)", "problem"]
    assert table.iloc[1][["(extra 1)", "(extra 2)"]].tolist() == ["stray", "cells"]


# ---------------------------------------------------------------------------------------------
# Encodings and text


def test_windows_1252_names_and_text_decode_correctly():
    plan = plan_for("google-forms-cp1252.csv")
    assert sorted(set(plan.responses["respondent"])) == ["Chloé Martin", "Zoë Müller"]
    text = plan.responses.loc[plan.responses["item_id"] == "reflect-pulse", "text"].tolist()
    assert text == ["Spend less on coffee, more on people \u2013 5 \u20ac a week\u2019s enough."]


def test_utf16_and_semicolon_files_read_like_the_rest():
    assert plan_for("google-sheets-utf16-tab.txt").response_count == 2
    plan = plan_for("google-sheets-semicolon-dayfirst.csv")
    # "14.03.2026", "15.03.2026", "02.04.2026": day first, since some days are above 12.
    assert times(plan) == [
        "2026-03-14T09:05:12+00:00",
        "2026-03-15T17:40:00+00:00",
        "2026-04-02T08:15:30+00:00",
    ]
    assert answers(plan) == [5.0, 3.0, 5.0]  # linear-scale numbers


def test_control_characters_are_removed_from_reflections_but_line_breaks_and_tabs_stay():
    plan = plan_for("google-forms-control-characters.csv")
    text = plan.responses.loc[plan.responses["item_id"] == "reflect-pulse", "text"].iloc[0]
    assert text == "Ring the bell less, listen\tmore.\nSecond line."


def test_a_huge_reflection_is_cut_to_the_limit():
    plan = plan_for("google-forms-huge-reflection.csv")
    text = plan.responses.loc[plan.responses["item_id"] == "reflect-pulse", "text"].iloc[0]
    assert len(text) <= 4000
    assert text.startswith("I will listen more. I will")


# ---------------------------------------------------------------------------------------------
# Times


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026/03/14 9:05:12 AM GMT+1", "2026-03-14T08:05:12+00:00"),  # Google Forms download
        ("2026/03/14 12:05:12 AM GMT-5", "2026-03-14T05:05:12+00:00"),
        ("2026/03/14 12:30:00 PM GMT+5:30", "2026-03-14T07:00:00+00:00"),
        ("2026/03/14 9:05:12 PM GMT", "2026-03-14T21:05:12+00:00"),
        ("3/14/2026 9:05:12", "2026-03-14T09:05:12+00:00"),  # Sheets, US
        ("3/14/26 9:05:12", "2026-03-14T09:05:12+00:00"),  # Microsoft Forms via Excel
        ("3/14/26 9:05", "2026-03-14T09:05:00+00:00"),
        ("2026-03-14T09:05:12Z", "2026-03-14T09:05:12+00:00"),  # ISO 8601
        ("2026-03-14T09:05:12.250+02:00", "2026-03-14T07:05:12.250000+00:00"),
        ("2026-03-14 09:05", "2026-03-14T09:05:00+00:00"),
    ],
)
def test_times_of_each_tool_read_in_utc(value, expected):
    plan = plan_for(small([f'"{value}",Ana,4']))
    assert times(plan) == [expected]


def test_day_and_month_are_told_apart_by_the_whole_column():
    day_first = plan_for(small(["14/03/2026 09:05:12,Ana,4", "03/04/2026 10:00:00,Ben,4"]))
    assert times(day_first) == ["2026-03-14T09:05:12+00:00", "2026-04-03T10:00:00+00:00"]
    assert not any("month/day/year" in note for note in day_first.notes)

    month_first = plan_for(small(["3/14/2026 9:05:12,Ana,4", "4/3/2026 10:00:00,Ben,4"]))
    assert times(month_first) == ["2026-03-14T09:05:12+00:00", "2026-04-03T10:00:00+00:00"]


def test_ambiguous_dates_are_read_month_first_and_the_report_says_so():
    plan = plan_for(small(["3/4/2026 9:05:12,Ana,4"]))
    assert times(plan) == ["2026-03-04T09:05:12+00:00"]
    assert "dates were read as month/day/year" in plan.report()


def test_a_zone_in_the_header_applies_to_times_without_one():
    plan = plan_for(small(["2026-03-14 09:05:12,Ana,4"], "Timestamp (GMT+2),Name,why-pulse-p"))
    assert times(plan) == ["2026-03-14T07:05:12+00:00"]
    assert "read as UTC" not in plan.report()


def test_a_day_that_does_not_fit_the_column_order_is_a_row_problem():
    plan = plan_for(small(["14/03/2026 09:05,Ana,4", "03/15/2026 09:05,Ben,4"]))
    assert [str(p) for p in plan.problems] == [
        f"line 3, column 'Timestamp': '03/15/2026 09:05' {UNREADABLE}"
    ]


# ---------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Agree", 4),
        ("  strongly   AGREE ", 5),
        ("Neither agree nor disagree.", 3),
        ("4", 4),
        ("4.0", 4),
        ("4,0", 4),
        ("4 - Agree", 4),
        ("5 (Strongly agree)", 5),
        ("", None),
    ],
)
def test_values_as_numbers_or_labels(value, expected):
    plan = plan_for(small([f'2026-03-01,Ana,"{value}",Often'], "Timestamp,Name,why-pulse-p,x"))
    if expected is None:
        assert plan.problems[0].reason == "empty row: no answers"
    else:
        assert answers(plan) == [expected]


def test_a_numbered_label_must_agree_with_its_number():
    plan = plan_for(small(['2026-03-01,Ana,"2 - Agree"']))
    assert plan.problems[0].reason == (
        f"'2 - Agree' is not on the scale: 2 is 'Disagree' {AGREEMENT}"
    )


def test_a_blank_answer_is_missing_not_a_problem():
    header = "Timestamp,Name,why-pulse-p,why-pulse-q"
    plan = plan_for(small(["2026-03-01,Ana,,Often"], header))
    assert plan.problems == []
    assert plan.responses["item_id"].tolist() == ["why-pulse-q"]


# ---------------------------------------------------------------------------------------------
# Respondents and sessions


def test_ms_forms_anonymous_responses_get_the_default_respondent():
    plan = plan_for("ms-forms-anonymous.csv")
    assert set(plan.responses["respondent"]) == {"Imported"}
    assert times(plan) == ["2026-04-02T09:05:12+00:00", "2026-04-03T10:22:41+00:00"]


def test_a_session_code_is_normalised_and_applied_to_every_row():
    plan = plan_for("google-forms-pulse.csv", session="k7p xw3")
    assert set(plan.responses["session"]) == {"K7PXW3"}
    plan = plan_for("long-pulse.csv", session="RECAP8")
    assert set(plan.responses["session"]) == {"RECAP8"}


def test_a_bad_session_code_stops_the_import():
    with pytest.raises(ImportProblem, match="session code 'K0PXW3': Session codes never"):
        plan_for("google-forms-pulse.csv", session="K0PXW3")


def test_a_long_format_session_must_be_a_code():
    source = fixture("long-bom-crlf.csv").decode("utf-8-sig").replace(",Dev,,", ",Dev,team-a,")
    plan = plan_for(source.encode())
    assert plan.response_count == 0
    assert "'team-a': A session code has 6 letters and digits" in str(plan.problems[0])


# ---------------------------------------------------------------------------------------------
# Ids and repeats


def test_long_response_with_one_bad_row_is_left_out_whole():
    plan = plan_for("long-row-problems.csv")
    assert plan.responses.empty
    bad_lines = [line for line, _, _ in plan.bad]
    assert bad_lines == list(range(2, 50))  # every row: each response has a bad row


def test_wide_ids_are_stable_across_encodings_delimiters_and_extra_columns():
    pulse = plan_for("google-forms-pulse.csv")
    extra = plan_for("google-forms-extra-columns.csv")  # same answers, two more columns
    assert set(extra.responses["response_id"]) <= set(pulse.responses["response_id"])

    existing = set(pulse.responses["response_id"])
    again = plan_for("google-forms-extra-columns.csv", existing=existing)
    assert again.response_count == 0
    assert again.already_imported == 2
    assert again.duplicates == 2
    assert "2 response(s) already imported; skipped." in again.report().splitlines()


def test_the_same_response_twice_in_one_file_is_imported_once():
    rows = ["2026-03-01 10:00,Ana,4,Sales", "2026-03-01 10:00,Ana,4,Finance"]
    plan = plan_for(small(rows, "Timestamp,Name,why-pulse-p,Department"))

    assert plan.response_count == 1
    assert [str(p) for p in plan.problems] == [
        "line 3: the same response as line 2 (same time, respondent and answers)"
    ]
    assert [line for line, _, _ in plan.bad] == [3]
    assert (plan.good_rows, plan.bad_rows, plan.duplicates) == (1, 1, 1)


def test_importing_the_same_file_twice_adds_nothing(isolated_data_dir: Path):
    path = isolated_data_dir / "responses.csv"
    for name in ("google-forms-pulse.csv", "ms-forms-pulse.csv", "long-pulse.csv"):
        first = plan_for(name, existing=importing.existing_response_ids(path))
        assert importing.import_responses(path, first) == first.response_count
        before = path.read_bytes()

        second = plan_for(name, existing=importing.existing_response_ids(path))

        assert second.response_count == 0
        assert second.already_imported == first.response_count
        assert importing.import_responses(path, second) == 0
        # A stale plan (made before the first import) adds nothing either.
        assert importing.import_responses(path, first) == 0
        assert path.read_bytes() == before
    assert load_responses(path).response_count == 17
    assert load_responses(path).problems == []


def test_an_import_keeps_responses_saved_by_the_app(isolated_data_dir: Path):
    path = isolated_data_dir / "responses.csv"
    mine = build_response(PULSE, "Ana", {i.id: 3 for i in PULSE.active_items})
    append_rows(path, mine)
    plan = plan_for("google-forms-pulse.csv", existing=importing.existing_response_ids(path))
    assert importing.import_responses(path, plan) == 6
    assert load_responses(path).response_count == 7


# ---------------------------------------------------------------------------------------------
# Failures leave the data file exactly as it was


@pytest.fixture
def saved(isolated_data_dir: Path) -> Path:
    path = isolated_data_dir / "responses.csv"
    importing.import_responses(path, plan_for("long-pulse.csv"))
    return path


def test_disk_full_during_an_import_leaves_the_file_byte_for_byte(
    saved: Path, monkeypatch: pytest.MonkeyPatch
):
    before = saved.read_bytes()
    mark_before = saved.with_name(saved.name + ".commit").read_bytes()
    plan = plan_for("google-forms-pulse.csv", existing=importing.existing_response_ids(saved))
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 3])
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "write", full_disk)
        with pytest.raises(StoreError, match="disk is full"):
            importing.import_responses(saved, plan)

    assert saved.read_bytes() == before
    assert saved.with_name(saved.name + ".commit").read_bytes() == mark_before
    assert load_responses(saved).response_count == 5


def test_permission_denied_leaves_the_file_byte_for_byte(
    saved: Path, monkeypatch: pytest.MonkeyPatch
):
    before = saved.read_bytes()
    plan = plan_for("ms-forms-pulse.csv", existing=importing.existing_response_ids(saved))

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    # Simulated: CI runs as root, which file modes do not stop.
    with monkeypatch.context() as patched:
        patched.setattr(os, "open", denied)
        with pytest.raises(StoreError, match="permission denied"):
            importing.import_responses(saved, plan)
    assert saved.read_bytes() == before


def test_a_failed_commit_mark_leaves_the_file_byte_for_byte(
    saved: Path, monkeypatch: pytest.MonkeyPatch
):
    before = saved.read_bytes()
    plan = plan_for("ms-forms-pulse.csv", existing=importing.existing_response_ids(saved))

    def no_mark(*_args, **_kwargs):
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched:
        patched.setattr("alignment.store._write_mark", no_mark)
        with pytest.raises(StoreError, match="could not record"):
            importing.import_responses(saved, plan)
    assert saved.read_bytes() == before


def test_a_foreign_data_file_is_refused_and_left_alone(isolated_data_dir: Path):
    path = isolated_data_dir / "responses.csv"
    path.write_bytes(b"name,score\nAna,3\n")
    plan = plan_for("google-forms-pulse.csv")
    with pytest.raises(StoreError):
        importing.import_responses(path, plan)
    assert path.read_bytes() == b"name,score\nAna,3\n"


# ---------------------------------------------------------------------------------------------
# Scores of imported answers


def test_scores_of_an_imported_google_forms_row_match_the_hand_computed_values(
    isolated_data_dir: Path,
):
    path = isolated_data_dir / "responses.csv"
    importing.import_responses(path, plan_for("google-forms-pulse.csv"))
    scores = score_responses(load_responses(path).frame, PULSE)

    # Ana's row (line 2). norm = (value - 1) / 4 * 100; reversed items score 100 - norm.
    ana = scores.strategies[scores.strategies["respondent"] == "Ana"].set_index("strategy")
    expected = {
        # why: "Strongly agree" (5) -> 100; why-pulse-q (reverse) "Rarely" (2) -> 25 -> 75.
        #      gap 75 - 100 = -25, alignment 75; both >= 60 -> aligned.
        "why": (100.0, 75.0, -25.0, 75.0, "aligned"),
        # learning: "Agree" (4) -> 75; learning-pulse-q (reverse) "Often" (4) -> 75 -> 25.
        #      gap -50, alignment 50; 75 >= 60 > 25 -> intent_gap.
        "learning": (75.0, 25.0, -50.0, 50.0, "intent_gap"),
        # selfcare: selfcare-pulse-p (reverse) "Neither…" (3) -> 50 -> 50; "Rarely" (2) -> 25.
        #      gap -25, alignment 75; both < 60 -> drifting.
        "selfcare": (50.0, 25.0, -25.0, 75.0, "drifting"),
        # example: example-pulse-p (reverse) "Strongly disagree" (1) -> 0 -> 100;
        #      "Always" (5) -> 100. gap 0, alignment 100 -> aligned.
        "example": (100.0, 100.0, 0.0, 100.0, "aligned"),
    }
    for strategy, values in expected.items():
        row = ana.loc[strategy]
        got = (row["purpose"], row["performance"], row["gap"], row["alignment"], row["quadrant"])
        assert got == values, strategy
    # Overall over the ten strategies:
    # purpose 100, 75, 75, 100, 75, 75, 100, 50, 75, 75 -> 800 / 10 = 80;
    # performance 75, 75, 50, 100, 25, 75, 50, 25, 75, 50 -> 600 / 10 = 60;
    # alignment 75, 100, 75, 100, 50, 100, 50, 75, 100, 75 -> 800 / 10 = 80; gap 60 - 80 = -20.
    overall = scores.overall[scores.overall["respondent"] == "Ana"].iloc[0]
    assert (overall["purpose"], overall["performance"]) == (80.0, 60.0)
    assert (overall["gap"], overall["alignment"], overall["quadrant"]) == (-20.0, 80.0, "aligned")
    assert overall["submitted_at"] == pd.Timestamp("2026-03-02T08:14:07Z")  # 9:14:07 AM GMT+1


# ---------------------------------------------------------------------------------------------
# Whatever the bytes, only ImportProblem


def _plan_anything(data: bytes) -> None:
    for format in ("auto", "google-forms", "ms-forms", "long"):
        try:
            table = importing.read_table(data, format)
            mapping = importing.auto_mapping(table, PULSE)
            plan = importing.plan_import(table, mapping, PULSE, existing_ids=set())
        except ImportProblem:
            continue
        assert plan.good_rows + plan.bad_rows <= plan.rows_read
        plan.report()
        plan.bad_rows_csv()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes_raise_nothing_but_import_problem(data: bytes):
    _plan_anything(data)


CELLS = st.sampled_from(
    [
        "Timestamp",
        "Completion time",
        "ID",
        "Name",
        "response_id",
        "item_id",
        "value",
        "text",
        "submitted_at",
        "why-pulse-p",
        "I am clear about what I stand for as a leader.",
        "Q [I act in the ways I ask my team to act.]",
        "Agree",
        "Agre",
        "Often",
        "4",
        "7",
        "-1",
        "3.5",
        "2026/03/14 9:05:12 AM GMT+1",
        "31/31/2026 99:99",
        "3/14/26 9:05",
        "2026/03/14 9:05:12 AM GMT+99",
        "=cmd|' /C calc'!A0",
        "anonymous",
        "",
        " ",
        '"',
        "a\nb",
        "\x07",
        "3f2b8c1e-5d6a-4e7b-9c0d-1a2b3c4d5e6f",
        "pulse",
        "1",
        "K7PXW3",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=0, max_size=6),
    st.sampled_from([",", ";", "\t", '","']),
    st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]),
)
def test_any_csv_like_text_raises_nothing_but_import_problem(rows, delimiter, encoding):
    text = "\n".join(delimiter.join(row) for row in rows)
    _plan_anything(text.encode(encoding, errors="replace"))


def test_table_is_the_documented_shape():
    table = importing.read_table(fixture("google-forms-pulse.csv"))
    assert isinstance(table, Table)
    assert len(table.rows) == len(table.lines) == 6
    assert table.lines == [2, 3, 4, 5, 7, 8]  # Dev's reflection has a line break


def test_a_person_fixes_and_skips_columns_by_choosing_labels():
    questionnaire = PULSE
    table = importing.read_table(
        b"Timestamp,Who,Something else\n2026/03/02 9:14:07 AM GMT+1,Ana,Agree\n"
    )
    mapping = importing.auto_mapping(table, questionnaire)
    assert importing.choices_of(mapping, questionnaire)[0] == "Time submitted"
    item = questionnaire.active_items[0]
    label = next(
        k for k, v in importing.mapping_choices(questionnaire).items() if v == ("item", item.id)
    )
    fixed = importing.with_choices(
        mapping, {"Who": "Name or alias", "Something else": label}, questionnaire
    )
    assert fixed[0] == mapping[0]  # untouched: still matched by its label
    assert fixed[1] == ColumnMatch("Who", "respondent", None, "manual")
    assert fixed[2] == ColumnMatch("Something else", "item", item.id, "manual")
    skipped = importing.with_choices(
        fixed, {"Something else": importing.SKIP_CHOICE}, questionnaire
    )
    assert skipped[2].role == "ignore"


def test_the_likely_questionnaire_is_the_one_the_columns_match():
    full = load_questionnaire(PROJECT_ROOT / "questionnaires" / "purpose-performance.yaml")
    both = {"purpose-performance": full, "pulse": PULSE}
    google = importing.read_table(fixture("google-forms-pulse.csv"))
    assert importing.likely_questionnaire(google, both) == "pulse"
    long = importing.read_table(fixture("long-pulse.csv"))
    assert importing.likely_questionnaire(long, both) == "pulse"
    nothing = importing.read_table(b"Timestamp,Colour\n2026-03-01 10:00,blue\n")
    assert importing.likely_questionnaire(nothing, both) == "purpose-performance"  # the first


# ---------------------------------------------------------------------------------------------
# What one import takes, and what it costs


def test_a_header_of_more_columns_than_an_import_takes_is_refused_saying_where():
    header = ",".join(f"q{n}" for n in range(1, 1_502))
    with pytest.raises(ImportProblem) as caught:
        importing.read_table(f"{header}\n{','.join(['1'] * 1_501)}\n".encode())
    assert str(caught.value) == (
        "line 1 has 1,501 columns; an import takes at most 1,000, so remove the columns that "
        "are not answers"
    )


def test_a_row_wider_than_an_import_takes_is_refused_saying_where():
    data = small(["2026-03-14 09:05:12,Ana,3", ",".join(["3"] * 1_200)])
    with pytest.raises(ImportProblem, match=r"^line 3 has 1,200 columns; an import takes at most"):
        importing.read_table(data)


def test_a_line_of_endless_commas_is_refused_before_it_is_split_into_cells():
    with pytest.raises(ImportProblem) as caught:
        importing.read_table(b"Timestamp,a\n" + b"," * 5_000_000 + b"\n")
    assert str(caught.value) == (
        "line 2 holds 5,000,000 commas, far more than the 1,000 columns an import takes; is it "
        "a table?"
    )


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("MAX_IMPORT_ROWS", 3, "line 5: the file goes on past 3 rows, the most one import takes"),
        ("MAX_IMPORT_CELLS", 7, "line 4: the file goes on past 7 cells, the most one import takes"),
    ],
)
def test_a_file_of_more_rows_or_cells_than_an_import_takes_is_refused_saying_where(
    monkeypatch: pytest.MonkeyPatch, limit: str, value: int, message: str
):
    monkeypatch.setattr(importing, limit, value)
    rows = [f"2026-03-14 09:0{n}:12,Person {n},3" for n in range(4)]
    with pytest.raises(ImportProblem) as caught:
        importing.read_table(small(rows))
    assert str(caught.value) == f"{message}; split it into smaller files"
    monkeypatch.undo()
    assert len(importing.read_table(small(rows)).rows) == 4


def test_repeated_headers_get_numbers_and_one_note_per_name():
    table = importing.read_table(b"Timestamp,Q,Q,x,Q,Q (3),x\n2026-03-14 09:05:12,1,2,3,4,5,6\n")
    assert table.columns == ["Timestamp", "Q", "Q (2)", "x", "Q (3)", "Q (3) (2)", "x (2)"]
    assert table.notes == [
        "3 columns are headed 'Q'; the later ones are called 'Q (2)' to 'Q (3)'",
        "two columns are headed 'Q (3)'; the later one is called 'Q (3) (2)'",
        "two columns are headed 'x'; the later one is called 'x (2)'",
    ]


_REPEATED_HEADERS = """
import sys
from alignment import importing
from alignment.questionnaire import load_questionnaire

importing.MAX_IMPORT_COLUMNS = 10_000  # the cost of 5,000 headers, not the limit, is tested
questionnaire = load_questionnaire(sys.argv[1])
question = questionnaire.active_items[0].text
for header in ("x", question):
    data = (f"Timestamp,{question}," + ",".join([header] * 5_000) + "\\n2026-03-14 09:05:12,"
            + ",".join(["3"] * 5_001) + "\\n").encode()
    table = importing.read_table(data)
    mapping = importing.auto_mapping(table, questionnaire)
    chosen = dict(zip(table.columns, importing.choices_of(mapping, questionnaire)))
    mapping = importing.with_choices(mapping, chosen, questionnaire)
    plan = importing.plan_import(table, mapping, questionnaire, existing_ids=set())
    plan.report()
    print(len(table.columns), plan.response_count, sum(m.role == "item" for m in mapping))
"""


def test_five_thousand_repeated_headers_are_read_mapped_and_planned_at_once():
    """Was cubic in the number of equal names (476 s for 5,000). The deadline is generous for a
    loaded machine; the linear code needs a fraction of a second after start-up."""
    done = subprocess.run(
        [sys.executable, "-c", _REPEATED_HEADERS, str(PROJECT_ROOT / "questionnaires/pulse.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["5002", "1", "1", "5002", "1", "1"]


def test_a_10_kb_file_of_5000_equal_headers_is_refused_by_the_column_limit():
    data = (",".join(["x"] * 5_000) + "\n").encode()
    with pytest.raises(ImportProblem, match=r"^line 1 has 5,000 columns; an import takes at most"):
        importing.read_table(data + data)


# ---------------------------------------------------------------------------------------------
# Two imports at once


_IMPORT_WHEN_TOLD = """
import sys
from pathlib import Path
from alignment import importing
from alignment.questionnaire import load_questionnaire

source, target, ready, questionnaire = sys.argv[1:]
questionnaire = load_questionnaire(questionnaire)
table = importing.read_table(Path(source).read_bytes())
plan = importing.plan_import(
    table,
    importing.auto_mapping(table, questionnaire),
    questionnaire,
    existing_ids=importing.existing_response_ids(target),
)
Path(ready).touch()
print(importing.import_responses(target, plan))
"""


def _big_google_forms_file(responses: int) -> bytes:
    """The pulse fixture's first row again and again, each time by another person: over 1 MiB
    once imported, more than the store used to look back for repeats."""
    header, first = list(csv.reader(io.StringIO(fixture("google-forms-pulse.csv").decode())))[:2]
    alias = header.index("Your name or alias")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for n in range(responses):
        writer.writerow([*first[:alias], f"Person {n}", *first[alias + 1 :]])
    return buffer.getvalue().encode()


def test_two_imports_of_the_same_file_at_the_same_time_add_it_once(isolated_data_dir: Path):
    source = isolated_data_dir.parent / "export.csv"
    source.write_bytes(_big_google_forms_file(700))
    target = isolated_data_dir / "responses.csv"
    readies = [isolated_data_dir.parent / f"ready-{n}" for n in range(2)]
    command = [sys.executable, "-c", _IMPORT_WHEN_TOLD, str(source), str(target)]
    questionnaire = str(PROJECT_ROOT / "questionnaires/pulse.yaml")
    # Both plan against the same empty file, then wait for the lock this test holds: the
    # moment when each has checked what the file holds and neither has saved yet.
    with store.locked(target):
        children = [
            subprocess.Popen(
                [*command, str(ready), questionnaire],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for ready in readies
        ]
        deadline = time.monotonic() + 120  # a guard against a hung child, not a measure
        for child, ready in zip(children, readies, strict=True):
            while not ready.exists():
                assert child.poll() is None, child.communicate()
                assert time.monotonic() < deadline, "the imports never got ready"
                time.sleep(0.05)
    added = sorted(int(child.communicate(timeout=120)[0]) for child in children)

    assert added == [0, 700]
    loaded = load_responses(target)
    assert loaded.problems == []
    assert loaded.response_count == 700
    assert not loaded.frame.duplicated(["response_id", "item_id"]).any()
    assert target.stat().st_size > 1 << 20
