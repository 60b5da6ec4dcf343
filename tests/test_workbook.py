"""The Excel workbook: a Summary to read first, then the raw sheets; real numbers and
date-times, safe text, print setup, Excel's limits.

Workbooks are read back with openpyxl (the importer's library), as a person's spreadsheet would
open them; a few checks read the file's XML itself.
"""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from alignment import workbook
from alignment.config import SAMPLE_RESPONSES
from alignment.response import build_response
from alignment.results import quadrant_wording
from alignment.scoring import score_responses, scores_table
from alignment.store import RESPONSE_COLUMNS, load_responses
from alignment.workbook import (
    EXCEL_MAX_ROWS,
    EXCEL_MAX_TEXT,
    INDEX_ROW,
    SLOW_WORKBOOK_ANSWERS,
    WORKBOOK_ANSWERS_PER_SECOND,
    workbook_bytes,
    workbook_problem,
    workbook_wait,
)
from tests.test_export_files import MAIN, PULSE, open_workbook, respond, sheet_records, stored

FIRST_SAMPLE = "de1bfa7c-2357-4c32-a7ba-b551775b1637"
SHEETS = ["Summary", "Responses", "Wide", "Scores", "About"]
TABLES = ["Responses", "Wide", "Scores"]  # the raw sheets with a header in row 1
HEADER_FILL = "FFE8EEF4"
SUMMARY_HEADER = 5  # the Summary's header row, below its title and three lines
SUMMARY_COLUMNS = [
    "Respondent",
    "Submitted (UTC)",
    "Strategy",
    "Purpose",
    "Performance",
    "Gap",
    "Alignment",
    "Quadrant",
    "What it means",
]


@pytest.fixture(scope="module")
def sample_frame() -> pd.DataFrame:
    return load_responses(SAMPLE_RESPONSES).frame


@pytest.fixture(scope="module")
def sample_workbook(sample_frame) -> openpyxl.Workbook:
    now = datetime(2026, 5, 4, 12, 30, 15, 999, tzinfo=UTC)
    return open_workbook(workbook_bytes(sample_frame, MAIN, now=now))


def sheet_xml(data: bytes, number: int) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode("utf-8")


def table_workbook(table: pd.DataFrame, digits: int | None = None) -> openpyxl.Workbook:
    """`table` alone on a sheet, written as the workbook writes its tables."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        book = workbook._new_workbook(buffer, folder)
        sheet = workbook._add_sheet(book, "Table", workbook.PAPER_SIZES["a4"])
        workbook._write_table(sheet, workbook._Styles.of(book), table, digits)
        book.close()
    return open_workbook(buffer.getvalue())


def summary_records(book: openpyxl.Workbook) -> list[dict[str, object]]:
    """The Summary's table below its header, row by row."""
    rows = list(book["Summary"].iter_rows(min_row=SUMMARY_HEADER, values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def half_up(score: float) -> int | None:
    return None if pd.isna(score) else math.floor(score + 0.5)


def signed_half_up(gap: float) -> int | None:
    """A gap as the app says it: its size half up, then its sign (-37.5 is -38)."""
    return None if pd.isna(gap) else int(math.copysign(math.floor(abs(gap) + 0.5), gap))


# ---------------------------------------------------------------------------------------------
# The sheets


def test_workbook_has_its_sheets_with_frozen_bold_headers(sample_workbook, sample_frame):
    assert sample_workbook.sheetnames == SHEETS
    for name in TABLES:
        sheet = sample_workbook[name]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert all(cell.fill.fgColor.rgb == HEADER_FILL for cell in sheet[1])
        assert not any(cell.font.bold for cell in sheet[2])
    main_rows = sample_frame[sample_frame["questionnaire_id"] == MAIN.id]
    assert sample_workbook["Responses"].max_row == len(main_rows) + 1
    assert [c.value for c in sample_workbook["Responses"][1]] == RESPONSE_COLUMNS
    assert sample_workbook["Wide"].max_row == main_rows["response_id"].nunique() + 1


def test_every_table_sheet_is_filterable_over_all_its_rows(sample_workbook):
    for name in TABLES:
        sheet = sample_workbook[name]
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", name
    summary = sample_workbook["Summary"]
    assert summary.auto_filter.ref == f"A{SUMMARY_HEADER}:I{summary.max_row}"


def test_columns_are_as_wide_as_their_values_within_limits(sample_workbook):
    # Excel shows a width of n characters for n plus its padding (XlsxWriter writes 38.71).
    def width(sheet: str, letter: str) -> int:
        return int(sample_workbook[sheet].column_dimensions[letter].width)

    assert width("Responses", "A") == len(FIRST_SAMPLE) + 2  # response ids, plus a margin
    assert width("Responses", "B") == 19 + 2  # a date-time
    assert width("Responses", "F") == len("questionnaire_version") + 2  # the header is longest
    assert width("Responses", "H") == 8  # single digits: the narrowest column
    assert width("Responses", "I") == 60  # a long reflection takes no more than this
    assert width("Scores", "J") == 8  # gap: "-25.00" and "gap" fit the narrowest
    assert [width("About", letter) for letter in "ABCDE"] == [30, 90, 14, 12, 10]


def test_times_and_scores_have_their_number_formats(sample_workbook):
    scores = sample_workbook["Scores"]
    header = [cell.value for cell in scores[1]]
    row = scores[2]
    assert row[header.index("submitted_at")].number_format == "yyyy-mm-dd hh:mm:ss"
    for column in ("purpose", "performance", "gap", "alignment"):
        assert row[header.index(column)].number_format == "0.00", column
    assert row[header.index("questionnaire_version")].number_format == "General"
    assert sample_workbook["Responses"]["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sample_workbook["Responses"]["H2"].number_format == "General"  # a raw answer


def test_workbook_scores_are_the_scores_table_rounded(sample_workbook, sample_frame):
    main_rows = sample_frame[sample_frame["questionnaire_id"] == MAIN.id]
    expected = scores_table(score_responses(main_rows, MAIN))
    records = sheet_records(sample_workbook["Scores"])
    assert len(records) == len(expected)
    assert list(records[0]) == list(expected.columns)
    for record, (_, row) in zip(records, expected.iterrows(), strict=True):
        assert record["response_id"] == row["response_id"]
        assert record["strategy"] == row["strategy"]
        assert record["quadrant"] == (None if pd.isna(row["quadrant"]) else row["quadrant"])
        for column in ("purpose", "performance", "gap", "alignment"):
            want = None if pd.isna(row[column]) else round(float(row[column]), 2)
            assert record[column] == want, (row["response_id"], row["strategy"], column)

    # By hand (tests/test_sample_data.py): why P = 75, Q = 50, gap -25, alignment 75.
    why = next(r for r in records if r["response_id"] == FIRST_SAMPLE and r["strategy"] == "why")
    assert [why[c] for c in ("purpose", "performance", "gap", "alignment", "quadrant")] == [
        75,
        50,
        -25,
        75,
        "intent_gap",
    ]
    assert why["submitted_at"] == datetime(2025, 8, 15, 9, 2)  # naive, in UTC
    goals = next(
        r for r in records if r["response_id"] == FIRST_SAMPLE and r["strategy"] == "goals"
    )
    assert (goals["purpose"], goals["performance"]) == (62.5, 37.5)


def test_scores_are_rounded_to_two_digits_as_python_rounds():
    scores = [1 / 3, 2 / 3, 100.0, -12.345, 0.125, 2.675, np.nan, np.inf]
    table = pd.DataFrame({"score": scores, "version": pd.array([1] * 8, dtype="Int64")})
    rows = list(table_workbook(table, digits=2)["Table"].iter_rows(2))
    assert [row[0].value for row in rows] == [0.33, 0.67, 100, -12.35, 0.12, 2.67, None, None]
    assert [round(s, 2) for s in scores[:6]] == [row[0].value for row in rows[:6]]
    assert {row[0].number_format for row in rows[:6]} == {"0.00"}
    assert {(row[1].value, row[1].number_format) for row in rows} == {(1, "General")}


def test_negative_numbers_stay_numbers(sample_workbook, tmp_path: Path):
    scores = sheet_records(sample_workbook["Scores"])
    row = next(n for n, r in enumerate(scores) if r["response_id"] == FIRST_SAMPLE) + 2
    gap = sample_workbook["Scores"].cell(row=row, column=10)  # the gap of "why"
    assert sample_workbook["Scores"].cell(row=1, column=10).value == "gap"
    assert gap.value == -25
    assert gap.data_type == "n"

    # Raw answers on a scale below zero are numbers too, never neutralised as text.
    centred = PULSE.model_copy(
        update={
            "scales": {
                k: s.model_copy(update={"min": -2, "max": 2}) for k, s in PULSE.scales.items()
            }
        }
    )
    rows = respond(centred, "Ana", datetime(2026, 3, 1, tzinfo=UTC), value_of=lambda n: -2)
    frame = stored(tmp_path / "responses.csv", rows)
    book = open_workbook(workbook_bytes(frame, centred))
    values = [row[7] for row in book["Responses"].iter_rows(min_row=2) if row[7].value is not None]
    assert len(values) == 20
    assert {(cell.value, cell.data_type) for cell in values} == {(-2, "n")}


def test_workbook_about_says_what_and_when(sample_workbook, sample_frame):
    facts = {
        row[0]: row[1]
        for row in sample_workbook["About"].iter_rows(values_only=True)
        if row and row[0]
    }
    assert facts["Questionnaire"] == MAIN.title
    assert facts["Questionnaire id"] == MAIN.id
    assert facts["Questionnaire version"] == MAIN.version
    assert facts["Exported (UTC)"] == datetime(2026, 5, 4, 12, 30, 15)
    main_rows = sample_frame[sample_frame["questionnaire_id"] == MAIN.id]
    assert facts["Responses"] == main_rows["response_id"].nunique()
    assert facts["Rows on Responses (one per answer)"] == len(main_rows)
    others = sample_frame.loc[sample_frame["questionnaire_id"] != MAIN.id, "response_id"]
    assert facts["Responses to other questionnaires"] == f"{others.nunique()} (not included)"
    assert "UTC" in facts["Times"]
    assert "why-p2" in facts  # the question list explains the Wide sheet's column names


def test_about_is_styled_to_be_read(sample_workbook):
    about = sample_workbook["About"]
    assert about["A1"].font.bold and about["A1"].font.size == 14
    labels = {row[0].value: row for row in about.iter_rows() if row[0].value}
    assert labels["Questionnaire"][0].font.bold
    assert labels["Exported (UTC)"][1].number_format == "yyyy-mm-dd hh:mm:ss"
    assert labels["Times"][1].alignment.wrap_text  # long notes wrap in their wide column
    assert not labels["Questionnaire"][1].alignment.wrap_text
    assert all(cell.font.bold for cell in labels["id"])  # the questions' header
    assert [cell.value for cell in labels["why-p1"]][-1] in {"yes", "no"}


def test_workbook_accepts_rows_straight_from_build_response():
    rows = respond(PULSE, "Ana", datetime(2026, 6, 1, 7, 15, tzinfo=UTC), reflection="Fine")
    book = open_workbook(workbook_bytes(rows, PULSE))
    wide = sheet_records(book["Wide"])
    assert [r["submitted_at"] for r in wide] == [datetime(2026, 6, 1, 7, 15)]
    assert wide[0]["reflect-pulse"] == "Fine"
    assert len(sheet_records(book["Scores"])) == len(PULSE.strategies) + 1


# ---------------------------------------------------------------------------------------------
# The Summary


def main_responses(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["questionnaire_id"] == MAIN.id]


def test_the_workbook_opens_on_a_summary_with_a_title_and_a_frozen_bold_header(
    sample_workbook, sample_frame
):
    assert sample_workbook.sheetnames[0] == "Summary"
    assert sample_workbook.active.title == "Summary"
    summary = sample_workbook["Summary"]
    assert summary["A1"].value == f"{MAIN.title}: summary"
    assert summary["A1"].font.bold and summary["A1"].font.size == 14
    responses = main_responses(sample_frame)["response_id"].nunique()
    assert summary["A2"].value == (
        f"Version {MAIN.version} · {responses} responses · exported 2026-05-04 12:30 UTC"
    )
    assert "whole points, rounded half up" in summary["A3"].value
    assert INDEX_ROW in summary["A4"].value  # how to read the rows
    header = summary[SUMMARY_HEADER]
    assert [cell.value for cell in header] == SUMMARY_COLUMNS
    assert all(cell.font.bold and cell.fill.fgColor.rgb == HEADER_FILL for cell in header)
    assert not any(cell.font.bold for cell in summary[SUMMARY_HEADER + 1])
    # Title, lines and header stay in view while the rows scroll.
    assert summary.freeze_panes == f"A{SUMMARY_HEADER + 1}"


def test_the_summary_names_strategies_and_never_shows_an_id(sample_workbook):
    records = summary_records(sample_workbook)
    strategies = [record["Strategy"] for record in records]
    names = [strategy.name for strategy in MAIN.strategies]
    assert strategies[: len(names) + 1] == [*names, INDEX_ROW]  # one response's rows
    assert set(strategies) == {*names, INDEX_ROW}
    ids = {strategy.id for strategy in MAIN.strategies} | {item.id for item in MAIN.items}
    cells = {
        value for row in sample_workbook["Summary"].iter_rows(values_only=True) for value in row
    }
    assert not ids & cells


def test_summary_scores_are_whole_points_rounded_half_up(sample_workbook, sample_frame):
    expected = scores_table(score_responses(main_responses(sample_frame), MAIN))
    records = summary_records(sample_workbook)
    assert len(records) == len(expected)  # the Scores sheet's rows, in its order
    for record, (_, row) in zip(records, expected.iterrows(), strict=True):
        assert record["Respondent"] == row["respondent"]
        assert record["Submitted (UTC)"] == row["submitted_at"].tz_localize(None).to_pydatetime()
        for column in ("purpose", "performance", "alignment"):
            assert record[column.capitalize()] == half_up(row[column]), column
        assert record["Gap"] == signed_half_up(row["gap"])
        quadrant = None if pd.isna(row["quadrant"]) else row["quadrant"]
        label, meaning = quadrant_wording(quadrant, row["gap"])
        assert (record["Quadrant"], record["What it means"]) == (label, meaning)

    # By hand (tests/test_sample_data.py): the first sample values "goals" 62.5 and lives it
    # 37.5; half up they are 63 and 38 (Python's round() would say 62 and 38).
    first = [r for r in records if r["Submitted (UTC)"] == datetime(2025, 8, 15, 9, 2)]
    goals = next(r for r in first if r["Strategy"] == "Align goals with purpose")
    assert (goals["Purpose"], goals["Performance"], goals["Gap"]) == (63, 38, -25)
    assert round(62.5) == 62
    # A gap of -37.5 is said as the app says it, -38: the rounded 25 and 63 beside it agree.
    reflect = next(r for r in first if r["Strategy"] == "Reflect and reset")
    assert (reflect["Purpose"], reflect["Performance"], reflect["Gap"]) == (63, 25, -38)


def test_summary_numbers_are_numbers_with_readable_formats(sample_workbook):
    row = sample_workbook["Summary"][SUMMARY_HEADER + 1]
    cells = dict(zip(SUMMARY_COLUMNS, row, strict=True))
    assert cells["Submitted (UTC)"].number_format == "yyyy-mm-dd hh:mm"
    assert (
        cells["Gap"].number_format == '+0;"\u2212"0;0'
    )  # "+13", "0", and "25" after a real minus sign
    for column in ("Purpose", "Performance", "Gap", "Alignment"):
        assert cells[column].data_type == "n" and isinstance(cells[column].value, int), column
        assert cells[column].number_format in {"General", '+0;"\u2212"0;0'}


def test_summary_columns_are_wide_enough_to_read(sample_workbook):
    widths = {
        name: sample_workbook["Summary"].column_dimensions[letter].width
        for name, letter in zip(SUMMARY_COLUMNS, "ABCDEFGHI", strict=True)
    }
    excel_default = 8.43
    for column in ("Respondent", "Strategy", "Quadrant", "What it means"):
        assert widths[column] > excel_default, column
    longest_name = max(len(strategy.name) for strategy in MAIN.strategies)
    assert widths["Strategy"] >= longest_name + 2
    assert widths["Quadrant"] >= len("Doing without conviction") + 2
    assert widths["What it means"] <= 61  # a long meaning takes no more than 60 characters


def test_the_workbook_prints_landscape_one_page_wide_on_the_paper_chosen(sample_workbook):
    rows = respond(PULSE, "Ana", datetime(2026, 6, 1, 7, 15, tzinfo=UTC))
    books = {
        "default": sample_workbook,
        "a4": open_workbook(workbook_bytes(rows, PULSE, paper="a4")),
        "letter": open_workbook(workbook_bytes(rows, PULSE, paper="letter")),
    }
    for paper, book in books.items():
        code = 1 if paper == "letter" else 9  # Excel's paper sizes: Letter 1, A4 9
        summary = book["Summary"]
        setup = summary.page_setup
        assert setup.orientation == "landscape", paper
        assert int(setup.paperSize) == code, paper
        assert summary.sheet_properties.pageSetUpPr.fitToPage
        # One page wide (1 is the file format's default, which XlsxWriter leaves unwritten),
        # as many pages tall as it takes.
        assert setup.fitToWidth in (None, 1) and int(setup.fitToHeight) == 0
        assert summary.print_title_rows == f"${SUMMARY_HEADER}:${SUMMARY_HEADER}"
        assert not summary.print_options.gridLines
        margins = summary.page_margins
        assert (margins.left, margins.right, margins.top, margins.bottom) == (0.5, 0.5, 0.6, 0.7)
        assert summary.oddFooter.right.text == "Page &P of &N"
        for name in TABLES:  # the raw sheets print on the same paper, their header atop
            sheet = book[name]
            assert (sheet.page_setup.orientation, int(sheet.page_setup.paperSize)) == (
                "landscape",
                code,
            )
            assert sheet.print_title_rows == "$1:$1"
            assert not sheet.sheet_properties.pageSetUpPr.fitToPage  # (as wide as it is)
    with pytest.raises(ValueError, match="paper is one of a4, letter, not 'a3'"):
        workbook_bytes(rows, PULSE, paper="a3")


def test_hostile_text_is_neutralised_on_the_summary():
    hostile_link = '=HYPERLINK("http://x","y")'
    first = PULSE.strategies[0]
    hostile = PULSE.model_copy(
        update={
            "title": hostile_link,
            "strategies": [first.model_copy(update={"name": "@SUM(A1)"}), *PULSE.strategies[1:]],
        }
    )
    answers = {item.id: 3 for item in hostile.active_items}
    rows = build_response(hostile, "Ana", answers, submitted_at=datetime(2026, 6, 1, tzinfo=UTC))
    rows["respondent"] = hostile_link  # a hand-edited file can hold anything
    summary = open_workbook(workbook_bytes(rows, hostile))["Summary"]
    assert summary["A1"].value == f"'{hostile_link}: summary"
    records = summary_records(open_workbook(workbook_bytes(rows, hostile)))
    assert {record["Respondent"] for record in records} == {f"'{hostile_link}"}
    assert records[0]["Strategy"] == "'@SUM(A1)"
    assert all(cell.data_type != "f" for row in summary.iter_rows() for cell in row)
    # Headers are made safe as every other text (the Summary's own are plain words).
    header = table_workbook(pd.DataFrame({"@SUM(A1)": [1], hostile_link: ["x"]}))["Table"][1]
    assert [cell.value for cell in header] == ["'@SUM(A1)", f"'{hostile_link}"]


def test_many_responses_show_each_strategy_over_all_of_them(
    monkeypatch: pytest.MonkeyPatch, sample_frame
):
    main_rows = main_responses(sample_frame)
    responses = main_rows["response_id"].nunique()
    monkeypatch.setattr(workbook, "SUMMARY_MAX_RESPONSES", responses)  # up to it: listed
    listed = summary_records(open_workbook(workbook_bytes(sample_frame, MAIN)))
    assert len(listed) == responses * (len(MAIN.strategies) + 1)

    monkeypatch.setattr(workbook, "SUMMARY_MAX_RESPONSES", responses - 1)
    book = open_workbook(workbook_bytes(sample_frame, MAIN))
    summary = book["Summary"]
    assert summary["A4"].value.startswith(
        f"{responses} responses, more than the {responses - 1} this sheet lists one by one"
    )
    assert summary.freeze_panes == f"A{SUMMARY_HEADER + 1}"
    records = summary_records(book)
    names = [strategy.name for strategy in MAIN.strategies]
    assert [record["Strategy"] for record in records] == [*names, INDEX_ROW]

    scores = score_responses(main_rows, MAIN)
    groups = [
        *(scores.strategies[scores.strategies["strategy"] == s.id] for s in MAIN.strategies),
        scores.overall,
    ]
    labels = {"Aligned", "High on both, not level", "Intent gap", "Doing without conviction"}
    labels |= {"Drifting", "Not scored"}
    for record, group in zip(records, groups, strict=True):
        assert record["Responses scored"] == group["alignment"].notna().sum()
        for column in ("purpose", "performance", "alignment"):
            assert record[f"Average {column}"] == half_up(group[column].mean()), column
        assert record["Average gap"] == signed_half_up(group["gap"].mean())
        words = [
            quadrant_wording(None if pd.isna(q) else q, gap)[0]
            for q, gap in zip(group["quadrant"], group["gap"], strict=True)
        ]
        counts = {label: record[label] for label in set(record) & labels}
        assert counts == {label: words.count(label) for label in counts}
        assert sum(counts.values()) == responses
    assert list(records[0])[6:8] == ["Aligned", "High on both, not level"]  # quadrant order


# ---------------------------------------------------------------------------------------------
# Values


def test_times_are_utc_date_times_without_a_zone_to_the_millisecond():
    utc = pd.DatetimeIndex(
        [
            "1900-01-01 11:00",
            "1900-02-28 23:59:59",
            "1900-03-01 00:00",
            "1999-12-31 23:59:59.999",
            "2026-07-01 09:15:30.25",
        ],
        tz="UTC",
    )
    berlin = utc.tz_convert("Europe/Berlin")  # the same moments, an hour or two later there
    table = pd.DataFrame({"at": berlin, "text": ["a"] * len(berlin)})
    # Times among other values (a frame made by hand) are written alike.
    table["mixed"] = pd.Series([*berlin[:-1].to_pydatetime(), "text"], dtype=object)
    sheet = table_workbook(table)["Table"]
    want = [moment.to_pydatetime() for moment in utc.tz_localize(None)]
    assert [row[0] for row in sheet.iter_rows(2, values_only=True)] == want
    assert [row[2] for row in sheet.iter_rows(2, values_only=True)] == [*want[:-1], "text"]
    assert {cell.number_format for cell in sheet["A"][1:]} == {"yyyy-mm-dd hh:mm:ss"}
    serials = workbook._excel_serials(pd.DatetimeIndex(berlin))
    assert serials == [workbook._excel_serial(moment) for moment in want]  # to the same bits
    assert serials[2] == 61  # Excel's 1 March 1900 is day 61 (it counts a 29 February)


def test_a_mixed_column_keeps_each_value_its_own_type():
    table = pd.DataFrame(
        {"mixed": pd.Series([1, "1", True, 1.5, None, date(2026, 1, 2), "", "007"], dtype=object)}
    )
    cells = [row[0] for row in table_workbook(table)["Table"].iter_rows(2, None, 1, 1)]
    assert [cell.value for cell in cells] == [
        1,
        "1",
        True,
        1.5,
        None,
        datetime(2026, 1, 2),
        None,
        "007",
    ]
    assert [cell.data_type for cell in cells[:4]] == ["n", "s", "b", "n"]
    assert cells[5].number_format == "yyyy-mm-dd"


def test_long_text_is_cut_to_what_a_cell_holds_and_control_characters_removed():
    table = pd.DataFrame(
        {"text": ["x" * (EXCEL_MAX_TEXT + 100), "x" * EXCEL_MAX_TEXT, "a\x00b\x07c\x1b[31m\td"]}
    )
    cut, whole, cleaned = (row[0] for row in table_workbook(table)["Table"].iter_rows(2))
    assert len(cut.value) == EXCEL_MAX_TEXT and cut.value.endswith("x…")
    assert whole.value == "x" * EXCEL_MAX_TEXT
    assert cleaned.value == "abc[31m\td"  # tab, line feed and carriage return stay


def test_text_is_stored_as_text_whatever_it_looks_like():
    """XlsxWriter reads some texts as something else (a number, a formula, a link, its own
    rich-text markup); the workbook writes every text as the text itself."""
    texts = [
        "007",
        "1e5",
        "{=SUM(A1:A9)}",
        "http://example.org",
        "mailto:a@example.org",
        "<r><t>rich</t></r>",
        '<r></r></is><f>HYPERLINK("http://x","y")</f><is><r></r>',
        "  padded  ",
        "&amp; <b>",
        "line\r\nbreak",
    ]
    data = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        book = workbook._new_workbook(data, folder)
        table = pd.DataFrame({"text": texts, "escapes": ["_x0041_ or _x005F_x0041_"] * 10})
        sheet = workbook._add_sheet(book, "Table", workbook.PAPER_SIZES["a4"])
        workbook._write_table(sheet, workbook._Styles.of(book), table)
        book.close()
    rows = list(open_workbook(data.getvalue())["Table"].iter_rows(2))
    assert {row[0].data_type for row in rows} == {"s"}
    # (XML reads a carriage return back as a line feed.)
    assert [row[0].value for row in rows] == [t.replace("\r\n", "\n") for t in texts]
    with zipfile.ZipFile(data) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert "<f>" not in xml and "<r><t>rich" not in xml
    assert "&lt;r&gt;&lt;t&gt;rich" in xml
    # Excel reads `_xHHHH_` as an escaped character, so a literal one is escaped in turn and
    # shows as typed (openpyxl does not undo the escape exactly, so the XML is checked).
    assert "_x005F_x0041_ or _x005F_x005F_x0041_" in xml


def test_shared_texts_are_counted_at_each_use(sample_frame):
    data = workbook_bytes(sample_frame, MAIN)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shared = archive.read("xl/sharedStrings.xml").decode("utf-8")
        sheets = [archive.read(f"xl/worksheets/sheet{n}.xml").decode("utf-8") for n in range(1, 6)]
    assert shared.count(f"<t>{FIRST_SAMPLE}</t>") == 1  # one text, however many rows have it
    uses = sum(xml.count(' t="s"') for xml in sheets)
    unique = shared.count("<si>")
    assert f'count="{uses}" uniqueCount="{unique}"' in shared


# ---------------------------------------------------------------------------------------------
# Writing


def test_rows_are_written_in_order_only():
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        book = workbook._new_workbook(buffer, folder)
        sheet = book.add_worksheet("Rows", worksheet_class=workbook._Sheet)
        sheet.write_rows(0, 2, 1, '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"/>')
        with pytest.raises(ValueError, match="rows go in order"):
            sheet.write_rows(1, 1, 1, "")
        with pytest.raises(ValueError, match="do not fit"):
            sheet.write_rows(2, EXCEL_MAX_ROWS, 1, "")
        book.close()
    assert open_workbook(buffer.getvalue())["Rows"]["A1"].value == 1


def test_a_large_table_is_written_a_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(workbook, "_CHUNK_ROWS", 7)
    table = pd.DataFrame(
        {"n": range(50), "text": [f"t{n % 3}" if n % 4 else "" for n in range(50)]}
    )
    sheet = table_workbook(table)["Table"]
    assert [row for row in sheet.iter_rows(2, values_only=True)] == [
        (n, f"t{n % 3}" if n % 4 else None) for n in range(50)
    ]


def test_no_temporary_file_is_left_behind_even_when_building_fails(
    monkeypatch: pytest.MonkeyPatch, sample_frame, tmp_path: Path
):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    workbook_bytes(sample_frame, MAIN)
    assert list(scratch.iterdir()) == []

    def broken(*args, **kwargs):
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(workbook, "score_responses", broken)
    with pytest.raises(RuntimeError, match="scoring failed"):
        workbook_bytes(sample_frame, MAIN)  # after the Responses and Wide sheets were written
    assert list(scratch.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Excel's limits and the wait


def answers_only(count: int) -> pd.DataFrame:
    """`count` answer rows of MAIN, without the rest of their columns."""
    ids = pd.Categorical.from_codes(np.zeros(count, dtype=np.int8), [MAIN.id])
    return pd.DataFrame({"questionnaire_id": ids})


def test_a_workbook_longer_than_excel_allows_is_refused_before_any_work():
    fits = answers_only(EXCEL_MAX_ROWS - 1)  # and the header makes the sheet full
    assert workbook_problem(fits, MAIN) is None
    too_long = answers_only(EXCEL_MAX_ROWS)
    problem = workbook_problem(too_long, MAIN)
    assert problem is not None
    assert f"answers ({EXCEL_MAX_ROWS:,}) are more rows than one Excel sheet holds" in problem
    with pytest.raises(ValueError, match="long and wide CSV"):
        workbook_bytes(too_long, MAIN)  # (the frame has no other column: nothing else ran)


def test_a_large_workbook_says_how_long_it_takes_before_the_press():
    assert WORKBOOK_ANSWERS_PER_SECOND == 30_000  # what bench/workbook.py measured
    assert workbook_wait(answers_only(SLOW_WORKBOOK_ANSWERS - 1), MAIN) is None
    assert workbook_wait(answers_only(SLOW_WORKBOOK_ANSWERS), MAIN) == (
        "200,000 answers: the workbook takes about 5 seconds to build. "
        "The CSV files are ready in seconds."
    )
    assert "1,000,000 answers: the workbook takes about 35 seconds" in str(
        workbook_wait(answers_only(1_000_000), MAIN)
    )


def test_the_wait_is_said_in_minutes_once_it_is_a_minute(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(workbook, "WORKBOOK_ANSWERS_PER_SECOND", 10_000)
    said = {n: str(workbook_wait(answers_only(n), MAIN)) for n in (200_000, 575_000, 1_000_000)}
    assert "about 20 seconds" in said[200_000]
    assert "about 1 minute to build" in said[575_000]
    assert "about 2 minutes to build" in said[1_000_000]


def test_times_a_day_apart_are_a_day_apart_in_excel():
    one = workbook._excel_serial(datetime(2026, 1, 1, 12))
    assert workbook._excel_serial(datetime(2026, 1, 1, 12) + timedelta(days=1)) == one + 1
    assert workbook._excel_serial(date(2026, 1, 1)) == one - 0.5
