"""Whole points, half up: the one way a score is shown."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alignment.numbers import points, signed_points, whole_points


def test_points_round_half_up_where_python_rounds_half_even():
    assert [points(v) for v in (72.5, 57.5, 87.5, 12.5, 0.49, 100.0)] == [
        "73",
        "58",
        "88",
        "13",
        "0",
        "100",
    ]
    assert round(72.5) == 72  # the rule this replaces


def test_a_missing_score_reads_as_a_dash():
    assert points(math.nan) == "—"


def test_changes_carry_their_sign_and_a_level_change_neither():
    assert [signed_points(v) for v in (2.5, -2.5, 0.4, -0.4, -12.5)] == [
        "+3",
        "-3",
        "±0",
        "±0",
        "-13",
    ]


def test_whole_points_of_a_column_keep_missing_values():
    rounded = whole_points(pd.Series([72.5, 57.5, np.nan]))
    assert list(rounded[:2]) == [73, 58] and math.isnan(rounded[2])
