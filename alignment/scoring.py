"""The scoring model of DESIGN.md, computed for many responses at once.

Scores are always derived from raw answers plus the questionnaire, never stored. Every step is a
whole-column pandas operation so a million answer rows score in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
        keep = set(response_ids)
        return Scores(
            self.strategies[self.strategies["response_id"].isin(keep)].reset_index(drop=True),
            self.overall[self.overall["response_id"].isin(keep)].reset_index(drop=True),
            self.report,
        )

    def for_response(self, response_id: str) -> Scores:
        return Scores(
            self.strategies[self.strategies["response_id"] == response_id].reset_index(drop=True),
            self.overall[self.overall["response_id"] == response_id].reset_index(drop=True),
            self.report,
        )


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
    high_purpose = purpose >= threshold - _EPSILON
    high_performance = performance >= threshold - _EPSILON
    known = purpose.notna() & performance.notna()
    choice = np.select(
        [
            known & high_purpose & high_performance,
            known & high_purpose & ~high_performance,
            known & ~high_purpose & high_performance,
            known & ~high_purpose & ~high_performance,
        ],
        list(QUADRANTS),
        default="",
    )
    quadrants = pd.Series(choice, index=purpose.index, dtype="string")
    return quadrants.mask(quadrants == "")


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


def score_responses(answers: pd.DataFrame, questionnaire: Questionnaire) -> Scores:
    """Score every response in `answers` (the long responses table) that belongs to `questionnaire`.

    Rows of other questionnaires are left out and counted in the report. A strategy-dimension
    with no answered item has a missing score, never 0.
    """
    same = answers["questionnaire_id"] == questionnaire.id
    other_responses = int(answers.loc[~same, "response_id"].nunique())
    answers = answers.loc[same]
    if answers.empty:
        empty = _empty_scores()
        return Scores(
            empty.strategies,
            empty.overall,
            ScoringReport(other_questionnaire_responses=other_responses),
        )

    meta = (
        answers.groupby("response_id", sort=False, observed=True)[META_COLUMNS[1:]]
        .first()
        .reset_index()
        .sort_values(["submitted_at", "response_id"], kind="stable")
        .reset_index(drop=True)
    )

    items = item_table(questionnaire)
    scored = answers[["response_id", "item_id", "value"]].merge(items, on="item_id", how="left")
    reflection_ids = {r.id for r in questionnaire.reflections}
    unknown = scored["strategy"].isna() & ~scored["item_id"].isin(reflection_ids)
    unknown_ids = tuple(sorted(scored.loc[unknown, "item_id"].astype(str).unique()))
    scored = scored.loc[scored["strategy"].notna()]

    value = pd.to_numeric(scored["value"], errors="coerce").astype("float64")
    in_range = value.between(scored["scale_min"], scored["scale_max"])
    out_of_range = int((value.notna() & ~in_range).sum())
    scored = scored.loc[in_range.to_numpy()]
    value = value.loc[in_range]

    norm = (value - scored["scale_min"]) / (scored["scale_max"] - scored["scale_min"]) * 100
    norm = norm.where(~scored["reverse"].astype(bool), 100 - norm)
    weighted = pd.DataFrame(
        {
            "response_id": scored["response_id"].to_numpy(),
            "strategy": scored["strategy"].to_numpy(),
            "dimension": scored["dimension"].to_numpy(),
            "weighted": (norm * scored["weight"]).to_numpy(),
            "weight": scored["weight"].to_numpy(),
        }
    )
    sums = weighted.groupby(["response_id", "strategy", "dimension"], observed=True)[
        ["weighted", "weight"]
    ].sum()
    means = (sums["weighted"] / sums["weight"]).unstack("dimension")
    means = means.reindex(columns=["purpose", "performance"])

    strategy_ids = [s.id for s in questionnaire.strategies]
    grid = pd.MultiIndex.from_product(
        [meta["response_id"], strategy_ids], names=["response_id", "strategy"]
    )
    per_strategy = means.reindex(grid).reset_index()
    per_strategy = _with_gap_and_alignment(per_strategy, questionnaire.threshold)
    per_strategy = meta.merge(per_strategy, on="response_id", how="right")[
        [*META_COLUMNS, "strategy", *SCORE_COLUMNS]
    ]

    grouped = per_strategy.groupby("response_id", sort=False)
    indices = grouped[["purpose", "performance", "alignment"]].mean()
    counts = grouped[["purpose", "performance", "alignment"]].count().add_suffix("_count")
    overall = meta.merge(indices.join(counts), left_on="response_id", right_index=True)
    overall["gap"] = overall["performance"] - overall["purpose"]
    overall["quadrant"] = classify_quadrants(
        overall["purpose"], overall["performance"], questionnaire.threshold
    )
    overall = overall[
        [*META_COLUMNS, *SCORE_COLUMNS, "purpose_count", "performance_count", "alignment_count"]
    ]

    report = ScoringReport(
        other_questionnaire_responses=other_responses,
        unknown_item_answers=int(unknown.sum()),
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
    order = {rid: n for n, rid in enumerate(overall["response_id"])}
    combined = pd.concat([strategies, overall], ignore_index=True)
    combined["_response_order"] = combined["response_id"].map(order)
    combined["_overall_last"] = combined["strategy"] == OVERALL
    combined = combined.sort_values(["_response_order", "_overall_last"], kind="stable").drop(
        columns=["_response_order", "_overall_last"]
    )
    return combined.reset_index(drop=True)
