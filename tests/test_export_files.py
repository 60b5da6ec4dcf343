"""Data downloads: responses CSV (long and wide), the Excel workbook and the calendar reminder."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar

from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.export import (
    EXCEL_MAX_ROWS,
    FORMULA_PREFIXES,
    ICS_PRODID,
    SLOW_WORKBOOK_ANSWERS,
    csv_bytes,
    neutralise_formula,
    next_check_in,
    reminder_ics,
    responses_csv,
    wide_csv,
    wide_responses,
    workbook_bytes,
    workbook_problem,
    workbook_wait,
)
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.response import build_response
from alignment.scoring import META_COLUMNS, score_responses, scores_table
from alignment.store import RESPONSE_COLUMNS, append_rows, load_responses

PULSE = load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")
MAIN = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
FIRST_SAMPLE = "de1bfa7c-2357-4c32-a7ba-b551775b1637"
SHEETS = ["Responses", "Wide", "Scores", "About"]


def respond(
    questionnaire: Questionnaire,
    alias: str,
    when: datetime,
    *,
    reflection: str = "",
    value_of=lambda n: 1 + n % 5,
) -> pd.DataFrame:
    """A whole response; item n (questionnaire order) is answered `value_of(n)`."""
    answers = {item.id: value_of(n) for n, item in enumerate(questionnaire.active_items)}
    texts = {questionnaire.reflections[0].id: reflection} if reflection else None
    return build_response(questionnaire, alias, answers, texts, submitted_at=when)


def stored(path: Path, *responses: pd.DataFrame) -> pd.DataFrame:
    """Save through the real store and read back, as the app does before exporting."""
    for rows in responses:
        append_rows(path, rows)
    loaded = load_responses(path)
    assert loaded.problems == []
    return loaded.frame


def read_csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def open_workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_records(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture(scope="module")
def sample_frame() -> pd.DataFrame:
    return load_responses(SAMPLE_RESPONSES).frame


@pytest.fixture(scope="module")
def sample_workbook(sample_frame) -> openpyxl.Workbook:
    now = datetime(2026, 5, 4, 12, 30, 15, 999, tzinfo=UTC)
    return open_workbook(workbook_bytes(sample_frame, MAIN, now=now))


# ---------------------------------------------------------------------------------------------
# Long responses CSV


def test_responses_csv_round_trip_keeps_values_and_neutralises_text(tmp_path: Path):
    first = respond(
        PULSE, "Ana", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), reflection='=HYPERLINK("x")'
    )
    second = respond(
        PULSE,
        "Ben",
        datetime(2026, 1, 6, 17, 45, 5, tzinfo=UTC),
        reflection='multi\nline, with "quotes"; and commas',
    )
    frame = stored(tmp_path / "responses.csv", first, second)

    rows = read_csv_rows(responses_csv(frame))

    assert rows[0] == RESPONSE_COLUMNS
    records = [dict(zip(RESPONSE_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert len(records) == 2 * 21  # 20 items and one reflection each
    by_response = {r["response_id"]: r for r in records if r["item_id"] == "reflect-pulse"}
    ana = by_response[first["response_id"].iloc[0]]
    ben = by_response[second["response_id"].iloc[0]]
    assert ana["text"] == '\'=HYPERLINK("x")'
    assert ben["text"] == 'multi\nline, with "quotes"; and commas'
    assert ana["value"] == ""  # reflections have no value
    assert ana["submitted_at"] == "2026-01-05T09:30:00Z"
    assert ben["submitted_at"] == "2026-01-06T17:45:05Z"
    # Item n was answered 1 + n % 5, written as a whole number.
    ana_values = [r["value"] for r in records if r["respondent"] == "Ana"][:20]
    assert ana_values == [str(1 + n % 5) for n in range(20)]
    assert {r["questionnaire_version"] for r in records} == {"1"}
    assert {r["session"] for r in records} == {""}


def test_responses_csv_of_the_sample_is_byte_for_byte_the_sample_file(sample_frame):
    # Nothing in the sample needs neutralising, so the export is exactly what the store wrote.
    assert responses_csv(sample_frame) == SAMPLE_RESPONSES.read_bytes()


def test_responses_csv_reads_back_with_the_store(tmp_path: Path, sample_frame):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(responses_csv(sample_frame))
    again = load_responses(copy)
    assert again.problems == []
    pd.testing.assert_frame_equal(again.frame, sample_frame)


def test_times_are_written_in_utc_with_z_keeping_microseconds(tmp_path: Path):
    frame = stored(tmp_path / "responses.csv", respond(PULSE, "Ana", datetime(2026, 7, 1)))
    berlin = pd.Timestamp("2026-07-01 11:15:30.250000", tz="Europe/Berlin")  # UTC+2 in July
    frame["submitted_at"] = berlin
    times = {row[1] for row in read_csv_rows(responses_csv(frame))[1:]}
    assert times == {"2026-07-01T09:15:30.250000Z"}
    assert read_csv_rows(wide_csv(frame, PULSE))[1][1] == "2026-07-01T09:15:30.250000Z"


# ---------------------------------------------------------------------------------------------
# Formula neutralisation in every file


# Signs that spreadsheets read as = + - @ once normalised, or find after blanks they skip.
LOOKALIKE_PREFIXES = (
    "\uff1d",  # full-width =
    "\ufe66",  # small =
    "\uff0b",  # full-width +
    "\ufe62",  # small +
    "\uff0d",  # full-width -
    "\ufe63",  # small -
    "\uff20",  # full-width @
    "\u207c",  # superscript =
    " =",
    "   +",
    "\u00a0=",  # no-break space
    "\u3000\uff1d",  # ideographic space, full-width =
    "\u200b=",  # zero-width space
    "\ufeff@",  # byte order mark
    "\n-",
)


def test_neutralise_formula_sees_through_lookalikes_and_leading_blanks():
    for prefix in (*FORMULA_PREFIXES, *LOOKALIKE_PREFIXES, "\x01=", "\x1b\x07="):
        assert neutralise_formula(f"{prefix}1+1") == f"'{prefix}1+1", repr(prefix)
    for harmless in ("1+1", "a=b", "", "   ", "\uff28ello", "\u2212 2", "'=1", "x\n=1", "¨x"):
        assert neutralise_formula(harmless) == harmless, repr(harmless)


@pytest.mark.parametrize("prefix", [*FORMULA_PREFIXES, *LOOKALIKE_PREFIXES], ids=repr)
def test_every_formula_prefix_is_neutralised_in_csv_and_xlsx(tmp_path: Path, prefix: str):
    frame = stored(
        tmp_path / "responses.csv",
        respond(PULSE, "Ana", datetime(2026, 2, 1, 8, 0, tzinfo=UTC), reflection="ok"),
    )
    # A hand-edited file can hold anything; the store and build_response would refuse these.
    dangerous_alias = f"{prefix}cmd|' /C calc'!A0"
    dangerous_text = f"{prefix}2+3"
    frame["respondent"] = dangerous_alias
    frame.loc[frame["item_id"] == "reflect-pulse", "text"] = dangerous_text
    safe_alias, safe_text = "'" + dangerous_alias, "'" + dangerous_text

    long_rows = read_csv_rows(responses_csv(frame))[1:]
    assert {row[2] for row in long_rows} == {safe_alias}
    assert [row[8] for row in long_rows if row[6] == "reflect-pulse"] == [safe_text]

    header, wide_row = read_csv_rows(wide_csv(frame, PULSE))
    assert wide_row[header.index("respondent")] == safe_alias
    assert wide_row[header.index("reflect-pulse")] == safe_text

    book = open_workbook(workbook_bytes(frame, PULSE))
    # XML reads a carriage return back as a line feed; what matters is the apostrophe in front.
    in_xml = str.maketrans({"\r": "\n"})
    cells = {
        "Responses respondent": [
            r["respondent"] for r in sheet_records(book["Responses"]) if r["respondent"]
        ],
        "Responses text": [r["text"] for r in sheet_records(book["Responses"]) if r["text"]],
        "Wide respondent": [r["respondent"] for r in sheet_records(book["Wide"])],
        "Wide reflection": [r["reflect-pulse"] for r in sheet_records(book["Wide"])],
        "Scores respondent": [r["respondent"] for r in sheet_records(book["Scores"])],
    }
    assert set(cells["Responses respondent"]) == {safe_alias.translate(in_xml)}
    assert cells["Responses text"] == [safe_text.translate(in_xml)]
    assert cells["Wide respondent"] == [safe_alias.translate(in_xml)]
    assert cells["Wide reflection"] == [safe_text.translate(in_xml)]
    assert set(cells["Scores respondent"]) == {safe_alias.translate(in_xml)}
    # Text cells, never formulas (openpyxl itself would store "=…" as a formula).
    columns = book["Responses"].iter_cols(min_col=3, max_col=3, min_row=2)
    types = {cell.data_type for column in columns for cell in column}
    assert types == {"s"}


def test_a_carriage_return_inside_text_never_starts_a_new_row(tmp_path: Path):
    frame = stored(
        tmp_path / "responses.csv",
        respond(PULSE, "Ana", datetime(2026, 2, 1, tzinfo=UTC), reflection="ok"),
    )
    # Unquoted, the part after the carriage return would open a row with a formula in its cell.
    # (No comma or quote in it: those alone would get the field quoted.)
    sneaky = "fine\r=1+2|cmd"
    frame.loc[frame["item_id"] == "reflect-pulse", "text"] = sneaky

    for data in (responses_csv(frame), wide_csv(frame, PULSE), csv_bytes(frame)):
        rows = read_csv_rows(data)
        assert {len(row) for row in rows} == {len(rows[0])}
        assert sum(sneaky in row for row in rows) == 1
    assert len(read_csv_rows(responses_csv(frame))) == 1 + 21


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
    assert {r[7] for r in read_csv_rows(responses_csv(frame))[1:] if r[7]} == {"-2"}
    book = open_workbook(workbook_bytes(frame, centred))
    values = [row[7] for row in book["Responses"].iter_rows(min_row=2) if row[7].value is not None]
    assert len(values) == 20
    assert {(cell.value, cell.data_type) for cell in values} == {(-2, "n")}


# ---------------------------------------------------------------------------------------------
# Wide table


def test_wide_has_one_row_per_response_and_one_column_per_item(tmp_path: Path):
    later = respond(PULSE, "Ana", datetime(2026, 4, 2, 10, 0, tzinfo=UTC), reflection="Next")
    earlier = respond(
        PULSE, "Ben", datetime(2026, 4, 1, 10, 0, tzinfo=UTC), value_of=lambda n: 5 - n % 5
    )
    other = respond(MAIN, "Ana", datetime(2026, 4, 3, tzinfo=UTC))
    frame = stored(tmp_path / "responses.csv", later, earlier, other)
    ghost = frame.iloc[[0]].assign(item_id="ghost-item", value=3.0)  # not in the questionnaire
    frame = pd.concat([frame, ghost], ignore_index=True)

    wide = wide_responses(frame, PULSE)

    item_ids = [item.id for item in PULSE.items]
    assert wide.shape == (2, 6 + 20 + 1)
    assert list(wide.columns) == [*META_COLUMNS, *item_ids, "reflect-pulse"]
    assert wide["respondent"].tolist() == ["Ben", "Ana"]  # by submission time
    assert other["response_id"].iloc[0] not in set(wide["response_id"])
    ana = wide.set_index("respondent").loc["Ana"]
    ben = wide.set_index("respondent").loc["Ben"]
    # why-pulse-q (item 1) is reversed: the wide table holds the raw answer, not 100 - score.
    assert PULSE.item_by_id["why-pulse-q"].reverse
    assert item_ids[1] == "why-pulse-q"
    assert ana["why-pulse-q"] == 2
    assert ben["why-pulse-q"] == 4
    assert ana[item_ids[4]] == 5
    assert ben[item_ids[4]] == 1
    assert ana["reflect-pulse"] == "Next"
    assert ben["reflect-pulse"] == ""

    header, *rows = read_csv_rows(wide_csv(frame, PULSE))
    assert header == list(wide.columns)
    assert [row[2] for row in rows] == ["Ben", "Ana"]
    assert rows[1][header.index("why-pulse-q")] == "2"
    assert rows[0][1] == "2026-04-01T10:00:00Z"


def test_wide_keeps_retired_items_and_leaves_unanswered_empty(tmp_path: Path):
    retired_id = "why-pulse-q"
    retiring = PULSE.model_copy(
        update={
            "items": [i.model_copy(update={"retired": i.id == retired_id}) for i in PULSE.items]
        }
    )
    old = respond(PULSE, "Ana", datetime(2026, 1, 1, tzinfo=UTC))
    new = respond(retiring, "Ana", datetime(2026, 4, 1, tzinfo=UTC))
    frame = stored(tmp_path / "responses.csv", old, new)

    wide = wide_responses(frame, retiring)

    assert retired_id in wide.columns
    assert wide[retired_id].iloc[0] == 2
    assert pd.isna(wide[retired_id].iloc[1])
    header, first, second = read_csv_rows(wide_csv(frame, retiring))
    assert first[header.index(retired_id)] == "2"
    assert second[header.index(retired_id)] == ""


# ---------------------------------------------------------------------------------------------
# Excel workbook


def test_workbook_has_the_four_sheets_with_frozen_bold_headers(sample_workbook, sample_frame):
    assert sample_workbook.sheetnames == SHEETS
    for name in SHEETS[:3]:
        sheet = sample_workbook[name]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
    main_rows = sample_frame[sample_frame["questionnaire_id"] == MAIN.id]
    assert sample_workbook["Responses"].max_row == len(main_rows) + 1
    assert [c.value for c in sample_workbook["Responses"][1]] == RESPONSE_COLUMNS
    assert sample_workbook["Wide"].max_row == main_rows["response_id"].nunique() + 1


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
    assert workbook_wait(answers_only(SLOW_WORKBOOK_ANSWERS - 1), MAIN) is None
    assert workbook_wait(answers_only(SLOW_WORKBOOK_ANSWERS), MAIN) == (
        "200,000 answers: the workbook takes about 1 minute to build. "
        "The CSV files are ready in seconds."
    )
    assert "1,000,000 answers: the workbook takes about 3 minutes" in str(
        workbook_wait(answers_only(1_000_000), MAIN)
    )


def test_workbook_accepts_rows_straight_from_build_response():
    rows = respond(PULSE, "Ana", datetime(2026, 6, 1, 7, 15, tzinfo=UTC), reflection="Fine")
    book = open_workbook(workbook_bytes(rows, PULSE))
    wide = sheet_records(book["Wide"])
    assert [r["submitted_at"] for r in wide] == [datetime(2026, 6, 1, 7, 15)]
    assert wide[0]["reflect-pulse"] == "Fine"
    assert len(sheet_records(book["Scores"])) == len(PULSE.strategies) + 1


# ---------------------------------------------------------------------------------------------
# Calendar reminder


def parse_event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_reminder_is_one_all_day_event_with_the_app_link():
    url = "https://align.example.org/?page=check-in&q=purpose-performance"
    now = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    calendar, event = parse_event(
        reminder_ics(
            date(2026, 4, 15),
            respondent="Ana",
            app_url=url,
            questionnaire_title=MAIN.title,
            now=now,
        )
    )
    assert str(calendar["PRODID"]) == ICS_PRODID
    assert str(calendar["VERSION"]) == "2.0"
    start = event["DTSTART"].dt
    assert type(start) is date
    assert start == date(2026, 4, 15)
    assert event["DTEND"].dt == date(2026, 4, 16)
    assert event["DTSTAMP"].dt == now
    assert str(event["URL"]) == url
    assert "check-in" in str(event["SUMMARY"])
    assert url in str(event["DESCRIPTION"])
    assert MAIN.title in str(event["DESCRIPTION"])
    assert str(event["UID"]).endswith("@purpose-performance")
    alarms = event.walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0]["TRIGGER"].dt == timedelta(hours=9)  # 09:00 on the day


def test_alias_with_separators_survives_escaping_and_stays_in_the_description():
    alias = "Doe, Jane; team\nlead \\ ops"
    data = reminder_ics(
        date(2026, 4, 15),
        respondent=alias,
        app_url="https://align.example.org/",
        questionnaire_title="Pulse",
    )
    _, event = parse_event(data)
    assert alias in str(event["DESCRIPTION"])
    for field in ("SUMMARY", "UID", "URL"):
        assert "Jane" not in str(event[field])
    assert b"Doe\\, Jane\\; team\\nlead" in data.replace(b"\r\n ", b"")


def test_reminders_get_distinct_uids():
    make = lambda: reminder_ics(  # noqa: E731
        date(2026, 4, 15), respondent="Ana", app_url="https://a.example/", questionnaire_title="Q"
    )
    assert str(parse_event(make())[1]["UID"]) != str(parse_event(make())[1]["UID"])


def test_next_check_in_is_a_quarter_later_by_default():
    assert next_check_in(date(2026, 1, 15)) == date(2026, 4, 15)
    assert next_check_in(date(2025, 12, 1), days=30) == date(2025, 12, 31)
    assert next_check_in(datetime(2026, 1, 15, 23, 59, tzinfo=UTC)) == date(2026, 4, 15)
    with pytest.raises(ValueError, match="at least 1"):
        next_check_in(date(2026, 1, 15), days=0)
