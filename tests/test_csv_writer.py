"""The fast CSV writer writes exactly what pandas' `to_csv` writes, on any table we export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import export
from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.csv_writer import frame_csv
from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses, scores_table
from alignment.store import load_responses

MAIN = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")

# Text that trips writers: separators, quotes, both line ends, formulas, wide characters.
HOSTILE = st.text(alphabet=st.sampled_from(list(",\"\n\r \t=+-@ab\u00e9\u4e2d\U0001f600'")))
ENDINGS = st.sampled_from(["\n", "\r\n"])
FORMATS = st.sampled_from([None, "%.2f", "%.1f"])


def pandas_csv(frame: pd.DataFrame, float_format: str | None, ending: str) -> bytes:
    return frame.to_csv(index=False, float_format=float_format, lineterminator=ending).encode()


@st.composite
def tables(draw) -> pd.DataFrame:
    rows = draw(st.integers(0, 12))
    floats = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([12.5, 62.5, 0.125, 1 / 3, 2.675, 1e16, 2.5e-7, -0.0]),
    )
    kinds = {
        "float": lambda: pd.Series(
            draw(st.lists(floats, min_size=rows, max_size=rows)), dtype="float64"
        ),
        "int": lambda: pd.Series(
            draw(st.lists(st.integers(-(10**12), 10**12), min_size=rows, max_size=rows)),
            dtype="int64",
        ),
        "nullable int": lambda: pd.Series(
            draw(st.lists(st.none() | st.integers(0, 100), min_size=rows, max_size=rows)),
            dtype="Int64",
        ),
        "bool": lambda: pd.Series(draw(st.lists(st.booleans(), min_size=rows, max_size=rows))),
        "str": lambda: pd.Series(
            draw(st.lists(st.none() | HOSTILE, min_size=rows, max_size=rows)), dtype="str"
        ),
        "object": lambda: pd.Series(
            draw(st.lists(st.none() | HOSTILE, min_size=rows, max_size=rows)), dtype=object
        ),
        "category": lambda: pd.Series(
            draw(st.lists(st.none() | HOSTILE, min_size=rows, max_size=rows)), dtype="category"
        ),
    }
    names = draw(st.lists(HOSTILE, min_size=1, max_size=5, unique=True))
    return pd.DataFrame(
        {name: kinds[draw(st.sampled_from(sorted(kinds)))]() for name in names},
        index=range(rows),
    )


@settings(max_examples=300, deadline=None)
@given(frame=tables(), float_format=FORMATS, ending=ENDINGS)
def test_any_table_is_written_byte_for_byte_as_pandas_writes_it(frame, float_format, ending):
    assert frame_csv(frame, float_format=float_format, ending=ending) == pandas_csv(
        frame, float_format, ending
    )


def test_the_sample_scores_file_is_what_pandas_wrote():
    sample_frame = load_responses(SAMPLE_RESPONSES).frame
    table = scores_table(score_responses(sample_frame, MAIN))
    table["submitted_at"] = export.iso_column(table["submitted_at"])
    written = export.scores_csv(score_responses(sample_frame, MAIN))
    assert written == pandas_csv(export.neutralise_formulas(table), "%.2f", "\n")
    assert written.count(b"\n") == len(table) + 1


def test_the_sample_responses_export_is_what_pandas_wrote():
    frame = load_responses(SAMPLE_RESPONSES).frame
    table = frame.copy()
    table["submitted_at"] = export.iso_column(table["submitted_at"])
    table["questionnaire_version"] = export.whole_numbers(table["questionnaire_version"])
    table["value"] = export.whole_numbers(table["value"])
    assert export.responses_csv(frame) == pandas_csv(export.neutralise_formulas(table), None, "\n")


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.to_datetime(["2026-01-01T00:00:00", "2026-03-04T05:06:07"], utc=True)),
        pd.Series([1, "two"], dtype=object),  # mixed objects: pandas decides
        pd.Series([pd.Timedelta("1h"), pd.NaT]),
    ],
)
def test_kinds_it_does_not_format_are_left_to_pandas(column):
    frame = pd.DataFrame({"when": column, "n": [1, 2]})
    assert frame_csv(frame) == pandas_csv(frame, None, "\n")


def test_a_one_column_table_quotes_an_empty_cell_as_the_csv_module_does():
    frame = pd.DataFrame({"text": ["", "a"]})
    assert frame_csv(frame) == b'text\n""\na\n'


def test_a_long_table_is_joined_in_order():
    rows = 50_000
    frame = pd.DataFrame(
        {
            "id": [f"r{n % 977}" for n in range(rows)],
            "score": np.arange(rows) / 8,
            "note": pd.Series(["a,b", 'say "hi"', "two\nlines", None] * (rows // 4), dtype="str"),
        }
    )
    assert frame_csv(frame, float_format="%.2f") == pandas_csv(frame, "%.2f", "\n")
