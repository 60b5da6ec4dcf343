"""Importing responses collected elsewhere: our long CSV, or a Google or Microsoft Forms export.

Pure steps shared by the Data page and the command line, so nothing is saved before a person has
seen what will happen:

1. `read_table` decodes the bytes (UTF-8 with or without BOM, UTF-16 with BOM, else
   Windows-1252), finds the delimiter and tells the format apart.
2. `auto_mapping` matches columns to items (by id, then by normalised text) for a person to check
   and correct.
3. `plan_import` checks every row against the questionnaire and builds the long rows; bad rows are
   reported with their line and reason and never block the good ones.

`import_responses` then appends the whole plan in one write under the store's lock: all of it or,
on any failure, nothing (the data file stays byte-for-byte as it was).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from alignment import store
from alignment.export import csv_bytes
from alignment.import_formats import FORMAT_NAMES, FORMATS
from alignment.questionnaire import Questionnaire, Scale
from alignment.response import REFLECTION_MAX_LENGTH, ResponseError, clean_alias
from alignment.store import RESPONSE_COLUMNS
from alignment.workshop import code_problem, load_workshops, normalise_code

ROLES = ("item", "reflection", "timestamp", "respondent", "field", "ignore")
# What one import takes. A questionnaire has at most a couple of hundred questions and a
# Microsoft Forms quiz export three columns per question; a 20 MB long CSV is ~200,000 rows.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_COLUMNS = 1_000
MAX_IMPORT_ROWS = 200_000
MAX_IMPORT_CELLS = 2_000_000
DEFAULT_RESPONDENT = "Imported"
# Wide rows get a response id derived from their content, so importing a file twice (or a later
# export that repeats earlier rows) adds each response once.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "purpose-performance-alignment:import")

_DELIMITER_NAMES = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}
_DELIMITER_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs"}
_SHORT = 50


class ImportProblem(ValueError):
    """A file that cannot be imported at all; the message says what is wrong and where."""


# ---------------------------------------------------------------------------------------------
# Reading the file


@dataclass(frozen=True)
class Table:
    """The file as text cells: a header and the rows below it, with their line numbers."""

    columns: list[str]
    rows: list[list[str]]
    encoding: str
    delimiter: str
    format: str
    lines: list[int] = field(default_factory=list)  # the file line each row starts on
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        delimiter = _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
        return f"{FORMAT_NAMES.get(self.format, self.format)}, {self.encoding}, {delimiter}"


_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "an Excel workbook or another ZIP file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
)
_SAVE_AS_CSV = "open it in your spreadsheet and save it as 'CSV UTF-8 (comma delimited)'"


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """The text, the name of its encoding, and a note when the encoding was a guess."""
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise ImportProblem(f"this is {what}, not a CSV file; {_SAVE_AS_CSV}")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with BOM", []
        except UnicodeDecodeError as exc:
            at = exc.start + len(codecs.BOM_UTF8)
            line = data.count(b"\n", 0, at) + 1
            raise ImportProblem(
                f"the file starts as UTF-8 but byte {at} (line {line}) is not UTF-8; {_SAVE_AS_CSV}"
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16", []
        except UnicodeDecodeError as exc:
            raise ImportProblem(
                f"the file starts as UTF-16 but byte {exc.start} is not UTF-16; {_SAVE_AS_CSV}"
            ) from exc
    if b"\x00" in data:
        raise ImportProblem(
            "the file holds binary data (zero bytes), not text; is it a spreadsheet or an image? "
            f"{_SAVE_AS_CSV[0].upper()}{_SAVE_AS_CSV[1:]}"
        )
    try:
        return data.decode("utf-8"), "UTF-8", []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        note = (
            f"the file is not UTF-8 (byte {exc.start}, line {line}); it was read as "
            "Windows-1252, the usual encoding of Excel on Windows: check accented letters"
        )
        try:
            return data.decode("cp1252"), "Windows-1252", [note]
        except UnicodeDecodeError:
            return data.decode("latin-1"), "Latin-1", [note.replace("Windows-1252", "Latin-1")]


# Control characters (Unicode category Cc) other than tab, line feed and carriage return.
_STRAY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _check_text(text: str) -> None:
    controls = _STRAY_CONTROL.findall(text)
    if len(controls) > 8 and len(controls) > len(text) // 20:
        first = _STRAY_CONTROL.search(text)
        line = text.count("\n", 0, first.start() if first else 0) + 1
        raise ImportProblem(
            f"the file holds binary data ({len(controls)} control characters, the first on line "
            f"{line}), not a table of text; {_SAVE_AS_CSV}"
        )


def _check_line_widths(text: str) -> None:
    """Refuse a line of far more delimiters than an import has columns before the CSV reader
    makes a cell of each (a line of commas would cost gigabytes); the exact column count is
    checked on every record as it is read."""
    most = 10 * MAX_IMPORT_COLUMNS
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > most:
            for delimiter in _DELIMITER_NAMES:
                if (count := line.count(delimiter)) > most:
                    raise ImportProblem(
                        f"line {number} holds {count:,} {_DELIMITER_WORDS[delimiter]}, far more "
                        f"than the {MAX_IMPORT_COLUMNS:,} columns an import takes; is it a table?"
                    )


def _records(
    text: str, delimiter: str, limit: int | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) per CSV record; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    consumed = 0
    count = 0
    while limit is None or count < limit:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportProblem(f"line {reader.line_num}: cannot read the CSV ({exc})") from exc
        start, consumed = consumed + 1, reader.line_num
        count += 1
        yield start, cells


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _sniff(text: str) -> str:
    """The delimiter whose header has several columns and whose rows agree with it most."""
    best: tuple[float, int] | None = None
    chosen = ","
    failure: ImportProblem | None = None
    for delimiter in (",", ";", "\t"):
        try:
            sample = [c for _, c in _records(text, delimiter, limit=40) if not _is_blank(c)]
        except ImportProblem as exc:
            failure = failure or exc
            continue
        if not sample or len(sample[0]) < 2:
            continue
        width = len(sample[0])
        body = sample[1:]
        agreement = sum(len(c) == width for c in body) / len(body) if body else 1.0
        score = (round(agreement, 1), width)
        if best is None or score > best:
            best, chosen = score, delimiter
    if best is None and failure is not None:
        raise failure
    if best is None:
        first = next((line for line in text.splitlines() if line.strip()), "")
        raise ImportProblem(
            f"line 1 has a single column ('{_show(first)}'); expected a table whose columns are "
            "separated by commas, semicolons or tabs"
        )
    return chosen


def _unique_columns(header: list[str]) -> tuple[list[str], list[str]]:
    """Header names made unique ('Q', 'Q (2)', …), with one note per repeated name.

    Linear in the number of columns: each name remembers the last number it was given, so a
    header of thousands of equal names costs no more than one of different names.
    """
    columns: list[str] = []
    taken: set[str] = set()
    last_number: dict[str, int] = {}
    renamed: dict[str, list[str]] = {}
    for index, raw in enumerate(header, start=1):
        base = name = raw.replace("\ufeff", "").strip() or f"(column {index})"
        number = last_number.get(base, 1)
        while name in taken:
            number += 1
            name = f"{base} ({number})"
        last_number[base] = number
        if name != base:
            renamed.setdefault(base, []).append(name)
        taken.add(name)
        columns.append(name)
    notes = [
        f"two columns are headed '{_show(base)}'; the later one is called '{_show(names[0])}'"
        if len(names) == 1
        else f"{len(names) + 1:,} columns are headed '{_show(base)}'; the later ones are called "
        f"'{_show(names[0])}' to '{_show(names[-1])}'"
        for base, names in renamed.items()
    ]
    return columns, notes


def _key(text: str) -> str:
    """Text for matching: Unicode-normalised, case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


_TIMESTAMP_KEYS = (
    "timestamp",
    "submittedat",
    "submissiontime",
    "submitted",
    "zeitstempel",
    "horodateur",
    "marcatemporal",
    "tijdstempel",
    "informazionicronologiche",
    "carimbodedatahora",
)
_COMPLETION_KEYS = (
    "completiontime",
    "fertigstellungszeit",
    "heuredefin",
    "horadefinalizacion",
    "horadefinalización",
)
_TIME_PREFIXES = ("timestamp", "completiontime", "submittedat")
_MS_META_KEYS = {
    "id",
    "starttime",
    "startzeit",
    "heurededebut",
    "heurededébut",
    "horadeinicio",
    "email",
    "name",
    "lastmodifiedtime",
    "totalpoints",
    "quizfeedback",
    *_COMPLETION_KEYS,
}
_GOOGLE_META_KEYS = {"emailaddress", "score", "username", "email"}
_RESPONDENT_KEYS = (
    "yournameoralias",
    "nameoralias",
    "alias",
    "youralias",
    "respondent",
    "yourname",
    "name",
    "fullname",
    "emailaddress",
    "email",
    "username",
)


def _detect(columns: list[str]) -> str:
    keys = [_key(c) for c in columns]
    lowered = {c.strip().casefold() for c in columns}
    if {"response_id", "item_id"} <= lowered:
        return "long"
    if "id" in keys and any(k in keys for k in _COMPLETION_KEYS):
        return "ms-forms"
    return "google-forms"


def read_table(data: bytes, format: str = "auto") -> Table:
    """The file as a table of text cells, or ImportProblem when it cannot be read at all.

    A row whose number of cells does not match the header is kept as it is: that is a problem of
    the row (reported by `plan_import`), not of the file.
    """
    if format != "auto" and format not in FORMATS:
        raise ImportProblem(f"unknown format '{format}'; choose auto, {', '.join(FORMATS)}")
    if not data.strip():
        raise ImportProblem("the file is empty")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem(
            f"the file has {len(data):,} bytes; imports are limited to "
            f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB, so split it into smaller files"
        )
    text, encoding, notes = _decode(data)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportProblem("the file is empty")
    _check_text(text)
    _check_line_widths(text)
    delimiter = _sniff(text)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    skipped: list[int] = []
    cells_read = 0
    for line, cells in _records(text, delimiter):
        if len(cells) > MAX_IMPORT_COLUMNS:
            raise ImportProblem(
                f"line {line} has {len(cells):,} columns; an import takes at most "
                f"{MAX_IMPORT_COLUMNS:,}, so remove the columns that are not answers"
            )
        if header is None:
            if not _is_blank(cells):
                header = cells
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line
        if _is_blank(cells):
            skipped.append(line)
            continue
        cells_read += len(cells)
        if len(rows) == MAX_IMPORT_ROWS or cells_read > MAX_IMPORT_CELLS:
            limit = (
                f"{MAX_IMPORT_ROWS:,} rows"
                if len(rows) == MAX_IMPORT_ROWS
                else f"{MAX_IMPORT_CELLS:,} cells"
            )
            raise ImportProblem(
                f"line {line}: the file goes on past {limit}, the most one import takes; split "
                "it into smaller files"
            )
        rows.append(cells)
        lines.append(line)
    if header is None:  # pragma: no cover - a non-blank text always has a first record
        raise ImportProblem("the file is empty")
    columns, column_notes = _unique_columns(header)
    notes += column_notes
    if skipped:
        notes.append(
            f"{len(skipped)} line(s) with empty cells only were skipped "
            f"(line {_list_lines(skipped)})"
        )
    if not rows:
        raise ImportProblem("the file has a header but no rows below it")
    resolved = _detect(columns) if format == "auto" else format
    if resolved == "long":
        lowered = {c.casefold() for c in columns}
        missing = [c for c in RESPONSE_COLUMNS if c not in lowered]
        if missing:
            raise ImportProblem(
                f"a long responses CSV needs the columns {', '.join(RESPONSE_COLUMNS)}; "
                f"line 1 lacks {', '.join(missing)}"
            )
    return Table(columns, rows, encoding, delimiter, resolved, lines, notes)


def _list_lines(lines: Sequence[int], limit: int = 8) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + ("…" if len(lines) > limit else "")


# ---------------------------------------------------------------------------------------------
# Matching columns to items


@dataclass(frozen=True)
class ColumnMatch:
    """What one column holds. `role` is item, reflection, timestamp, respondent, field (a column
    of the long format, `target` naming it) or ignore; `how` says how the match was made: id,
    text, label (a known column of the form tool), manual or unmatched."""

    column: str
    role: str
    target: str | None = None
    how: str = "unmatched"

    def describe(self) -> str:
        what = {
            "item": f"item {self.target}",
            "reflection": f"reflection {self.target}",
            "timestamp": "time of submission",
            "respondent": "respondent",
            "field": f"{self.target}",
            "ignore": "ignored",
        }.get(self.role, self.role)
        return f"'{_show_column(self.column)}' -> {what} ({self.how})"


_NUMBERING = re.compile(r"^\s*(?:q(?:uestion)?\s*)?\d{1,3}\s*[.):\-–]\s*", re.IGNORECASE)
_GRID = re.compile(r"^(?P<prompt>.*)\[(?P<row>[^\[\]]+)\]\s*$", re.DOTALL)
_MIN_CONTAINED = 15


_MAX_CONTAINING = 1_000  # letters and digits: a longer header is no question with words around


class _Questions:
    """The questionnaire's items and reflection prompts by normalised id and text, built once
    per mapping rather than once per column."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        questions = [("item", i.id, i.text) for i in questionnaire.active_items]
        questions += [("item", i.id, i.text) for i in questionnaire.items if i.retired]
        questions += [("reflection", r.id, r.text) for r in questionnaire.reflections]
        self._by_id = {_key(ident): (role, ident) for role, ident, _ in questions}
        self._by_text: dict[str, tuple[str, str]] = {}
        for role, ident, text in questions:
            self._by_text.setdefault(_key(text), (role, ident))

    def _match(self, text: str) -> tuple[str, str, str] | None:
        key = _key(text)
        if key in self._by_id:
            return (*self._by_id[key], "id")
        for candidate in (key, _key(_NUMBERING.sub("", text))):
            if candidate in self._by_text:
                return (*self._by_text[candidate], "text")
        return None

    def target(self, header: str) -> tuple[str, str, str] | None:
        """(role, target id, how) for a header that names an item or a reflection prompt."""
        found = self._match(header)
        grid = _GRID.match(header)
        if found is None and grid:
            found = self._match(grid["row"])
        if found is None:
            # Google Forms and people add words around a question ("1. …", "… (1 = never)").
            key = _key(grid["row"] if grid else header)
            if len(key) > _MAX_CONTAINING:
                return None
            contained = {
                target for text_key, target in self._by_text.items()
                if len(text_key) >= _MIN_CONTAINED and text_key in key
            }  # fmt: skip
            if len(contained) == 1:
                found = (*contained.pop(), "text")
        return found


def auto_mapping(
    table: Table, questionnaire: Questionnaire, respondent_column: str | None = None
) -> list[ColumnMatch]:
    """One match per column, in column order, for a person to check before anything is saved.

    Items are matched by id, then by their text (ignoring case, punctuation, spacing and curly
    quotes), also inside Google Forms grid headers "Prompt [item text]". For the long format the
    mapping is fixed: the contract's columns.
    """
    if table.format == "long":
        contract = {c: c for c in RESPONSE_COLUMNS}
        roles = {"submitted_at": "timestamp", "respondent": "respondent"}
        matches = []
        for column in table.columns:
            name = contract.get(column.casefold())
            if name is None:
                matches.append(ColumnMatch(column, "ignore", None, "unmatched"))
            else:
                matches.append(ColumnMatch(column, roles.get(name, "field"), name, "id"))
        return matches

    keys = [_key(c) for c in table.columns]
    chosen_respondent: int | None = None
    if respondent_column:
        wanted = respondent_column.strip()
        exact = [i for i, c in enumerate(table.columns) if c == wanted]
        loose = [i for i, k in enumerate(keys) if k == _key(wanted)]
        if not exact and not loose:
            raise ImportProblem(
                f"there is no column '{wanted}' for the respondent; the columns are "
                + ", ".join(f"'{_show(c, 40)}'" for c in table.columns)
            )
        chosen_respondent = (exact or loose)[0]

    timestamp_keys = (
        (*_COMPLETION_KEYS, *_TIMESTAMP_KEYS)
        if table.format == "ms-forms"
        else (*_TIMESTAMP_KEYS, *_COMPLETION_KEYS)
    )
    # An exact name first ("Timestamp"), else one with more words ("Timestamp (GMT+2)").
    candidates = [keys.index(k) for k in timestamp_keys if k in keys]
    candidates += [i for k in _TIME_PREFIXES for i, key in enumerate(keys) if key.startswith(k)]
    chosen_timestamp = next((i for i in candidates if i != chosen_respondent), None)
    index = _Questions(questionnaire)
    questions = {
        i: index.target(c)
        for i, c in enumerate(table.columns)
        if i not in {chosen_respondent, chosen_timestamp}
    }
    if chosen_respondent is None:
        chosen_respondent = next(
            (
                keys.index(k)
                for k in _RESPONDENT_KEYS
                if k in keys and questions.get(keys.index(k)) is None
                and keys.index(k) != chosen_timestamp
            ),
            None,
        )  # fmt: skip
    meta_keys = _MS_META_KEYS if table.format == "ms-forms" else _GOOGLE_META_KEYS
    matches: list[ColumnMatch] = []
    taken: set[str] = set()
    for index, column in enumerate(table.columns):
        if index == chosen_timestamp:
            matches.append(ColumnMatch(column, "timestamp", None, "label"))
        elif index == chosen_respondent:
            how = "manual" if respondent_column else "label"
            matches.append(ColumnMatch(column, "respondent", None, how))
        elif (found := questions.get(index)) is not None and found[1] not in taken:
            role, target, how = found
            taken.add(target)
            matches.append(ColumnMatch(column, role, target, how))
        elif keys[index] in meta_keys or keys[index] in _TIMESTAMP_KEYS or _is_ms_extra(column):
            matches.append(ColumnMatch(column, "ignore", None, "label"))
        else:
            matches.append(ColumnMatch(column, "ignore", None, "unmatched"))
    return matches


def _is_ms_extra(column: str) -> bool:
    """Microsoft Forms quiz columns that shadow each question."""
    return column.startswith(("Points - ", "Feedback - "))


# ---------------------------------------------------------------------------------------------
# Checking rows


@dataclass(frozen=True)
class RowProblem:
    """Why one row of the file is not imported. `row` is the line as a person counts it."""

    row: int
    column: str | None
    value: str | None
    reason: str

    def described(self) -> str:
        """The problem without its line: what the 'problem' cell of the download says."""
        if self.column is None:
            return self.reason
        return f"column '{_show_column(self.column)}': {self.reason}"

    def __str__(self) -> str:
        return (
            f"line {self.row}: {self.described()}"
            if self.column is None
            else (f"line {self.row}, {self.described()}")
        )


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do: the rows to append, and what is left out and why."""

    responses: pd.DataFrame
    problems: list[RowProblem]
    good_rows: int
    bad_rows: int
    duplicates: int  # responses already in the data file or repeated within the file
    already_imported: int = 0
    rows_read: int = 0
    source: str = ""
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    bad: list[tuple[int, list[str], str]] = field(default_factory=list)

    @property
    def response_count(self) -> int:
        return int(self.responses["response_id"].nunique())

    def report(self) -> str:
        """Counts, notes, then one line per problem: what the CLI prints and the page shows."""
        lines = [f"{self.rows_read} row(s) read ({self.source})."]
        lines.append(f"{self.response_count} new response(s) to import ({self.good_rows} row(s)).")
        if self.already_imported:
            lines.append(f"{self.already_imported} response(s) already imported; skipped.")
        if self.bad_rows:
            lines.append(f"{self.bad_rows} row(s) with problems skipped:")
        lines += [f"note: {note}" for note in self.notes]
        lines += [str(problem) for problem in self.problems]
        return "\n".join(lines)

    def bad_rows_csv(self) -> bytes:
        """The rows left out, as in the file, with their line and a 'problem' column; text that
        would run as a formula in a spreadsheet is neutralised."""
        width = max([len(self.columns), *(len(cells) for _, cells, _ in self.bad)])
        extra = [f"(extra {n})" for n in range(1, width - len(self.columns) + 1)]
        records = [
            [str(line), *cells, *[""] * (width - len(cells)), problem]
            for line, cells, problem in self.bad
        ]
        header = ["line", *self.columns, *extra, "problem"]
        frame = pd.DataFrame(records, columns=header, dtype="str")
        return csv_bytes(frame)


def _show(value: str, limit: int = _SHORT) -> str:
    """A cell as it reads in a one-line message: whitespace collapsed, long text cut."""
    text = " ".join(str(value).split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_column(column: str, limit: int = 60) -> str:
    """A header short enough for a message; of a grid header the part in brackets tells most."""
    text = _show(column, 10_000)
    grid = _GRID.match(text)
    if len(text) > limit and grid:
        return _show("…[" + grid["row"].strip() + "]", limit)
    return _show(text, limit)


# Times -----------------------------------------------------------------------------------------

_TIME = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})\.?"
    r"(?:(?:\s+|T|,\s*)(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?)?"
    r"\s*(?P<zone>(?:GMT|UTC)\s*(?:[+-]\d{1,2}(?::?\d{2})?)?|Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_ZONE = re.compile(
    r"(?<![a-z])(?:GMT|UTC)(?![a-z])\s*(?P<offset>[+-]\d{1,2}(?::?\d{2})?)?", re.IGNORECASE
)
_TIME_EXAMPLE = "such as 2026-03-14 09:05:12 or 3/14/2026 9:05:12"


def _offset(zone: str) -> timedelta:
    """GMT+1, UTC-05:30, Z, +0100 … as an offset from UTC."""
    zone = zone.strip().upper()
    sign_at = max(zone.find("+"), zone.find("-"))
    if sign_at < 0:
        return timedelta(0)
    digits = zone[sign_at + 1 :].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return -offset if zone[sign_at] == "-" else offset


def _day_first(values: list[str]) -> bool | None:
    """Whether day comes before month in this column's dates; None when no date tells."""
    day_first = month_first = 0
    for value in values:
        found = _TIME.fullmatch(value.strip())
        if found and len(found["a"]) <= 2:
            if int(found["a"]) > 12:
                day_first += 1
            elif int(found["b"]) > 12:
                month_first += 1
    if day_first == month_first == 0:
        return None
    return day_first >= month_first


@dataclass(frozen=True)
class _TimeReader:
    """Reads one column's times the same way: day/month order and zone decided per column."""

    day_first: bool
    default_offset: timedelta | None  # a zone named in the header

    @classmethod
    def for_column(cls, header: str, values: list[str]) -> tuple[_TimeReader, list[str]]:
        notes = []
        order = _day_first(values)
        if order is None:
            dotted = any((m := _TIME.fullmatch(v.strip())) and m["sep"] == "." for v in values)
            short = any((m := _TIME.fullmatch(v.strip())) and len(m["a"]) <= 2 for v in values)
            order = dotted
            if short and not dotted:
                notes.append(
                    f"no date in column '{_show(header)}' has a day above 12, so dates were read "
                    "as month/day/year (the US order Google and Microsoft use by default)"
                )
        zone = _ZONE.search(header)
        return cls(order, _offset(zone.group(0)) if zone else None), notes

    def read(self, value: str) -> tuple[pd.Timestamp | None, bool]:
        """(the time in UTC or None, whether the value named its zone)."""
        found = _TIME.fullmatch(value.strip())
        if not found:
            return None, False
        a, b, c = int(found["a"]), int(found["b"]), int(found["c"])
        if len(found["a"]) >= 3:
            year, month, day = a, b, c
        else:
            year = c + 2000 if len(found["c"]) <= 2 else c
            day, month = (a, b) if self.day_first else (b, a)
        hour = int(found["h"] or 0)
        if found["ampm"]:
            if not 1 <= hour <= 12:
                return None, False
            hour = hour % 12 + (12 if found["ampm"].lower().startswith("p") else 0)
        fraction = (found["f"] or "0")[:6].ljust(6, "0")
        try:
            if not 1970 <= year <= 2100:
                return None, False
            when = datetime(
                year, month, day, hour, int(found["m"] or 0), int(found["s"] or 0), int(fraction)
            )
            named = found["zone"] is not None
            offset = _offset(found["zone"]) if named else self.default_offset or timedelta(0)
            aware = when.replace(tzinfo=timezone(offset))
        except ValueError:
            return None, False
        return pd.Timestamp(aware).tz_convert("UTC"), named or self.default_offset is not None


# Values ----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_NUMBERED_LABEL = re.compile(r"(?P<n>\d+)\s*[-–—:.)(=]\s*(?P<label>.+)", re.DOTALL)


def _allowed(scale: Scale) -> str:
    numbers = f"{scale.min}–{scale.max}"
    if not scale.labels:
        return f"whole numbers {numbers}"
    return f"{numbers} or " + ", ".join(scale.labels[p] for p in scale.points if p in scale.labels)


class _ScaleValues:
    """`_scale_value` once per distinct text and scale: a form export repeats the same few words
    in every column, and reading them again cost most of a 20,000-row import."""

    def __init__(self) -> None:
        self._read: dict[tuple[int, str], tuple[int | None, str | None]] = {}

    def read(self, raw: str, scale: Scale) -> tuple[int | None, str | None]:
        key = (id(scale), raw)  # (the questionnaire, and so its scales, outlives the import)
        found = self._read.get(key)
        if found is None:
            found = self._read[key] = _scale_value(raw, scale)
        return found


def _scale_value(raw: str, scale: Scale) -> tuple[int | None, str | None]:
    """(the point on the scale, None) or (None, why not); a blank answer is (None, None)."""
    text = raw.strip()
    if not text:
        return None, None
    shown = f"'{_show(text, 40)}'"
    if _NUMBER.fullmatch(text):
        number = float(text.replace(",", "."))
        if not number.is_integer():
            return None, f"{shown} is not a point on the scale ({_allowed(scale)})"
        if not scale.min <= number <= scale.max:
            return None, f"{shown} is outside the scale ({_allowed(scale)})"
        return int(number), None
    labels = {_key(label): point for point, label in scale.labels.items()}
    if _key(text) in labels:
        return labels[_key(text)], None
    numbered = _NUMBERED_LABEL.fullmatch(text)
    if numbered and scale.min <= int(numbered["n"]) <= scale.max:
        point = int(numbered["n"])
        label = scale.labels.get(point)
        if label is None or _key(label) == _key(numbered["label"]):
            return point, None
        return None, f"{shown} is not on the scale: {point} is '{label}' ({_allowed(scale)})"
    reason = f"{shown} is not on the scale ({_allowed(scale)})"
    close = difflib.get_close_matches(
        text.casefold(), [v.casefold() for v in scale.labels.values()]
    )
    if close:
        label = next(v for v in scale.labels.values() if v.casefold() == close[0])
        reason += f"; did you mean '{label}'?"
    return None, reason


def _clean_text(raw: str) -> str:
    """Reflection text as stored: control characters other than newline and tab removed."""
    return "".join(
        ch for ch in raw if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf"}
    ).strip()


# Planning --------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: list[str]
    problems: list[RowProblem] = field(default_factory=list)
    response_id: str = ""
    records: list[dict[str, object]] = field(default_factory=list)


def _ragged(row: _Row, width: int) -> RowProblem | None:
    cells = row.cells
    if len(cells) == width or (len(cells) > width and _is_blank(cells[width:])):
        return None
    return RowProblem(
        row.line,
        None,
        None,
        f"{len(cells)} cells where the header has {width} columns (a missing or extra "
        f"delimiter, or an unclosed quote?)",
    )


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    if not records:
        return store.empty_responses()
    frame = pd.DataFrame(records, columns=RESPONSE_COLUMNS)
    for column in ("response_id", "respondent", "session", "questionnaire_id", "item_id", "text"):
        frame[column] = frame[column].astype("str")
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    frame["questionnaire_version"] = frame["questionnaire_version"].astype("Int64")
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    return frame


def _session_code(session: str) -> str:
    if not session.strip():
        return ""
    problem = code_problem(session)
    if problem:
        raise ImportProblem(f"session code '{_show(session, 20)}': {problem}")
    return normalise_code(session)


def _respondent(raw: str, default: str) -> tuple[str, str | None]:
    text = raw.strip()
    if not text or text.casefold() == "anonymous":  # Microsoft Forms writes "anonymous"
        return default, None
    try:
        return clean_alias(text), None
    except ResponseError as exc:
        return "", f"'{_show(text, 40)}' cannot be the respondent's alias: {exc}"


def _reflection(raw: str, column: str, line: int, notes: list[str]) -> str:
    text = _clean_text(raw)
    if len(text) > REFLECTION_MAX_LENGTH:
        notes.append(
            f"line {line}, column '{_show(column)}': the text ({len(text):,} characters) was cut "
            f"to {REFLECTION_MAX_LENGTH:,}"
        )
        text = text[:REFLECTION_MAX_LENGTH].rstrip()
    return text


def plan_import(
    table: Table,
    mapping: list[ColumnMatch],
    questionnaire: Questionnaire,
    *,
    existing_ids: set[str],
    session: str = "",
    default_respondent: str = DEFAULT_RESPONDENT,
) -> ImportPlan:
    """Check every row and build the long rows to append; nothing is written here.

    `existing_ids` are the response ids already in the data file (`existing_response_ids`):
    responses among them count as already imported. A file that cannot be imported at all (no
    timestamp or question column, a bad session code) raises ImportProblem.
    """
    session_code = _session_code(session)
    try:
        default_alias = clean_alias(default_respondent)
    except ResponseError as exc:
        raise ImportProblem(f"default respondent: {exc}") from exc
    notes = list(table.notes)
    rows = [_Row(line, cells) for line, cells in zip(table.lines, table.rows, strict=True)]
    if table.format == "long":
        outcome = _plan_long(table, rows, questionnaire, existing_ids, session_code, default_alias)
    else:
        checked = _checked_mapping(table, mapping, questionnaire)
        outcome = _plan_wide(
            table, rows, checked, questionnaire, existing_ids, session_code, default_alias, notes
        )
    records, already, repeated, extra_notes, group_problems = outcome
    notes += extra_notes
    problems = [p for row in rows for p in row.problems] + group_problems
    problems.sort(key=lambda p: p.row)
    rejected = {row.response_id for row in rows if row.problems and row.response_id}
    bad_lines = {p.row for row in rows for p in row.problems} | {
        row.line for row in rows if row.response_id in rejected
    }
    group_reasons: dict[str | None, str] = {}
    for group_problem in group_problems:
        group_reasons.setdefault(group_problem.value, group_problem.reason)
    bad = []
    for row in rows:
        if row.line in bad_lines:
            own = [p.described() for p in row.problems] or [
                group_reasons.get(row.response_id, "left out with its response")
            ]
            bad.append((row.line, row.cells, " | ".join(own)))
    responses = _frame(records)
    good_rows = sum(1 for row in rows if row.records and row.line not in bad_lines)
    return ImportPlan(
        responses=responses,
        problems=problems,
        good_rows=good_rows,
        bad_rows=len(bad),
        duplicates=already + repeated,
        already_imported=already,
        rows_read=len(rows),
        source=table.describe(),
        notes=notes,
        columns=list(table.columns),
        bad=bad,
    )


_Outcome = tuple[list[dict[str, object]], int, int, list[str], list[RowProblem]]


@dataclass(frozen=True)
class _Mapping:
    timestamp: int
    respondent: int | None
    items: list[tuple[int, str]]
    reflections: list[tuple[int, str]]
    extra_key: int | None  # Microsoft Forms' own response number


def _checked_mapping(
    table: Table, mapping: list[ColumnMatch], questionnaire: Questionnaire
) -> _Mapping:
    index = {c: i for i, c in enumerate(table.columns)}
    items = questionnaire.item_by_id
    reflections = {r.id for r in questionnaire.reflections}
    timestamps: list[int] = []
    respondents: list[int] = []
    chosen_items: list[tuple[int, str]] = []
    chosen_reflections: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    for match in mapping:
        if match.column not in index:
            raise ImportProblem(
                f"the mapping names a column '{_show(match.column)}' the file lacks"
            )
        if match.role not in ROLES:
            raise ImportProblem(f"unknown role '{match.role}' for column '{_show(match.column)}'")
        position = index[match.column]
        if match.role == "timestamp":
            timestamps.append(position)
        elif match.role == "respondent":
            respondents.append(position)
        elif match.role in {"item", "reflection"}:
            known = items if match.role == "item" else reflections
            if match.target not in known:
                raise ImportProblem(
                    f"column '{_show(match.column)}' is mapped to '{match.target}', which is not "
                    f"a{'n item' if match.role == 'item' else ' reflection'} of "
                    f"'{questionnaire.title}'"
                )
            if match.target in seen:
                raise ImportProblem(
                    f"columns '{_show(seen[match.target])}' and '{_show(match.column)}' are both "
                    f"mapped to '{match.target}'; skip one of them"
                )
            seen[match.target] = match.column
            chosen = chosen_items if match.role == "item" else chosen_reflections
            chosen.append((position, match.target))
    if not timestamps:
        raise ImportProblem(
            "no column holds the time each response was submitted (such as 'Timestamp' or "
            "'Completion time'); map one as the timestamp"
        )
    if len(timestamps) > 1 or len(respondents) > 1:
        what = "timestamp" if len(timestamps) > 1 else "respondent"
        raise ImportProblem(f"only one column can be the {what}")
    if not chosen_items and not chosen_reflections:
        raise ImportProblem(
            f"no column matches a question of '{questionnaire.title}'; map the columns by hand "
            "or check that this is the right questionnaire"
        )
    keys = [_key(c) for c in table.columns]
    extra_key = keys.index("id") if table.format == "ms-forms" and "id" in keys else None
    return _Mapping(
        timestamps[0],
        respondents[0] if respondents else None,
        chosen_items,
        chosen_reflections,
        extra_key,
    )


def _cell(cells: list[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""


def _plan_wide(
    table: Table,
    rows: list[_Row],
    mapping: _Mapping,
    questionnaire: Questionnaire,
    existing_ids: set[str],
    session: str,
    default_alias: str,
    notes: list[str],
) -> _Outcome:
    width = len(table.columns)
    time_header = table.columns[mapping.timestamp]
    reader, time_notes = _TimeReader.for_column(
        time_header, [_cell(r.cells, mapping.timestamp) for r in rows]
    )
    out_notes = list(time_notes)
    mapped = {i for i, _ in mapping.items}
    mapped_items = {t for _, t in mapping.items}
    missing = [i.id for i in questionnaire.active_items if i.id not in mapped_items]
    if missing:
        out_notes.append(
            f"{len(missing)} item(s) have no column and stay unanswered: {', '.join(missing[:6])}"
            + ("…" if len(missing) > 6 else "")
        )
    used = mapped | {p for p, _ in mapping.reflections}
    used |= {mapping.timestamp, mapping.respondent, mapping.extra_key}
    unmatched = [c for i, c in enumerate(table.columns) if i not in used]
    if unmatched:
        out_notes.append(
            f"{len(unmatched)} column(s) ignored: "
            + ", ".join(f"'{_show(c, 40)}'" for c in unmatched[:6])
            + ("…" if len(unmatched) > 6 else "")
        )
    records: list[dict[str, object]] = []
    already = repeated = 0
    zoneless = False
    items = questionnaire.item_by_id
    item_scales = [(p, i, questionnaire.scale_of(items[i])) for p, i in mapping.items]
    values = _ScaleValues()
    first_raw: dict[tuple[str, ...], int] = {}
    first_id: dict[str, int] = {}
    for row in rows:
        raw_key = tuple(cell.strip() for cell in row.cells)
        if raw_key in first_raw:
            repeated += 1
            row.problems.append(
                RowProblem(row.line, None, None, f"repeats line {first_raw[raw_key]} exactly")
            )
            continue
        first_raw[raw_key] = row.line
        ragged = _ragged(row, width)
        if ragged:
            row.problems.append(ragged)
            continue
        cells = row.cells
        raw_time = _cell(cells, mapping.timestamp)
        when, named = reader.read(raw_time)
        if when is None:
            row.problems.append(RowProblem(row.line, time_header, raw_time, _time_reason(raw_time)))
        zoneless = zoneless or (when is not None and not named)
        alias = default_alias
        if mapping.respondent is not None:
            raw_alias = _cell(cells, mapping.respondent)
            alias, alias_problem = _respondent(raw_alias, default_alias)
            if alias_problem:
                column = table.columns[mapping.respondent]
                row.problems.append(RowProblem(row.line, column, raw_alias, alias_problem))
        answers: dict[str, int] = {}
        for position, item_id, scale in item_scales:
            value, problem = values.read(_cell(cells, position), scale)
            if problem:
                row.problems.append(
                    RowProblem(row.line, table.columns[position], _cell(cells, position), problem)
                )
            elif value is not None:
                answers[item_id] = value
        texts: dict[str, str] = {}
        for position, reflection_id in mapping.reflections:
            text = _reflection(_cell(cells, position), table.columns[position], row.line, notes)
            if text:
                texts[reflection_id] = text
        if not row.problems and not answers and not texts:
            row.problems.append(RowProblem(row.line, None, None, "empty row: no answers"))
        if row.problems or when is None:
            continue
        extra = _cell(cells, mapping.extra_key) if mapping.extra_key is not None else ""
        seed = "\x1f".join(
            [
                questionnaire.id,
                when.isoformat(),
                alias,
                extra.strip(),
                *(f"{k}={answers[k]}" for k in sorted(answers)),
                *(f"{k}={texts[k]}" for k in sorted(texts)),
            ]
        )
        response_id = str(uuid.uuid5(ID_NAMESPACE, seed))
        if response_id in existing_ids:
            already += 1
            continue
        if response_id in first_id:
            repeated += 1
            row.problems.append(
                RowProblem(
                    row.line,
                    None,
                    None,
                    f"the same response as line {first_id[response_id]} (same time, respondent "
                    "and answers)",
                )
            )
            continue
        first_id[response_id] = row.line
        row.response_id = response_id
        common = {
            "response_id": response_id,
            "submitted_at": when,
            "respondent": alias,
            "session": session,
            "questionnaire_id": questionnaire.id,
            "questionnaire_version": questionnaire.version,
        }
        row.records = [
            {**common, "item_id": item_id, "value": float(answers[item_id]), "text": ""}
            for _, item_id in mapping.items
            if item_id in answers
        ] + [
            {**common, "item_id": reflection_id, "value": None, "text": texts[reflection_id]}
            for _, reflection_id in mapping.reflections
            if reflection_id in texts
        ]
        records += row.records
    if zoneless:
        out_notes.append(
            f"times in column '{_show(time_header)}' name no time zone; they were read as UTC"
        )
    return records, already, repeated, out_notes, []


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


_META = ("submitted_at", "respondent", "session", "questionnaire_id", "questionnaire_version")


def _plan_long(
    table: Table,
    rows: list[_Row],
    questionnaire: Questionnaire,
    existing_ids: set[str],
    session: str,
    default_alias: str,
) -> _Outcome:
    width = len(table.columns)
    at = {c.casefold(): i for i, c in enumerate(table.columns)}
    columns = {name: table.columns[at[name]] for name in RESPONSE_COLUMNS}

    def cell(row: _Row, name: str) -> str:
        return _cell(row.cells, at[name])

    reader, out_notes = _TimeReader.for_column(
        "submitted_at", [cell(r, "submitted_at") for r in rows]
    )
    extra = [c for c in table.columns if c.casefold() not in RESPONSE_COLUMNS]
    if extra:
        out_notes.append(
            f"{len(extra)} column(s) ignored: " + ", ".join(f"'{_show(c, 40)}'" for c in extra)
        )
    items = questionnaire.item_by_id
    reflections = {r.id for r in questionnaire.reflections}
    values = _ScaleValues()
    zoneless = False
    metas: dict[int, tuple[object, ...]] = {}
    answers: dict[int, dict[str, object]] = {}
    notes: list[str] = []

    def problem(row: _Row, name: str | None, value: str | None, reason: str) -> None:
        row.problems.append(RowProblem(row.line, columns[name] if name else None, value, reason))

    for row in rows:
        raw_id = cell(row, "response_id").strip()
        ragged = _ragged(row, width)
        if ragged:
            # Still tied to its response (when the id reads), so the response is left out whole.
            row.response_id = raw_id if _is_uuid(raw_id) else ""
            row.problems.append(ragged)
            continue
        if _is_uuid(raw_id):
            row.response_id = raw_id
        else:
            reason = (
                "no response id"
                if not raw_id
                else f"'{_show(raw_id, 40)}' is not a response id (a UUID such as "
                "3f2b8c1e-5d6a-4e7b-9c0d-1a2b3c4d5e6f)"
            )
            problem(row, "response_id", raw_id, reason)
        raw_time = cell(row, "submitted_at")
        when, named = reader.read(raw_time)
        if when is None:
            problem(row, "submitted_at", raw_time, _time_reason(raw_time))
        zoneless = zoneless or (when is not None and not named)
        alias, alias_problem = _respondent(cell(row, "respondent"), default_alias)
        if alias_problem:
            problem(row, "respondent", cell(row, "respondent"), alias_problem)
        row_session = session
        if not session and cell(row, "session").strip():
            raw_session = cell(row, "session")
            session_problem = code_problem(raw_session)
            if session_problem:
                problem(
                    row, "session", raw_session, f"'{_show(raw_session, 20)}': {session_problem}"
                )
            row_session = normalise_code(raw_session)
        questionnaire_id = cell(row, "questionnaire_id").strip()
        if questionnaire_id != questionnaire.id:
            problem(
                row,
                "questionnaire_id",
                questionnaire_id,
                f"'{_show(questionnaire_id, 40)}' is another questionnaire than "
                f"'{questionnaire.id}'",
            )
        raw_version = cell(row, "questionnaire_version").strip()
        version = int(raw_version) if raw_version.isdigit() and int(raw_version) >= 1 else None
        if version is None:
            problem(
                row,
                "questionnaire_version",
                raw_version,
                f"'{_show(raw_version, 20)}' is not a questionnaire version (1, 2, …)",
            )
        item_id = cell(row, "item_id").strip()
        raw_value = cell(row, "value")
        value: int | None = None
        text = ""
        if item_id in items:
            value, value_problem = values.read(raw_value, questionnaire.scale_of(items[item_id]))
            if value_problem:
                problem(row, "value", raw_value, value_problem)
        elif item_id in reflections:
            if raw_value.strip():
                problem(row, "value", raw_value, "a reflection has text, not a value")
            text = _reflection(cell(row, "text"), columns["text"], row.line, notes)
        else:
            reason = (
                "no item id"
                if not item_id
                else f"'{_show(item_id, 40)}' is not an item of '{questionnaire.id}'"
            )
            problem(row, "item_id", item_id, reason)
        metas[row.line] = (when, alias, row_session, questionnaire_id, version)
        answers[row.line] = {
            "item_id": item_id,
            "value": None if value is None else float(value),
            "text": text,
        }

    groups: dict[str, list[_Row]] = {}
    for row in rows:
        if row.response_id:
            groups.setdefault(row.response_id, []).append(row)
    records: list[dict[str, object]] = []
    already = repeated = 0
    group_problems: list[RowProblem] = []
    for response_id, members in groups.items():
        if response_id in existing_ids:
            already += 1
            for member in members:
                member.problems.clear()
            continue
        first = members[0]
        seen_items: dict[str, int] = {}
        clashed = False
        for member in members:
            if member.line not in metas:
                continue
            if first.line in metas and member is not first:
                differs = [
                    name
                    for name, mine, theirs in zip(
                        _META, metas[member.line], metas[first.line], strict=True
                    )
                    if mine is not None and theirs is not None and mine != theirs
                ]
                if differs:
                    clashed = True
                    problem(
                        member,
                        None,
                        response_id,
                        f"duplicate response id: line {first.line} uses the same id with another "
                        f"{', '.join(differs)}",
                    )
                    continue
            item_id = str(answers[member.line]["item_id"])
            if item_id in seen_items:
                problem(
                    member,
                    None,
                    response_id,
                    f"duplicate response id: '{item_id}' is answered again in this response "
                    f"(first on line {seen_items[item_id]})",
                )
                clashed = True
            elif item_id:
                seen_items[item_id] = member.line
        repeated += int(clashed)
        if any(m.problems for m in members):
            left = [m for m in members if not m.problems]
            if left:
                group_problems.append(
                    RowProblem(
                        left[0].line,
                        None,
                        response_id,
                        f"left out with its response {response_id[:8]}…, which has problems "
                        f"on line {_list_lines([m.line for m in members if m.problems])}",
                    )
                )
            continue
        has_answer = any(
            answers[m.line]["value"] is not None or answers[m.line]["text"] for m in members
        )
        if not has_answer:
            problem(first, None, response_id, "empty response: no answers")
            continue
        when, alias, row_session, questionnaire_id, version = metas[first.line]
        for member in members:
            member.records = [
                {
                    "response_id": response_id,
                    "submitted_at": when,
                    "respondent": alias,
                    "session": row_session,
                    "questionnaire_id": questionnaire_id,
                    "questionnaire_version": version,
                    **answers[member.line],
                }
            ]
            records += member.records
    if zoneless:
        out_notes.append("times in column 'submitted_at' name no time zone; they were read as UTC")
    return records, already, repeated, out_notes + notes, group_problems


# ---------------------------------------------------------------------------------------------
# Saving


def existing_response_ids(path: str | Path) -> set[str]:
    """The response ids already in the data file (what `plan_import` needs as `existing_ids`)."""
    return store.response_ids(path)


def import_responses(path: str | Path, plan: ImportPlan) -> int:
    """Append the plan's responses in one write; return how many responses were added.

    All or nothing (`store.append_responses`): on any StoreError the data file is exactly as it
    was. The store leaves out, under its lock, every response the whole file holds already, so a
    stale plan, or the same file imported by someone else at the same time, adds nothing twice.
    """
    if plan.responses.empty:
        return 0
    return store.append_responses(path, plan.responses)


def _time_reason(raw_time: str) -> str:
    """Why a time cell could not be read, for the row report."""
    if not raw_time.strip():
        return "no time given"
    return f"'{_show(raw_time, 40)}' is not a readable date and time ({_TIME_EXAMPLE})"


# ---------------------------------------------------------------------------------------------
# The mapping as people fix it: one choice per column


SKIP_CHOICE = "— skip this column —"


def mapping_choices(questionnaire: Questionnaire) -> dict[str, tuple[str, str | None]]:
    """What a column can be used as, by the label a person picks: label -> (role, target)."""
    choices: dict[str, tuple[str, str | None]] = {
        SKIP_CHOICE: ("ignore", None),
        "Time submitted": ("timestamp", None),
        "Name or alias": ("respondent", None),
    }
    for item in questionnaire.items:
        retired = " (retired)" if item.retired else ""
        choices[f"{item.id}{retired}: {_show(item.text, 70)}"] = ("item", item.id)
    for prompt in questionnaire.reflections:
        choices[f"{prompt.id} (reflection): {_show(prompt.text, 60)}"] = ("reflection", prompt.id)
    return choices


def choices_of(mapping: list[ColumnMatch], questionnaire: Questionnaire) -> list[str]:
    """The label of `mapping_choices` that each column's current match stands for."""
    label_of = {choice: label for label, choice in mapping_choices(questionnaire).items()}
    return [
        label_of.get(
            (match.role, match.target if match.role in {"item", "reflection"} else None),
            SKIP_CHOICE,
        )
        for match in mapping
    ]


def with_choices(
    mapping: list[ColumnMatch], chosen: dict[str, str], questionnaire: Questionnaire
) -> list[ColumnMatch]:
    """The mapping after a person's fixes (`chosen`: column -> label); changed columns are
    marked manual, the others keep how they were matched."""
    choices = mapping_choices(questionnaire)
    fixed = []
    for match, current in zip(mapping, choices_of(mapping, questionnaire), strict=True):
        label = chosen.get(match.column, current)
        if label == current or label not in choices:
            fixed.append(match)
        else:
            role, target = choices[label]
            fixed.append(ColumnMatch(match.column, role, target, "manual"))
    return fixed


def session_note(sessions: Path, code: str, questionnaire: Questionnaire) -> str | None:
    """Why imported answers tagged `code` would not show on the Workshop page, or None.

    Workshop counts answers under a session opened there (codes are made when a session is
    opened) for the same questionnaire.
    """
    if not code.strip():
        return None
    try:
        saved = load_workshops(sessions).find(normalise_code(code))
    except store.StoreError:
        return None
    if saved is None:
        return (
            f"no workshop session {normalise_code(code)} is open here; open one on the Workshop "
            "page and import with its code to see these answers there"
        )
    if saved.questionnaire_id != questionnaire.id:
        return (
            f"workshop session {saved.code} uses the questionnaire '{saved.questionnaire_id}', "
            f"not '{questionnaire.id}'; the Workshop page will not count these responses"
        )
    return None


def likely_questionnaire(table: Table, questionnaires: dict[str, Questionnaire]) -> str:
    """The questionnaire a file most likely answers: the one most of its columns match (or, for
    our long format, the one its rows name most often); the first one when nothing matches."""
    ids = list(questionnaires)
    if table.format == "long" and "questionnaire_id" in table.columns:
        position = table.columns.index("questionnaire_id")
        named = Counter(row[position] for row in table.rows if len(row) > position)
        return max(ids, key=lambda qid: named.get(qid, 0))
    matched = {
        qid: sum(m.role in {"item", "reflection"} for m in auto_mapping(table, questionnaire))
        for qid, questionnaire in questionnaires.items()
    }
    return max(ids, key=lambda qid: matched[qid])
