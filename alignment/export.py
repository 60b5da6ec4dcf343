"""Files people take away. Pure functions: data in, bytes out."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pandas as pd

from alignment.scoring import Scores, scores_table

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Prefix a would-be formula with an apostrophe so spreadsheets show it as text."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell is safe to open in a spreadsheet; numbers are untouched."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_string_dtype(series) or series.dtype == object:
            safe[column] = series.map(lambda v: neutralise_formula(v) if isinstance(v, str) else v)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for people: formulas neutralised, numbers to 2 decimals, UTF-8."""
    safe = neutralise_formulas(frame)
    return safe.to_csv(index=False, float_format="%.2f", lineterminator="\n").encode("utf-8")


def scores_csv(scores: Scores) -> bytes:
    """The scores CSV of DESIGN.md."""
    table = scores_table(scores).copy()
    table["submitted_at"] = table["submitted_at"].map(_iso)
    return csv_bytes(table)


def _iso(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat().replace("+00:00", "Z")
    return value


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
