"""How numbers are shown: whole points, rounded half up, everywhere people read a score.

Two five-point items per side move a strategy in steps of 12.5, so a decimal would claim a
precision the questionnaire does not have; Python's round() is half-even (72.5 -> 72 but
57.5 -> 58), which people read as inconsistent.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
import pandas as pd

Numbers = TypeVar("Numbers", pd.Series, pd.DataFrame)


def whole_points(values: Numbers) -> Numbers:
    """Half up (72.5 -> 73), the one rounding rule for numbers people see."""
    return np.floor(values.astype("float64") + 0.5)


def points(value: float) -> str:
    """One score as people read it: "73", or "—" when there is none."""
    if value is None or math.isnan(value):
        return "—"
    return str(math.floor(value + 0.5))


def signed_points(value: float) -> str:
    """A change as people read it: "+3", "-2", "±0" (a level change is neither up nor down)."""
    whole = math.floor(abs(value) + 0.5)
    if whole == 0:
        return "±0"
    return f"{'+' if value > 0 else '-'}{whole}"
