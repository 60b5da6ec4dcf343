"""Data downloads: responses CSV (long and wide) and the calendar reminder.

The Excel workbook has its own tests (tests/test_workbook.py); formula neutralisation is checked
here in every file, the workbook included.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.export import (
    FORMULA_PREFIXES,
    csv_bytes,
    neutralise_formula,
    responses_csv,
    wide_csv,
    wide_responses,
)
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.response import build_response
from alignment.scoring import META_COLUMNS
from alignment.store import RESPONSE_COLUMNS, append_rows, load_responses
from alignment.workbook import workbook_bytes

PULSE = load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")
MAIN = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")


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
# Calendar reminder
