"""Files people take away. Pure functions: data in, bytes out."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pandas as pd

from alignment.csv_writer import frame_csv
from alignment.questionnaire import Questionnaire
from alignment.scoring import META_COLUMNS, Scores, scores_table
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
    first = text[:1]
    if first.isascii() and first.isalnum():  # most texts: ids, names, numbers
        return text
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
        texts = [value for value in distinct.tolist() if isinstance(value, str)]
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
    table["submitted_at"] = iso_column(table["submitted_at"])
    return csv_bytes(table)


def _iso(value: object) -> object:
    """ISO 8601 in UTC with a `Z`, as the responses and scores contracts write times."""
    if isinstance(value, datetime) and not pd.isna(value):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    return value


def iso_column(series: pd.Series) -> pd.Series:
    """`_iso` for a whole column at once; text (rows straight from `build_response`) stays.

    Each distinct time is written once: a scores file repeats a response's time on every row.
    """
    if not pd.api.types.is_datetime64_any_dtype(series):
        return series.map(_iso)
    utc = series.dt.tz_localize("UTC") if series.dt.tz is None else series.dt.tz_convert("UTC")
    codes, distinct = pd.factorize(utc, use_na_sentinel=True)
    text = distinct.strftime("%Y-%m-%dT%H:%M:%S.%f").str.removesuffix(".000000") + "Z"
    spread = pd.array(text, dtype="str").take(codes, allow_fill=True)
    return pd.Series(spread, index=series.index, name=series.name)


def as_utc(value: datetime) -> pd.Timestamp:
    """The moment in UTC; a time without a zone is taken to be UTC already (as stored)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def with_times(frame: pd.DataFrame) -> pd.DataFrame:
    """`submitted_at` as UTC times even when the rows come straight from `build_response` (text)."""
    if pd.api.types.is_datetime64_any_dtype(frame["submitted_at"]):
        return frame
    times = pd.to_datetime(frame["submitted_at"], utc=True, format="ISO8601", errors="coerce")
    return frame.assign(submitted_at=times)


def whole_numbers(series: pd.Series) -> pd.Series:
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
    table["submitted_at"] = iso_column(table["submitted_at"])
    table["questionnaire_version"] = whole_numbers(table["questionnaire_version"])
    table["value"] = whole_numbers(table["value"])
    return _safe_csv(table)  # no rounding: raw answers stay as given


def wide_responses(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """One row per response to `questionnaire`: meta, raw answers by item id, reflections.

    The shape most people want for their own analysis in a spreadsheet. Values are the raw
    answers (reversed items are not flipped; scoring does that). Answers to ids the questionnaire
    does not define are left out here; the scoring report counts them. Retired items keep their
    column so older responses lose nothing. Text is returned as given; the file writers
    neutralise it.
    """
    rows = with_times(frame.loc[frame["questionnaire_id"] == questionnaire.id])
    item_ids = [item.id for item in questionnaire.items]
    reflection_ids = [reflection.id for reflection in questionnaire.reflections]
    meta = (
        rows.groupby("response_id", sort=False)[META_COLUMNS[1:]]
        .first()
        .reset_index()
        .sort_values(["submitted_at", "response_id"], kind="stable")
        .reset_index(drop=True)
    )
    meta["questionnaire_version"] = whole_numbers(meta["questionnaire_version"])
    latest = rows.drop_duplicates(["response_id", "item_id"], keep="last")

    def spread(ids: list[str], column: str) -> pd.DataFrame:
        chosen = latest.loc[latest["item_id"].isin(ids), ["response_id", "item_id", column]]
        table = chosen.pivot(index="response_id", columns="item_id", values=column)
        return table.reindex(index=meta["response_id"], columns=ids).reset_index(drop=True)

    answers = spread(item_ids, "value")
    for item_id in item_ids:
        answers[item_id] = whole_numbers(answers[item_id])
    texts = spread(reflection_ids, "text")
    for reflection_id in reflection_ids:
        texts[reflection_id] = texts[reflection_id].astype(object).fillna("").astype("str")
    wide = pd.concat([meta, answers, texts], axis=1)
    wide.columns.name = None
    return wide


def wide_csv(frame: pd.DataFrame, questionnaire: Questionnaire) -> bytes:
    """`wide_responses` as CSV: times in UTC with `Z`, raw answers as whole numbers."""
    table = wide_responses(frame, questionnaire)
    table["submitted_at"] = iso_column(table["submitted_at"])
    return _safe_csv(table)  # no rounding: raw answers stay as given


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
