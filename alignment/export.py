"""Files people take away. Pure functions: data in, bytes out."""

from __future__ import annotations

import io
import itertools
import math
import numbers
import re
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from icalendar import Alarm, Calendar, Event
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from alignment.csv_writer import frame_csv
from alignment.questionnaire import Questionnaire
from alignment.scoring import META_COLUMNS, Scores, score_responses, scores_table
from alignment.store import RESPONSE_COLUMNS

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_SIGNS = frozenset("=+-@")
# White space and invisible characters a spreadsheet may pass over before a formula's sign.
_SKIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def neutralise_formula(text: str) -> str:
    """Prefix a would-be formula with an apostrophe so spreadsheets show it as text.

    The one check for every exported cell and header. The first visible character is compared
    after NFKC normalisation, because spreadsheets read the full-width and small forms of the
    signs (U+FF1D, U+FE66, U+FF0B, U+FF0D, U+FF20 …) as the signs themselves, and after leading
    white space and control characters, which some of them skip.
    """
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    for character in text:
        for normal in unicodedata.normalize("NFKC", character):
            if not (normal.isspace() or unicodedata.category(normal) in _SKIPPED_CATEGORIES):
                return "'" + text if normal in _FORMULA_SIGNS else text
    return text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell and header is safe to open in a spreadsheet; numbers are
    untouched."""
    return _neutralised(frame)[0]


def _neutralised(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """`neutralise_formulas`, and whether any text or header holds a carriage return.

    Each distinct text of a column is checked once: an export is millions of cells but only
    thousands of distinct texts (and a categorical column lists them already).
    """
    safe = frame.copy(deep=False)
    has_return = False
    for position in range(safe.shape[1]):
        series = safe.iloc[:, position]
        categorical = isinstance(series.dtype, pd.CategoricalDtype)
        if categorical:
            distinct = series.cat.categories
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            distinct = pd.unique(series)
        else:
            continue
        texts = [value for value in distinct if isinstance(value, str)]
        has_return = has_return or any("\r" in text for text in texts)
        changes = {text: neutral for text in texts if (neutral := neutralise_formula(text)) != text}
        if changes:
            if categorical:  # a file holds the text either way
                series = series.astype("str").where(series.notna())
            safe.isetitem(position, series.replace(changes))
    safe.columns = [
        neutralise_formula(column) if isinstance(column, str) else column for column in safe.columns
    ]
    return safe, has_return or any("\r" in str(column) for column in safe.columns)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for people: formulas neutralised, numbers to 2 decimals, UTF-8."""
    return _safe_csv(frame, float_format="%.2f")


def _safe_csv(frame: pd.DataFrame, float_format: str | None = None) -> bytes:
    """Neutralised CSV whose every line break inside a text stays inside its quoted field.

    Python 3.11's csv writer quotes a field only for the characters of the line terminator, so
    with "\n" a lone carriage return goes out unquoted and spreadsheets start a new row there;
    the text after it would then begin a cell (and could run as a formula). Such text (only a
    hand-edited file has it) switches the file to CRLF line ends, which quotes it.
    """
    safe, has_return = _neutralised(frame)
    return frame_csv(safe, float_format=float_format, ending="\r\n" if has_return else "\n")


def scores_csv(scores: Scores) -> bytes:
    """The scores CSV of DESIGN.md."""
    table = scores_table(scores).copy()
    table["submitted_at"] = _iso_column(table["submitted_at"])
    return csv_bytes(table)


def _iso(value: object) -> object:
    """ISO 8601 in UTC with a `Z`, as the responses and scores contracts write times."""
    if isinstance(value, datetime) and not pd.isna(value):
        return _utc(value).isoformat().replace("+00:00", "Z")
    return value


def _iso_column(series: pd.Series) -> pd.Series:
    """`_iso` for a whole column at once; text (rows straight from `build_response`) stays."""
    if not pd.api.types.is_datetime64_any_dtype(series):
        return series.map(_iso)
    utc = series.dt.tz_localize("UTC") if series.dt.tz is None else series.dt.tz_convert("UTC")
    text = utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.removesuffix(".000000")
    return text + "Z"


def _utc(value: datetime) -> pd.Timestamp:
    """The moment in UTC; a time without a zone is taken to be UTC already (as stored)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _with_times(frame: pd.DataFrame) -> pd.DataFrame:
    """`submitted_at` as UTC times even when the rows come straight from `build_response` (text)."""
    if pd.api.types.is_datetime64_any_dtype(frame["submitted_at"]):
        return frame
    times = pd.to_datetime(frame["submitted_at"], utc=True, format="ISO8601", errors="coerce")
    return frame.assign(submitted_at=times)


def _whole_numbers(series: pd.Series) -> pd.Series:
    """Nullable integers when every value is whole (scale answers are), so files say 4, not 4.0.

    A value with a fraction (possible in a hand-made file) keeps the column as floats rather than
    being rounded away.
    """
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    known = values.dropna()
    if (known == known.round()).all():
        return values.astype("Int64")
    return values


# ---------------------------------------------------------------------------------------------
# Responses: long and wide


def responses_csv(frame: pd.DataFrame) -> bytes:
    """The long responses table in the DESIGN.md contract, safe to open in a spreadsheet.

    Same columns and order as the store writes, so the file reads back with `load_responses`;
    only text that would run as a formula differs (it gains a leading apostrophe).
    """
    table = frame.reindex(columns=RESPONSE_COLUMNS).copy()
    table["submitted_at"] = _iso_column(table["submitted_at"])
    table["questionnaire_version"] = _whole_numbers(table["questionnaire_version"])
    table["value"] = _whole_numbers(table["value"])
    return _safe_csv(table)  # no rounding: raw answers stay as given


def wide_responses(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """One row per response to `questionnaire`: meta, raw answers by item id, reflections.

    The shape most people want for their own analysis in a spreadsheet. Values are the raw
    answers (reversed items are not flipped; scoring does that). Answers to ids the questionnaire
    does not define are left out here; the scoring report counts them. Retired items keep their
    column so older responses lose nothing. Text is returned as given; the file writers
    neutralise it.
    """
    rows = _with_times(frame.loc[frame["questionnaire_id"] == questionnaire.id])
    item_ids = [item.id for item in questionnaire.items]
    reflection_ids = [reflection.id for reflection in questionnaire.reflections]
    meta = (
        rows.groupby("response_id", sort=False)[META_COLUMNS[1:]]
        .first()
        .reset_index()
        .sort_values(["submitted_at", "response_id"], kind="stable")
        .reset_index(drop=True)
    )
    meta["questionnaire_version"] = _whole_numbers(meta["questionnaire_version"])
    latest = rows.drop_duplicates(["response_id", "item_id"], keep="last")

    def spread(ids: list[str], column: str) -> pd.DataFrame:
        chosen = latest.loc[latest["item_id"].isin(ids), ["response_id", "item_id", column]]
        table = chosen.pivot(index="response_id", columns="item_id", values=column)
        return table.reindex(index=meta["response_id"], columns=ids).reset_index(drop=True)

    answers = spread(item_ids, "value")
    for item_id in item_ids:
        answers[item_id] = _whole_numbers(answers[item_id])
    texts = spread(reflection_ids, "text")
    for reflection_id in reflection_ids:
        texts[reflection_id] = texts[reflection_id].astype(object).fillna("").astype("str")
    wide = pd.concat([meta, answers, texts], axis=1)
    wide.columns.name = None
    return wide


def wide_csv(frame: pd.DataFrame, questionnaire: Questionnaire) -> bytes:
    """`wide_responses` as CSV: times in UTC with `Z`, raw answers as whole numbers."""
    table = wide_responses(frame, questionnaire)
    table["submitted_at"] = _iso_column(table["submitted_at"])
    return _safe_csv(table)  # no rounding: raw answers stay as given


# ---------------------------------------------------------------------------------------------
# Excel workbook

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="E8EEF4")
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_SCORE_FORMAT = "0.00"
_TIMES_NOTE = (
    "All times are UTC. Excel cannot store a time zone, so they are written as date-times "
    "without one; add your offset to see local time."
)
_TEXT_NOTE = (
    "Text that starts with = + - @ (also in their full-width forms, or after spaces), a tab or "
    "a carriage return has an apostrophe put in front so that a spreadsheet shows it instead of "
    "running it as a formula."
)


def _cell_value(value: object, digits: int | None = None) -> object:
    """A value openpyxl can store: numbers stay numbers, text is made safe, times lose the zone."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return None
        return round(number, digits) if digits is not None else number
    if isinstance(value, datetime):
        return _utc(value).tz_localize(None).to_pydatetime()
    if isinstance(value, date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text:
        return None
    if len(text) > EXCEL_MAX_TEXT:
        text = text[: EXCEL_MAX_TEXT - 1] + "…"
    return neutralise_formula(text)


def _width(values: list[object]) -> float:
    """A column width that fits most values without letting one long reflection take over."""
    longest = 0
    for value in values:
        if isinstance(value, datetime):
            length = 19
        elif isinstance(value, float):
            length = len(f"{value:.2f}")
        else:
            length = max((len(line) for line in str(value).splitlines()), default=0)
        longest = max(longest, length)
    return float(min(max(longest + 2, 8), 60))


def _write_table(
    workbook: Workbook,
    title: str,
    table: pd.DataFrame,
    digits: int | None = None,
) -> None:
    """One sheet: bold, frozen, filterable header; real numbers and date-times below it.

    Rows are converted as they are written, so a long table never exists twice as Python values.
    """
    sheet = workbook.create_sheet(title)
    columns = [str(c) for c in table.columns]

    def rows(frame: pd.DataFrame) -> Iterator[list[object]]:
        for record in frame.itertuples(index=False, name=None):
            yield [_cell_value(v, digits) for v in record]

    first = list(rows(table.head(500)))
    for index, name in enumerate(columns):
        sample = [name] + [row[index] for row in first if row[index] is not None]
        sheet.column_dimensions[get_column_letter(index + 1)].width = _width(sample)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(table) + 1}"
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=_cell_value(name))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for row in itertools.chain(first, rows(table.iloc[len(first) :])):
        sheet.append([_styled(sheet, value, digits) for value in row])


def _styled(sheet: object, value: object, digits: int | None) -> object:
    """Date-times get a readable format; rounded scores always show two decimals."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _TIME_FORMAT
        return cell
    if digits is not None and isinstance(value, float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _SCORE_FORMAT
        return cell
    return value


def _write_about(
    workbook: Workbook,
    questionnaire: Questionnaire,
    facts: list[tuple[str, object]],
) -> None:
    """What the file holds and how to read it, plus the questions behind the Wide sheet's ids."""
    sheet = workbook.create_sheet("About")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 90
    for letter, width in zip("CDE", (14, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width

    def bold(value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=_cell_value(value))
        cell.font = _HEADER_FONT
        return cell

    title = WriteOnlyCell(sheet, value="Purpose–Performance Alignment: data export")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([])
    for label, value in facts:
        cell = _styled(sheet, _cell_value(value), None)
        if isinstance(cell, str) and len(cell) > 80:
            cell = WriteOnlyCell(sheet, value=cell)
            cell.alignment = _WRAPPED
        label_cell = bold(label)
        label_cell.alignment = _WRAPPED
        sheet.append([label_cell, cell])
    sheet.append([])
    sheet.append([bold("Questions")])
    sheet.append([bold(h) for h in ("id", "question", "strategy", "dimension", "reversed")])
    strategies = questionnaire.strategy_by_id
    for item in questionnaire.items:
        strategy = strategies.get(item.strategy)
        sheet.append(
            [
                _cell_value(item.id),
                _cell_value(item.text + (" (retired)" if item.retired else "")),
                _cell_value(strategy.name if strategy else item.strategy),
                _cell_value(item.dimension),
                "yes" if item.reverse else "no",
            ]
        )
    for reflection in questionnaire.reflections:
        sheet.append([_cell_value(reflection.id), _cell_value(reflection.text), "reflection"])


def _answer_rows(frame: pd.DataFrame, questionnaire: Questionnaire) -> int:
    """Rows of the Responses sheet below its header (the longest sheet: one row per answer)."""
    return int((frame["questionnaire_id"] == questionnaire.id).sum())


def workbook_problem(frame: pd.DataFrame, questionnaire: Questionnaire) -> str | None:
    """Why these responses cannot go into one workbook (None when they can), said up front:
    Excel stops at a fixed row count."""
    answers = _answer_rows(frame, questionnaire)
    if answers + 1 <= EXCEL_MAX_ROWS:
        return None
    return (
        f"The {questionnaire.title} answers ({answers:,}) are more rows than one Excel sheet "
        f"holds ({EXCEL_MAX_ROWS - 1:,} below its header). Download the long and wide CSV "
        "files instead."
    )


# A workbook is written at about 6,500 answers a second (openpyxl goes cell by cell; measured on
# the 2-core machine of bench/), so above this many answers the wait is said before the press.
WORKBOOK_ANSWERS_PER_SECOND = 6_500
SLOW_WORKBOOK_ANSWERS = 200_000


def workbook_wait(frame: pd.DataFrame, questionnaire: Questionnaire) -> str | None:
    """A word on the wait when the workbook is large (None when it is quick)."""
    answers = _answer_rows(frame, questionnaire)
    if answers < SLOW_WORKBOOK_ANSWERS:
        return None
    minutes = max(1, round(answers / WORKBOOK_ANSWERS_PER_SECOND / 60))
    return (
        f"{answers:,} answers: the workbook takes about {minutes} minute"
        f"{'' if minutes == 1 else 's'} to build. The CSV files are ready in seconds."
    )


def workbook_bytes(
    frame: pd.DataFrame, questionnaire: Questionnaire, *, now: datetime | None = None
) -> bytes:
    """An Excel workbook of the responses to `questionnaire`: Responses, Wide, Scores, About.

    For people who live in spreadsheets: real numbers and date-times (UTC, written without a
    zone because Excel has none), formulas neutralised, a frozen bold header on every table.
    Responses to other questionnaires are left out (and counted on the About sheet) so that the
    four sheets describe the same responses.
    """
    problem = workbook_problem(frame, questionnaire)
    if problem:
        raise ValueError(problem)
    same = _with_times(frame.loc[frame["questionnaire_id"] == questionnaire.id])
    other_responses = int(
        frame.loc[frame["questionnaire_id"] != questionnaire.id, "response_id"].nunique()
    )
    long = same.reindex(columns=RESPONSE_COLUMNS).copy()
    long["questionnaire_version"] = _whole_numbers(long["questionnaire_version"])
    long["value"] = _whole_numbers(long["value"])
    wide = wide_responses(same, questionnaire)
    scores = score_responses(same, questionnaire)
    table = scores_table(scores)

    exported = _utc(now or datetime.now(UTC)).floor("s")
    facts: list[tuple[str, object]] = [
        ("Questionnaire", questionnaire.title),
        ("Questionnaire id", questionnaire.id),
        ("Questionnaire version", questionnaire.version),
        ("Exported (UTC)", exported.to_pydatetime()),
        ("Responses", len(wide)),
        ("Rows on Responses (one per answer)", len(long)),
        ("Rows on Scores", len(table)),
    ]
    if other_responses:
        facts.append(("Responses to other questionnaires", f"{other_responses} (not included)"))
    facts += [
        ("Times", _TIMES_NOTE),
        (
            "Columns",
            "Responses: one row per answer; 'value' is the raw scale answer, 'text' a reflection. "
            "Wide: one row per response, one column per question id (raw answer, reversed "
            "items not flipped) and per reflection. Scores: per response, one row per strategy "
            "and an 'overall' row; purpose and performance 0–100, gap = performance - purpose, "
            "alignment = 100 - |gap|, rounded to 2 decimals.",
        ),
        ("Text", _TEXT_NOTE),
    ]
    facts += [("Note", message) for message in scores.report.messages()]

    workbook = Workbook(write_only=True)
    _write_table(workbook, "Responses", long)
    _write_table(workbook, "Wide", wide)
    _write_table(workbook, "Scores", table, digits=2)
    _write_about(workbook, questionnaire, facts)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Calendar reminder

CHECK_IN_DAYS = 90
ICS_PRODID = "-//Purpose-Performance Alignment//EN"
REMINDER_SUMMARY = "Reflect and reset: purpose–performance check-in"


def next_check_in(last: date, days: int = CHECK_IN_DAYS) -> date:
    """When to check in again: a quarter after the last check-in unless told otherwise."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    day = last.date() if isinstance(last, datetime) else last
    return day + timedelta(days=days)


def reminder_ics(
    when: date,
    *,
    respondent: str,
    app_url: str,
    questionnaire_title: str,
    now: datetime | None = None,
) -> bytes:
    """An all-day calendar entry for the next check-in, with a 09:00 pop-up that morning.

    All-day (a date, not a time) so it lands on the right day in any time zone; the alarm fires
    nine hours after the day starts, in the calendar's own local time. The alias only appears in
    the description text, which the calendar library escapes.
    """
    day = when.date() if isinstance(when, datetime) else when
    stamp = _utc(now or datetime.now(UTC)).to_pydatetime()

    event = Event()
    event.add("uid", f"{uuid.uuid4()}@purpose-performance")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", REMINDER_SUMMARY)
    event.add(
        "description",
        f"Time for your check-in, {respondent}.\n"
        f"Answer '{questionnaire_title}' again (about 10 minutes), then compare your scores "
        "with last time and pick one thing to change before the next check-in.\n"
        f"Open the app: {app_url}",
    )
    event.add("url", app_url)
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", REMINDER_SUMMARY)
    alarm.add("trigger", timedelta(hours=9))
    event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


# Letters that Unicode does not decompose into an ASCII base letter.
_TRANSLITERATION = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
    }
)


def slug(text: str, fallback: str = "anonymous") -> str:
    """A file-name-safe, lower-case ASCII form of `text`."""
    spelled = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    ascii_text = spelled.encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:40].strip("-") or fallback


def download_name(who: str, when: date | datetime | pd.Timestamp, what: str) -> str:
    """`alias_YYYY-MM-DD_chart`: says whose, when and what, and is safe on every system."""
    return f"{slug(who)}_{when:%Y-%m-%d}_{slug(what, 'chart')}"
