"""The scoring model of DESIGN.md, computed for many responses at once.

Scores are always derived from raw answers plus the questionnaire, never stored. Every step is a
whole-column pandas operation so a million answer rows score in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from alignment.questionnaire import Questionnaire

# Tolerance for threshold comparisons: a weighted mean of exactly 60 may come out as 59.999…
_EPSILON = 1e-9

QUADRANTS = ("aligned", "intent_gap", "hollow", "drifting")
QUADRANT_LABELS = {
    "aligned": "Aligned",
    "intent_gap": "Intent gap",
    "hollow": "Doing without conviction",
    "drifting": "Drifting",
}
QUADRANT_MEANINGS = {
    "aligned": "high on both purpose and performance",
    "intent_gap": "you value it, but it does not yet show in what you do",
    "hollow": "you do it, but without much conviction behind it",
    "drifting": "neither a clear priority nor a habit yet",
}

META_COLUMNS = [
    "response_id",
    "submitted_at",
    "respondent",
    "session",
    "questionnaire_id",
    "questionnaire_version",
]
SCORE_COLUMNS = ["purpose", "performance", "gap", "alignment", "quadrant"]
OVERALL = "overall"


@dataclass(frozen=True)
class ScoringReport:
    """Answers that could not be scored, so the UI and CLI can say so instead of hiding it."""

    other_questionnaire_responses: int = 0
    unknown_item_answers: int = 0
    out_of_range_answers: int = 0
    unknown_item_ids: tuple[str, ...] = ()

    def messages(self) -> list[str]:
        notes = []
        if self.other_questionnaire_responses:
            notes.append(
                f"{self.other_questionnaire_responses} response(s) to other questionnaires "
                "were left out"
            )
        if self.unknown_item_answers:
            ids = ", ".join(self.unknown_item_ids[:5])
            more = "…" if len(self.unknown_item_ids) > 5 else ""
            notes.append(
                f"{self.unknown_item_answers} answer(s) to items this questionnaire does not "
                f"define were ignored ({ids}{more})"
            )
        if self.out_of_range_answers:
            notes.append(
                f"{self.out_of_range_answers} answer(s) outside their scale were treated as "
                "unanswered"
            )
        return notes


@dataclass(frozen=True)
class Scores:
    """Per-strategy and per-response scores for the responses to one questionnaire.

    `strategies` has one row per response and strategy (questionnaire order); `overall` has one
    row per response with the three indices and how many strategies each is based on.
    Both are sorted by submission time.
    """

    strategies: pd.DataFrame
    overall: pd.DataFrame
    report: ScoringReport = field(default_factory=ScoringReport)

    def within(self, response_ids: Iterable[str]) -> Scores:
        """Only these responses: what a visitor may see, so nothing else counts as "previous"."""
        if isinstance(response_ids, pd.Series | pd.Index):
            keep = pd.Index(response_ids.unique()).astype("str")  # (a million rows, few ids)
        else:
            keep = pd.Index(list(dict.fromkeys(response_ids)), dtype="str")
        overall = _isin(self.overall["response_id"], keep)
        if overall.all():  # everyone's responses may be seen: nothing to take out
            return self
        return Scores(
            self.strategies[_isin(self.strategies["response_id"], keep)].reset_index(drop=True),
            self.overall[overall].reset_index(drop=True),
            self.report,
        )

    def for_response(self, response_id: str) -> Scores:
        return Scores(
            self.strategies[self.strategies["response_id"] == response_id].reset_index(drop=True),
            self.overall[self.overall["response_id"] == response_id].reset_index(drop=True),
            self.report,
        )


def _isin(column: pd.Series, keep: pd.Index) -> np.ndarray:
    """`column.isin(keep)` for text, in one Arrow pass (pandas boxes every id in `keep`)."""
    found = pc.is_in(pa.array(column.astype("str")), value_set=pa.array(keep.astype("str")))
    return np.asarray(pc.fill_null(found, False), dtype=bool)


def item_table(questionnaire: Questionnaire) -> pd.DataFrame:
    """One row per scale item (retired ones included, so old answers still score)."""
    rows = [
        {
            "item_id": item.id,
            "strategy": item.strategy,
            "dimension": item.dimension,
            "scale_min": float(questionnaire.scale_of(item).min),
            "scale_max": float(questionnaire.scale_of(item).max),
            "reverse": item.reverse,
            "weight": float(item.weight),
        }
        for item in questionnaire.items
    ]
    return pd.DataFrame(rows)


def classify_quadrants(purpose: pd.Series, performance: pd.Series, threshold: float) -> pd.Series:
    """Quadrant names per row; missing where either score is missing."""
    high_purpose = (purpose >= threshold - _EPSILON).to_numpy(bool)
    high_performance = (performance >= threshold - _EPSILON).to_numpy(bool)
    known = (purpose.notna() & performance.notna()).to_numpy(bool)
    code = np.where(
        high_purpose, np.where(high_performance, 0, 1), np.where(high_performance, 2, 3)
    ).astype(np.int8)
    # Built as Arrow text from four names and a code per row, not a Python string per row.
    names = pa.DictionaryArray.from_arrays(pa.array(code, mask=~known), pa.array(QUADRANTS))
    return pd.Series(pd.array(names.cast(pa.string()), dtype="string"), index=purpose.index)


def _with_gap_and_alignment(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    frame["gap"] = frame["performance"] - frame["purpose"]
    frame["alignment"] = 100 - frame["gap"].abs()
    frame["quadrant"] = classify_quadrants(frame["purpose"], frame["performance"], threshold)
    return frame


def _empty_scores() -> Scores:
    strategies = pd.DataFrame(columns=[*META_COLUMNS, "strategy", *SCORE_COLUMNS])
    overall = pd.DataFrame(
        columns=[
            *META_COLUMNS,
            *SCORE_COLUMNS,
            "purpose_count",
            "performance_count",
            "alignment_count",
        ]
    )
    return Scores(strategies, overall)


def _codes(column: pd.Series) -> np.ndarray:
    """Integer codes of a column's values (categorical codes, or factorised)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()
    return pd.factorize(column.to_numpy())[0]


def _first_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each distinct code first appears, and each row's distinct number (in that order).

    The store appends each response whole, so its rows are usually one run: then the runs are
    the responses and no hashing is needed.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    change = np.empty(len(codes), dtype=bool)
    change[0] = True
    np.not_equal(codes[1:], codes[:-1], out=change[1:])
    first = np.flatnonzero(change)
    if len(pd.unique(codes[first])) == len(first):
        dense = np.cumsum(change, dtype=np.int32)
        dense -= 1
        return first, dense
    dense, _ = pd.factorize(codes)
    return np.unique(dense, return_index=True)[1], dense


def _lookup(column: pd.Series, index: pd.Index) -> np.ndarray:
    """Each value's position in `index`, -1 where it is not there."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        per_category = index.get_indexer(column.cat.categories)
        codes = column.cat.codes.to_numpy()
        return np.where(codes >= 0, per_category[codes], -1)
    return index.get_indexer(pd.Index(column.to_numpy()))


def score_responses(answers: pd.DataFrame, questionnaire: Questionnaire) -> Scores:
    """Score every response in `answers` (the long responses table) that belongs to `questionnaire`.

    Rows of other questionnaires are left out and counted in the report. A strategy-dimension
    with no answered item has a missing score, never 0.
    """
    same = answers["questionnaire_id"] == questionnaire.id
    other_responses = int(answers.loc[~same, "response_id"].nunique())
    if not same.all():  # (a million rows are not copied when there is nothing to leave out)
        answers = answers.loc[same]
    if answers.empty:
        empty = _empty_scores()
        return Scores(
            empty.strategies,
            empty.overall,
            ScoringReport(other_questionnaire_responses=other_responses),
        )

    # Every step works on integer positions: the response (in submission order), the item of
    # the questionnaire and its strategy, so a million answers score in a few array passes.
    response_codes = _codes(answers["response_id"])
    first_row, response_of_row = _first_rows(response_codes)
    # Column by column: taking rows of the whole frame would first consolidate its blocks.
    meta = pd.DataFrame(
        {c: answers[c].take(first_row).reset_index(drop=True) for c in META_COLUMNS}
    )
    for column in ("response_id", "respondent", "session", "questionnaire_id"):
        meta[column] = meta[column].astype("str")
    # (Time as integers: a zoned time column would otherwise become one object per response.)
    order = np.lexsort((meta["response_id"].to_numpy(), meta["submitted_at"].array.asi8))
    meta = meta.take(order).reset_index(drop=True)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    position = position.astype(np.int32) if len(order) < 2**31 else position
    response_pos = position[response_of_row]
    del response_codes, response_of_row

    items = item_table(questionnaire)
    item_pos = _lookup(answers["item_id"], pd.Index(items["item_id"]))
    reflection_ids = {r.id for r in questionnaire.reflections}
    unknown = (item_pos < 0) & ~answers["item_id"].isin(reflection_ids).to_numpy()
    unknown_count = int(unknown.sum())
    unknown_ids = tuple(sorted({str(i) for i in answers["item_id"][unknown].unique()}))
    del unknown

    # Per item (plus a last entry that position -1, an unknown item, picks): its scale, its
    # strategy-dimension cell, whether it is reversed and its weight.
    strategy_ids = [s.id for s in questionnaire.strategies]
    strategy_count = len(strategy_ids)
    item_strategy = pd.Index(strategy_ids).get_indexer(items["strategy"])
    item_cell = np.where(
        item_strategy >= 0,
        item_strategy * 2 + np.where(items["dimension"].to_numpy() == "purpose", 0, 1),
        -1,
    )
    item_cell = np.append(item_cell, -1)
    scale_min = items["scale_min"].to_numpy("float64")
    scale_span = items["scale_max"].to_numpy("float64") - scale_min

    # The item score of every row, in place a few arrays at a time (a million answers keep the
    # peak memory low). An answer lies on its scale exactly when its score is within 0-100.
    value = answers["value"]
    value = (value if value.dtype == "float64" else pd.to_numeric(value, errors="coerce")).to_numpy(
        "float64"
    )
    norm = value - np.append(scale_min, np.nan)[item_pos]
    norm /= np.append(scale_span, np.nan)[item_pos]
    norm *= 100
    in_range = norm >= 0
    in_range &= norm <= 100
    out_of_range = int(((item_pos >= 0) & ~np.isnan(value) & ~in_range).sum())
    del value
    in_range &= item_cell[item_pos] >= 0
    norm, item_pos, response_pos = norm[in_range], item_pos[in_range], response_pos[in_range]
    del in_range
    reverse = np.append(items["reverse"].to_numpy(bool), False)[item_pos]
    norm[reverse] = 100 - norm[reverse]
    del reverse
    weight = np.append(items["weight"].to_numpy("float64"), 0.0)[item_pos]
    cells = len(meta) * strategy_count * 2
    key = response_pos.astype(np.int64) * (strategy_count * 2) + item_cell[item_pos]
    del item_pos, response_pos
    weighted_sum = np.bincount(key, weights=norm * weight, minlength=cells)
    weight_sum = np.bincount(key, weights=weight, minlength=cells)
    answered = np.bincount(key, minlength=cells) > 0
    del key, norm, weight
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(answered, weighted_sum / weight_sum, np.nan).reshape(-1, 2)

    per_strategy = meta.loc[meta.index.repeat(strategy_count)].reset_index(drop=True)
    strategy_codes = pa.array(np.tile(np.arange(strategy_count, dtype=np.int32), len(meta)))
    per_strategy["strategy"] = pd.array(
        pa.DictionaryArray.from_arrays(strategy_codes, pa.array(strategy_ids)).cast(pa.string()),
        dtype="str",
    )
    per_strategy["purpose"] = means[:, 0]
    per_strategy["performance"] = means[:, 1]
    per_strategy = _with_gap_and_alignment(per_strategy, questionnaire.threshold)
    per_strategy = per_strategy[[*META_COLUMNS, "strategy", *SCORE_COLUMNS]]

    overall = meta.copy()
    for name in ("purpose", "performance", "alignment"):
        grid = per_strategy[name].to_numpy("float64").reshape(-1, strategy_count)
        present = ~np.isnan(grid)
        count = present.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            overall[name] = np.where(
                count > 0, np.where(present, grid, 0).sum(axis=1) / count, np.nan
            )
        overall[f"{name}_count"] = count.astype("int64")
    overall["gap"] = overall["performance"] - overall["purpose"]
    overall["quadrant"] = classify_quadrants(
        overall["purpose"], overall["performance"], questionnaire.threshold
    )
    overall = overall[
        [*META_COLUMNS, *SCORE_COLUMNS, "purpose_count", "performance_count", "alignment_count"]
    ]

    report = ScoringReport(
        other_questionnaire_responses=other_responses,
        unknown_item_answers=unknown_count,
        out_of_range_answers=out_of_range,
        unknown_item_ids=unknown_ids,
    )
    return Scores(per_strategy, overall, report)


def scores_table(scores: Scores) -> pd.DataFrame:
    """The scores contract of DESIGN.md: per strategy rows, then an `overall` row, per response."""
    overall = scores.overall.assign(strategy=OVERALL)[[*META_COLUMNS, "strategy", *SCORE_COLUMNS]]
    strategies = scores.strategies
    if overall.empty:
        return strategies.copy()
    combined = pd.concat([strategies, overall], ignore_index=True)
    return combined.take(_interleaved(strategies, overall)).reset_index(drop=True)


def _interleaved(strategies: pd.DataFrame, overall: pd.DataFrame) -> np.ndarray:
    """Row order of strategies-then-overall that puts each response's overall row after its
    strategy rows, the responses in the order of `overall`.

    `score_responses` lays the strategy rows out in blocks of one response each, in that order:
    then the order is arithmetic (checked in one Arrow pass), and no id is looked up.
    """
    responses, rows = len(overall), len(strategies)
    per_response = rows // responses
    if per_response * responses == rows:
        ids = pa.array(overall["response_id"].astype("str"))
        expected = ids.take(np.repeat(np.arange(responses), per_response))
        same = pc.equal(pa.array(strategies["response_id"].astype("str")), expected)
        if pc.all(same, skip_nulls=False).as_py():
            blocks = np.arange(rows).reshape(responses, per_response)
            return np.column_stack([blocks, rows + np.arange(responses)]).ravel()
    # Each row's response in the order of `overall` (by position: a quarter of a million rows).
    response_order = np.concatenate(
        [
            pd.Index(overall["response_id"]).get_indexer(strategies["response_id"]),
            np.arange(responses),
        ]
    )
    overall_last = np.repeat([False, True], [rows, responses])
    return np.lexsort((overall_last, response_order))  # stable: strategies keep their order
