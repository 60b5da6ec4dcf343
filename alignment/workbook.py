"""The Excel workbook of the responses: Summary, Responses, Wide, Scores and About sheets.

It opens on the Summary, what a person reads first: per response and strategy, the strategy's
name, scores in whole points and its quadrant in words; the raw sheets follow for spreadsheets.

Written with XlsxWriter in constant-memory mode, so a sheet's rows go to a temporary file as
they are made and a workbook of a million answers never exists as a million Python rows. The
tables are converted a column at a time: each distinct value of a column (a million answers hold
tens of thousands) is made safe and turned into its cell XML once, and the rows are then assembled
from those pieces with numpy. XlsxWriter's own cell-by-cell writing costs about 10 µs a cell,
which is minutes for a large workbook; the XlsxWriter package still writes the rest of the file
(styles, sheet views, frozen panes, filters, widths and the zip).
"""

from __future__ import annotations

import io
import math
import numbers
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import numpy as np
import pandas as pd
from xlsxwriter import Workbook
from xlsxwriter.sharedstrings import SharedStringTable
from xlsxwriter.worksheet import Worksheet

from alignment.export import as_utc, neutralise_formula, whole_numbers, wide_responses, with_times
from alignment.numbers import whole_points
from alignment.questionnaire import Questionnaire
from alignment.results import quadrant_wording
from alignment.scoring import QUADRANTS, Scores, score_responses, scores_table
from alignment.store import RESPONSE_COLUMNS

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
# Characters XML 1.0 cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE): removed from text.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel reads `_xHHHH_` in a text as an escaped character, so a literal one is escaped itself;
# the two non-characters XML cannot hold are written in that escape (Excel shows them again).
_EXCEL_ESCAPE_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NON_CHARACTERS = str.maketrans({"\ufffe": "_xFFFE_", "\uffff": "_xFFFF_"})
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

_HEADER_STYLE = {"bold": True, "pattern": 1, "bg_color": "#E8EEF4"}
_TITLE_STYLE = {"bold": True, "font_size": 14}
_WRAPPED_STYLE = {"text_wrap": True, "valign": "top"}
_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_DATE_FORMAT = "yyyy-mm-dd"
_SCORE_FORMAT = "0.00"
_MINUTE_FORMAT = "yyyy-mm-dd hh:mm"
# A gap shows its sign: "+13", "0", or "12" after a real minus sign (U+2212) as the app writes.
_SIGNED_FORMAT = '+0;"\u2212"0;0'
_TIMES_NOTE = (
    "All times are UTC. Excel cannot store a time zone, so they are written as date-times "
    "without one; add your offset to see local time."
)
_COLUMNS_NOTE = (
    "Summary: what to read first, in whole points and words (its own lines say how). "
    "Responses: one row per answer; 'value' is the raw scale answer, 'text' a reflection. "
    "Wide: one row per response, one column per question id (raw answer, reversed items not "
    "flipped) and per reflection. Scores: per response, one row per strategy and an 'overall' "
    "row; purpose and performance 0–100, gap = performance - purpose, alignment = 100 - |gap|, "
    "rounded to 2 decimals."
)
_TEXT_NOTE = (
    "Text that starts with = + - @ (also in their full-width forms, or after spaces), a tab or "
    "a carriage return has an apostrophe put in front so that a spreadsheet shows it instead of "
    "running it as a formula."
)
# Above this many responses the Summary gives each strategy over all of them instead of listing
# every response's strategies (ten thousand responses are already 110,000 rows of a 10-strategy
# questionnaire); the Scores sheet still has them all.
SUMMARY_MAX_RESPONSES = 10_000
# Excel's paper size codes.
PAPER_SIZES = {"a4": 9, "letter": 1}
Paper = Literal["a4", "letter"]
# The Summary's row of a response's three indices, after its strategies' rows.
INDEX_ROW = "All strategies (index)"
# Rows assembled at a time: enough for numpy to do the work, little enough to stay small.
_CHUNK_ROWS = 20_000
# Day 0 of Excel's 1900 date system, which also counts a 29 February 1900 that never was.
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _cell_value(value: object, digits: int | None = None) -> object:
    """What a cell holds: numbers stay numbers, text is made safe, times lose the zone."""
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
        return as_utc(value).tz_localize(None).to_pydatetime()
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


# ---------------------------------------------------------------------------------------------
# Cell XML


@dataclass(frozen=True)
class _Styles:
    """The workbook's cell formats, by the index (`s`) a cell's XML names them with."""

    header: int
    bold: int
    title: int
    wrapped: int
    bold_wrapped: int
    time: int
    date: int
    score: int
    minute: int
    signed: int

    @classmethod
    def of(cls, workbook: Workbook) -> _Styles:
        def index(properties: dict) -> int:
            # The index XlsxWriter gives the format (as it does for each cell it writes itself).
            return workbook.add_format(properties)._get_xf_index()

        return cls(
            header=index(_HEADER_STYLE),
            bold=index({"bold": True}),
            title=index(_TITLE_STYLE),
            wrapped=index(_WRAPPED_STYLE),
            bold_wrapped=index({"bold": True, **_WRAPPED_STYLE}),
            time=index({"num_format": _TIME_FORMAT}),
            date=index({"num_format": _DATE_FORMAT}),
            score=index({"num_format": _SCORE_FORMAT}),
            minute=index({"num_format": _MINUTE_FORMAT}),
            signed=index({"num_format": _SIGNED_FORMAT}),
        )


def _excel_serial(moment: date) -> float:
    """Days since Excel's day 0, as Excel (and openpyxl and XlsxWriter) count them."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    delta = moment - _EXCEL_EPOCH
    days = delta.days - (1 if 0 < delta.days <= 60 else 0)
    return days + (delta.seconds + delta.microseconds / 1e6) / 86_400


def _xml_text(text: str) -> str:
    """`text` as the content of an XML element that Excel reads back exactly."""
    escaped = _EXCEL_ESCAPE_RE.sub(r"_x005F_\1", text).translate(_NON_CHARACTERS)
    return escaped.translate(_XML_TEXT)


def _shareable(text: str) -> bool:
    """Whether XlsxWriter's shared-string table writes `text` back exactly.

    It writes a text shaped like its own rich-text markup (`<r>…</r>`) into the file as it is,
    unescaped, which would let a reflection put any XML (a formula) into the workbook; and it
    writes a carriage return in Excel's escape, which other readers show as `_x000D_`. Such text
    goes inline instead, escaped here.
    """
    return "\r" not in text and not (text.startswith("<r>") and text.endswith("</r>"))


def _cell_rest(
    value: object,
    style: int | None = None,
    strings: SharedStringTable | None = None,
    uses: int = 1,
) -> str:
    """A cell's XML after `<c r="A1` (the reference is added per row); "" for no cell.

    `value` is what `_cell_value` made. Text is always text, whatever it looks like (a number, a
    formula, markup): shared (written once, `uses` times referred to) when `strings` is given and
    that is safe, else inline.
    """
    styled = f' s="{style}"' if style else ""
    if value is None:
        return f'"{styled}/>' if style else ""
    if isinstance(value, bool):
        return f'"{styled} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'"{styled}><v>{value}</v></c>'
    if isinstance(value, float):
        return f'"{styled}><v>{value!r}</v></c>'
    if isinstance(value, date):
        return f'"{styled}><v>{_excel_serial(value)!r}</v></c>'
    text = str(value)
    if strings is not None and _shareable(text):
        index = strings._get_shared_string_index(text)
        strings.count += uses - 1  # the table counts every use; it was told of one
        return f'"{styled} t="s"><v>{index}</v></c>'
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'"{styled} t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>'


def _value_style(value: object, styles: _Styles, digits: int | None = None) -> int | None:
    """Date-times get a readable format; rounded scores always show two decimals."""
    if isinstance(value, datetime):
        return styles.time
    if isinstance(value, date):
        return styles.date
    if digits is not None and isinstance(value, float):
        return styles.score
    return None


def _column_letters(count: int) -> list[str]:
    letters = []
    for number in range(1, count + 1):
        name = ""
        while number:
            number, remainder = divmod(number - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


class _Sheet(Worksheet):
    """A worksheet that takes whole rows of cell XML, in order, instead of cell after cell.

    Only in constant-memory mode, where XlsxWriter itself streams each finished row to the
    sheet's temporary file (`fh`). The rows' range is recorded as XlsxWriter's own writes record
    it, so the sheet's dimension and everything else in the file are as XlsxWriter makes them,
    and a later cell written the usual way cannot land above these rows.
    """

    def write_rows(self, first: int, count: int, width: int, xml: str) -> None:
        if not self.constant_memory:
            raise RuntimeError("whole rows are written in constant-memory mode only")
        if first < self.previous_row or self.table:
            raise ValueError(f"row {first + 1} would not follow the rows written: rows go in order")
        if count:
            last = first + count - 1
            if self._check_dimensions(first, 0) or self._check_dimensions(last, width - 1):
                raise ValueError(f"rows {first + 1}-{last + 1} do not fit on a sheet")
            self.fh.write(xml)
            self.previous_row = last + 1


def _rows_xml(numbers: list[str], cells: list[list[str]]) -> str:
    """Rows numbered `numbers` (1-based, as text), each of its cells' whole XML."""
    return "".join(
        f'<row r="{number}">{"".join(row)}</row>'
        for number, row in zip(numbers, cells, strict=True)
    )


@dataclass
class _Column:
    """One column of a table, converted once: each distinct value's cell XML, and which one each
    row holds."""

    codes: np.ndarray  # per row, an index into `rests`; -1 (the last) for no value
    rests: np.ndarray  # the cell XML after its reference, the last one "" (no cell)
    blank: np.ndarray  # per entry of `rests`, whether it is no cell
    sample: list[object]  # the first rows' values, for the width

    @classmethod
    def of(
        cls,
        series: pd.Series,
        styles: _Styles,
        strings: SharedStringTable,
        digits: int | None,
        style: int | None = None,
    ) -> _Column:
        """`style`, when given, is every cell's format instead of the one its type has."""
        if pd.api.types.is_datetime64_any_dtype(series):
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            time = styles.time if style is None else style
            rests = [f'" s="{time}"><v>{day!r}</v></c>' for day in _excel_serials(uniques)]
            values = uniques  # (for the width only)
        else:
            if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in (
                "string",
                "empty",
            ):
                # Mixed values (a frame made by hand): value by value, since values of
                # different types that compare equal (1, 1.0, True) would be taken for one.
                values = [_cell_value(value, digits) for value in series]
                codes = np.arange(len(values))
            else:
                codes, uniques = pd.factorize(series, use_na_sentinel=True)
                values = [_cell_value(value, digits) for value in uniques]
            uses = np.bincount(codes[codes >= 0], minlength=len(values)).tolist()
            rests = [
                _cell_rest(
                    value,
                    _value_style(value, styles, digits) if style is None else style,
                    strings,
                    used,
                )
                for value, used in zip(values, uses, strict=True)
            ]
        head = codes[:500]
        sample = [values[code] for code in head[head >= 0].tolist()]
        return cls(
            codes=codes.astype(np.int32 if len(rests) < 2**31 else np.int64),
            rests=np.array([*rests, ""], dtype=object),
            blank=np.array([rest == "" for rest in rests] + [True]),
            sample=[value for value in sample if value is not None],
        )


def _excel_serials(times: pd.DatetimeIndex) -> list[float]:
    """`_excel_serial` of each time (in UTC, without its zone) at once, to the same bits."""
    if times.tz is not None:
        times = times.tz_convert("UTC").tz_localize(None)
    micros = (times - pd.Timestamp(_EXCEL_EPOCH)).to_numpy("timedelta64[us]").astype(np.int64)
    days, rest = np.divmod(micros, 86_400_000_000)
    seconds, micro = np.divmod(rest, 1_000_000)
    days -= (days > 0) & (days <= 60)
    return (days + (seconds + micro / 1e6) / 86_400).tolist()


def _table_rows(
    columns: list[_Column], start: int, stop: int, letters: list[str], first: int
) -> str:
    """The XML of table rows `start` to `stop` (0-based, below the header), row 0 being sheet
    row `first` (1-based).

    Assembled by numpy from the columns' pieces and joined once: no Python code runs per cell.
    """
    numbers = np.arange(start + first, stop + first).astype(str).astype(object)
    pieces = np.empty((stop - start, 3 + 3 * len(columns) + 1), dtype=object)
    pieces[:, 0] = '<row r="'
    pieces[:, 1] = numbers
    pieces[:, 2] = '">'
    for position, (column, letter) in enumerate(zip(columns, letters, strict=True)):
        codes = column.codes[start:stop]
        blank = column.blank[codes]
        where = 3 + 3 * position
        if not blank.any():
            pieces[:, where] = f'<c r="{letter}'
            pieces[:, where + 1] = numbers
        elif blank.all():
            pieces[:, where : where + 3] = ""
            continue
        else:
            pieces[:, where] = np.where(blank, "", f'<c r="{letter}')
            pieces[:, where + 1] = np.where(blank, "", numbers)
        pieces[:, where + 2] = column.rests[codes]
    pieces[:, -1] = "</row>"
    return "".join(pieces.ravel().tolist())


# A row above a table, or of the About sheet: each cell's value (as `_cell_value` made it) and
# format, from column A on.
_Line = list[tuple[object, int | None]]


def _lines_xml(lines: list[_Line], strings: SharedStringTable) -> str:
    """Rows 1 to len(lines), cell by cell: for the few rows that are not a table."""
    letters = _column_letters(max((len(line) for line in lines), default=0))
    cells = [
        [
            f'<c r="{letter}{number}' + rest
            for letter, (value, style) in zip(letters, line, strict=False)
            if (rest := _cell_rest(value, style, strings))
        ]
        for number, line in enumerate(lines, 1)
    ]
    return _rows_xml([str(number) for number in range(1, len(lines) + 1)], cells)


def _add_sheet(
    workbook: Workbook, title: str, paper: int, *, one_page_wide: bool = False
) -> _Sheet:
    """A sheet set up to print: landscape on `paper` (an Excel paper code), narrow margins and
    page numbers; `one_page_wide` scales it to the page's width (a page as tall as it takes).

    XlsxWriter's default already leaves the gridlines out of the print.
    """
    sheet = workbook.add_worksheet(title, worksheet_class=_Sheet)
    sheet.set_landscape()
    sheet.set_paper(paper)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    sheet.set_footer("&L&A&RPage &P of &N")
    if one_page_wide:
        sheet.fit_to_pages(1, 0)
    return sheet


def _write_table(
    sheet: _Sheet,
    styles: _Styles,
    table: pd.DataFrame,
    digits: int | None = None,
    *,
    heading: list[_Line] | None = None,
    formats: dict[str, int] | None = None,
) -> int:
    """A table on `sheet`, below the `heading` lines: bold, frozen, filterable header that is
    printed atop every page; real numbers and date-times below it. `formats` gives a column (by
    name) one cell format instead of its values' own. Returns how many rows are below the header.

    Each column is converted once, then the rows are written a chunk at a time, so a long table
    never exists as Python rows.
    """
    heading, formats = heading or [], formats or {}
    names = [str(c) for c in table.columns]
    letters = _column_letters(len(names))
    columns = [
        _Column.of(
            table.iloc[:, position],
            styles,
            sheet.str_table,
            digits,
            formats.get(name),
        )
        for position, name in enumerate(names)
    ]
    for position, (name, column) in enumerate(zip(names, columns, strict=True)):
        sheet.set_column(position, position, _width([name, *column.sample]))
    top = len(heading)  # the header's row (0-based)
    sheet.freeze_panes(top + 1, 0)
    sheet.repeat_rows(top)
    if names:
        sheet.autofilter(top, 0, top + len(table), len(names) - 1)
    if heading:
        width = max(len(line) for line in heading)
        sheet.write_rows(0, top, width, _lines_xml(heading, sheet.str_table))
    header = [
        f'<c r="{letter}{top + 1}' + _cell_rest(_cell_value(name), styles.header, sheet.str_table)
        for letter, name in zip(letters, names, strict=True)
    ]
    sheet.write_rows(top, 1, len(names), _rows_xml([str(top + 1)], [header]))
    for start in range(0, len(table), _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, len(table))
        sheet.write_rows(
            top + 1 + start,
            stop - start,
            len(names),
            _table_rows(columns, start, stop, letters, top + 2),
        )
    return len(table)


def _write_about(
    sheet: _Sheet,
    styles: _Styles,
    questionnaire: Questionnaire,
    facts: list[tuple[str, object]],
) -> None:
    """What the file holds and how to read it, plus the questions behind the Wide sheet's ids."""
    for position, width in enumerate((30, 90, 14, 12, 10)):
        sheet.set_column(position, position, width)

    lines: list[_Line] = [
        [("Purpose–Performance Alignment: data export", styles.title)],
        [],
    ]
    for label, value in facts:
        shown = _cell_value(value)
        style = _value_style(shown, styles)
        if isinstance(shown, str) and len(shown) > 80:
            style = styles.wrapped
        lines.append([(_cell_value(label), styles.bold_wrapped), (shown, style)])
    lines += [[], [("Questions", styles.bold)]]
    lines.append(
        [(h, styles.bold) for h in ("id", "question", "strategy", "dimension", "reversed")]
    )
    strategies = questionnaire.strategy_by_id
    for item in questionnaire.items:
        strategy = strategies.get(item.strategy)
        cells = [
            item.id,
            item.text + (" (retired)" if item.retired else ""),
            strategy.name if strategy else item.strategy,
            item.dimension,
            "yes" if item.reverse else "no",
        ]
        lines.append([(_cell_value(cell), None) for cell in cells])
    for reflection in questionnaire.reflections:
        cells = [reflection.id, reflection.text, "reflection"]
        lines.append([(_cell_value(cell), None) for cell in cells])
    width = max(len(line) for line in lines)
    sheet.write_rows(0, len(lines), width, _lines_xml(lines, sheet.str_table))


def _new_workbook(target: io.BytesIO, folder: str) -> Workbook:
    """An empty workbook that writes each sheet's rows to a temporary file in `folder` as they
    are made, and never turns a text into a number, formula or link."""
    return Workbook(
        target,
        {
            "constant_memory": True,
            "in_memory": False,  # (True would turn constant memory off)
            "tmpdir": folder,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )


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


# A workbook is written at about 30,000 answers a second, reading the file included: the median of
# bench/workbook.py on its shared 2-core machine was 34,000 at 1M answers (29 s; 16 s of CPU) and
# 31,000 at 100k, rounded down for a busy machine. Above SLOW_WORKBOOK_ANSWERS the wait is said
# before the press.
WORKBOOK_ANSWERS_PER_SECOND = 30_000
SLOW_WORKBOOK_ANSWERS = 200_000


def workbook_wait(frame: pd.DataFrame, questionnaire: Questionnaire) -> str | None:
    """A word on the wait when the workbook is large (None when it is quick)."""
    answers = _answer_rows(frame, questionnaire)
    if answers < SLOW_WORKBOOK_ANSWERS:
        return None
    seconds = answers / WORKBOOK_ANSWERS_PER_SECOND
    if (rounded := 5 * round(seconds / 5)) < 60:
        wait = f"{max(rounded, 5)} seconds"
    else:
        minutes = round(seconds / 60)
        wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
    return (
        f"{answers:,} answers: the workbook takes about {wait} to build. "
        "The CSV files are ready in seconds."
    )


def workbook_bytes(
    frame: pd.DataFrame,
    questionnaire: Questionnaire,
    *,
    now: datetime | None = None,
    paper: Paper = "a4",
) -> bytes:
    """An Excel workbook of the responses to `questionnaire`: Summary, Responses, Wide, Scores,
    About; it opens on the Summary and prints on `paper` ("a4" or "letter").

    For people who live in spreadsheets: real numbers and date-times (UTC, written without a
    zone because Excel has none), formulas neutralised, a frozen bold header on every table.
    Responses to other questionnaires are left out (and counted on the About sheet) so that the
    sheets describe the same responses.

    Each table is made just before its sheet is written and let go after, so that only one of
    them is held beside the responses at a time: at a million answers the whole process peaks
    near 400 MB (bench/workbook.py).
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper is one of {', '.join(PAPER_SIZES)}, not {paper!r}")
    problem = workbook_problem(frame, questionnaire)
    if problem:
        raise ValueError(problem)
    chosen = frame["questionnaire_id"] == questionnaire.id
    same = with_times(frame if chosen.all() else frame.loc[chosen])
    other_responses = int(frame.loc[~chosen, "response_id"].nunique())
    exported = as_utc(now or datetime.now(UTC)).floor("s")

    buffer = io.BytesIO()
    # XlsxWriter's temporary files (each sheet's rows, then each part of the file) go in a
    # folder of their own, removed whatever happens.
    with tempfile.TemporaryDirectory(prefix="alignment-workbook-") as folder:
        workbook = _new_workbook(buffer, folder)
        try:
            _write_sheets(
                workbook, same, questionnaire, exported, other_responses, PAPER_SIZES[paper]
            )
            workbook.close()
        finally:
            for sheet in workbook.worksheets():
                sheet._opt_close()  # the rows' files, should writing stop half-way
    return buffer.getvalue()


def _write_sheets(
    workbook: Workbook,
    same: pd.DataFrame,
    questionnaire: Questionnaire,
    exported: pd.Timestamp,
    other_responses: int,
    paper: int,
) -> None:
    """The five sheets, each table made just before its sheet is written and let go after.

    The Summary is the first sheet but is written once the scores are there: each sheet streams
    its rows to a file of its own, so sheets need not be written in their order.
    """
    styles = _Styles.of(workbook)
    summary = _add_sheet(workbook, "Summary", paper, one_page_wide=True)
    summary.activate()
    answers = _write_table(_add_sheet(workbook, "Responses", paper), styles, _long(same))
    responses = _write_table(
        _add_sheet(workbook, "Wide", paper), styles, wide_responses(same, questionnaire)
    )
    scores = score_responses(same, questionnaire)
    score_rows = _write_table(
        _add_sheet(workbook, "Scores", paper), styles, scores_table(scores), digits=2
    )
    _write_summary(summary, styles, scores, questionnaire, exported)
    facts: list[tuple[str, object]] = [
        ("Questionnaire", questionnaire.title),
        ("Questionnaire id", questionnaire.id),
        ("Questionnaire version", questionnaire.version),
        ("Exported (UTC)", exported.to_pydatetime()),
        ("Responses", responses),
        ("Rows on Responses (one per answer)", answers),
        ("Rows on Scores", score_rows),
    ]
    if other_responses:
        facts.append(("Responses to other questionnaires", f"{other_responses} (not included)"))
    facts += [("Times", _TIMES_NOTE), ("Columns", _COLUMNS_NOTE), ("Text", _TEXT_NOTE)]
    facts += [("Note", message) for message in scores.report.messages()]
    about = _add_sheet(workbook, "About", paper, one_page_wide=True)
    _write_about(about, styles, questionnaire, facts)


# ---------------------------------------------------------------------------------------------
# The Summary

_POINTS_NOTE = (
    "Scores run 0–100 in whole points, rounded half up. Gap = performance - purpose: below 0, "
    "a strategy is valued more than it is lived. Alignment = 100 - |gap|."
)
_ROWS_NOTE = (
    f"Each response's strategies are followed by its '{INDEX_ROW}' row, the average over its "
    "strategies. The Scores sheet has every score to two decimals; About explains each sheet."
)


def _write_summary(
    sheet: _Sheet,
    styles: _Styles,
    scores: Scores,
    questionnaire: Questionnaire,
    exported: pd.Timestamp,
) -> None:
    """What a person reads first: each response's strategies by name, their scores in whole
    points and their quadrants in words. Above SUMMARY_MAX_RESPONSES responses (a facilitator's
    whole history) each strategy over all responses instead, which the sheet says."""
    responses = len(scores.overall)
    facts = (
        f"Version {questionnaire.version} · {responses:,} response{'' if responses == 1 else 's'}"
        f" · exported {exported:%Y-%m-%d %H:%M} UTC"
    )
    if responses > SUMMARY_MAX_RESPONSES:
        table = _overview_rows(scores, questionnaire)
        rows_note = (
            f"{responses:,} responses, more than the {SUMMARY_MAX_RESPONSES:,} this sheet lists "
            "one by one: so each strategy is shown over all of them, with its average scores and "
            "how many responses fall in each quadrant. The Scores sheet has every response."
        )
    else:
        table = _response_rows(scores, questionnaire)
        rows_note = _ROWS_NOTE
    heading: list[_Line] = [
        [(_cell_value(f"{questionnaire.title}: summary"), styles.title)],
        *([(_cell_value(text), None)] for text in (facts, _POINTS_NOTE, rows_note)),
    ]
    formats = {"Submitted (UTC)": styles.minute, "Gap": styles.signed, "Average gap": styles.signed}
    _write_table(sheet, styles, table, heading=heading, formats=formats)


def _whole(scores: pd.Series) -> pd.Series:
    """Scores as people read them: whole numbers, rounded half up; missing stays missing."""
    return whole_points(scores).astype("Int64")


def _whole_gap(gaps: pd.Series) -> pd.Series:
    """Gaps as the app says them (`signed_points`): the size rounded half up, then the sign, so
    that -37.5 is -38, as the rounded scores beside it (25 and 63) read."""
    return (np.sign(gaps) * whole_points(gaps.abs())).astype("Int64")


def _quadrant_words(quadrant: pd.Series, gap: pd.Series) -> pd.DataFrame:
    """`quadrant_wording` of each row, as columns label and meaning (positionally, like the
    inputs): worked out once per distinct quadrant and gap, of which there are few."""
    quadrant_codes, _ = pd.factorize(quadrant)
    gap_codes, gap_values = pd.factorize(gap)
    pair = (quadrant_codes + 1).astype(np.int64) * (len(gap_values) + 1) + gap_codes + 1
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    quadrants, gaps = quadrant.to_numpy(object)[first], gap.to_numpy("float64")[first]
    words = np.array(
        [
            quadrant_wording(None if pd.isna(name) else str(name), float(value))
            for name, value in zip(quadrants, gaps, strict=True)
        ],
        dtype=object,
    ).reshape(-1, 2)
    return pd.DataFrame({"label": words[inverse, 0], "meaning": words[inverse, 1]})


def _response_rows(scores: Scores, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per response, a row per strategy and then its indices, in the Scores sheet's order."""
    names = {strategy.id: strategy.name for strategy in questionnaire.strategies}
    strategies = scores.strategies.assign(name=scores.strategies["strategy"].map(names))
    # scores_table keeps the strategy rows' own columns: the index rows have no name.
    rows = scores_table(Scores(strategies, scores.overall))
    words = _quadrant_words(rows["quadrant"], rows["gap"])
    return pd.DataFrame(
        {
            "Respondent": rows["respondent"].to_numpy(),
            "Submitted (UTC)": rows["submitted_at"].array,
            "Strategy": rows["name"].fillna(INDEX_ROW).to_numpy(object),
            "Purpose": _whole(rows["purpose"]).array,
            "Performance": _whole(rows["performance"]).array,
            "Gap": _whole_gap(rows["gap"]).array,
            "Alignment": _whole(rows["alignment"]).array,
            "Quadrant": words["label"].to_numpy(),
            "What it means": words["meaning"].to_numpy(),
        }
    )


def _overview_rows(scores: Scores, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per strategy over all responses, then the indices: average scores in whole points, how
    many responses have the score and how many fall in each quadrant (in words)."""
    columns = ["purpose", "performance", "gap", "alignment", "quadrant"]
    ids = [strategy.id for strategy in questionnaire.strategies]
    rows = pd.concat(
        [
            scores.strategies[columns].assign(
                row=pd.Index(ids).get_indexer(scores.strategies["strategy"])
            ),
            scores.overall[columns].assign(row=len(ids)),
        ],
        ignore_index=True,
    )
    words = _quadrant_words(rows["quadrant"], rows["gap"])
    by_row = rows.groupby("row")
    averages = by_row[["purpose", "performance", "gap", "alignment"]].mean()
    # Quadrant columns in the scoring model's order, the words of one quadrant side by side.
    rank = rows["quadrant"].map({name: n for n, name in enumerate(QUADRANTS)})
    kinds = words.assign(rank=rank.fillna(len(QUADRANTS)).to_numpy())
    order = kinds.drop_duplicates("label").sort_values(["rank", "label"])["label"].tolist()
    counts = pd.crosstab(rows["row"], words["label"].to_numpy()).reindex(
        index=averages.index, columns=order, fill_value=0
    )
    names = [*(strategy.name for strategy in questionnaire.strategies), INDEX_ROW]
    table = pd.DataFrame(
        {
            "Strategy": [names[row] for row in averages.index],
            "Responses scored": by_row["alignment"].count().to_numpy(),
            "Average purpose": _whole(averages["purpose"]).array,
            "Average performance": _whole(averages["performance"]).array,
            "Average gap": _whole_gap(averages["gap"]).array,
            "Average alignment": _whole(averages["alignment"]).array,
        }
    )
    return pd.concat([table, counts.reset_index(drop=True)], axis=1)


def _long(same: pd.DataFrame) -> pd.DataFrame:
    """The Responses sheet's table: the stored columns, answers and versions as whole numbers."""
    long = same.reindex(columns=RESPONSE_COLUMNS)
    return long.assign(
        questionnaire_version=whole_numbers(long["questionnaire_version"]),
        value=whole_numbers(long["value"]),
    )
