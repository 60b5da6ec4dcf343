"""What one response means: headline with change since last time, focus areas, reflections."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from alignment.numbers import points
from alignment.questionnaire import Questionnaire, Strategy
from alignment.scoring import QUADRANT_LABELS, QUADRANT_MEANINGS

INDICES = ("purpose", "performance", "alignment")
# A third focus strategy is only shown when it really needs attention.
THIRD_FOCUS_ALIGNMENT_BELOW = 80
# Within one step of two five-point items (12.5 points), purpose and performance "match".
MATCHED_WITHIN = 12.5
# High on both, yet two steps apart or more: "aligned" would contradict the gap beside it.
UNEVEN_FROM = 25
UNEVEN_LABEL = "High on both, not level"


@dataclass(frozen=True)
class Headline:
    """The three indices of a response and their change since the previous one."""

    response_id: str
    submitted_at: pd.Timestamp
    values: dict[str, float]
    changes: dict[str, float | None]
    counts: dict[str, int]
    strategy_total: int
    previous_at: pd.Timestamp | None


@dataclass(frozen=True)
class Focus:
    strategy: Strategy
    purpose: float
    performance: float
    gap: float
    alignment: float
    quadrant: str | None

    @property
    def label(self) -> str:
        return quadrant_wording(self.quadrant, self.gap)[0]

    @property
    def meaning(self) -> str:
        return quadrant_wording(self.quadrant, self.gap)[1]

    @property
    def reason(self) -> str:
        valued, lived = points(self.purpose), points(self.performance)
        if self.gap < 0:
            return (
                f"You value this ({valued}) more than you act on it ({lived}): "
                f"a gap of {points(abs(self.gap))} points."
            )
        if self.gap > 0:
            return (
                f"You act on this ({lived}) more than it matters to you ({valued}): "
                "worth asking why you do it."
            )
        return f"Purpose and performance are level, both at {valued}."


def quadrant_wording(quadrant: str | None, gap: float) -> tuple[str, str]:
    """(label, meaning) of a strategy's quadrant, in words that agree with its gap.

    "Aligned" means high on both; with purpose and performance two steps apart or more it
    says so instead of calling the strategy aligned above a wide gap.
    """
    if quadrant is None:
        return "Not scored", "no answers on one or both dimensions"
    if quadrant == "aligned" and abs(gap) >= UNEVEN_FROM:
        ahead = (
            "you value it more than you live it" if gap < 0 else "you do it more than it matters"
        )
        return UNEVEN_LABEL, f"above the threshold on both, but {ahead}"
    return QUADRANT_LABELS[quadrant], QUADRANT_MEANINGS[quadrant]


@dataclass(frozen=True)
class Story:
    """What a response means, in words: one plain sentence, then the most useful fact."""

    sentence: str
    fact: str

    @property
    def text(self) -> str:
        return f"{self.sentence} {self.fact}"


def story(strategies: pd.DataFrame) -> Story | None:
    """The story of one response's strategy scores (with names); None when none is scored.

    The sentence counts the strategies whose purpose and performance match (within one step of
    the scale); the fact names the widest gap, as "valued" (purpose) and "lived" (performance).
    """
    scored = strategies.dropna(subset=["purpose", "performance"])
    if scored.empty:
        return None
    total = len(scored)
    matched = int((scored["gap"].abs() <= MATCHED_WITHIN).sum())
    if matched == total:
        sentence = "What you do matches why you do it on every strategy."
    elif matched == 0:
        sentence = "What you do and why you do it differ on every strategy."
    else:
        sentence = f"What you do matches why you do it on {matched} of {total} strategies."
    widest = scored.loc[scored["gap"].abs().idxmax()]
    if abs(widest["gap"]) <= MATCHED_WITHIN:
        fact = f"No gap is wider than {points(abs(widest['gap']))} points."
    else:
        fact = (
            f"Your widest gap: {widest['strategy_name']} — valued {points(widest['purpose'])}, "
            f"lived {points(widest['performance'])}."
        )
    return Story(sentence, fact)


def responses_of(overall: pd.DataFrame, respondent: str) -> pd.DataFrame:
    """The respondent's responses to one questionnaire, oldest first."""
    mine = overall[overall["respondent"] == respondent]
    return mine.sort_values(["submitted_at", "response_id"], kind="stable")


def headline(
    overall: pd.DataFrame, response_id: str, strategy_total: int, *, since: str | None = None
) -> Headline:
    """Indices of `response_id` and their change since the same respondent's previous response,
    or since the response `since` (Trends compares two check-ins the visitor chose).

    `overall` must hold responses to a single questionnaire (compare like with like).
    """
    row = overall.loc[overall["response_id"] == response_id].iloc[0]
    if since is not None:
        previous = overall.loc[overall["response_id"] == since].iloc[0]
    else:
        history = responses_of(overall, row["respondent"])
        position = list(history["response_id"]).index(response_id)
        previous = history.iloc[position - 1] if position > 0 else None
    values = {name: float(row[name]) for name in INDICES}

    def change(name: str) -> float | None:
        if previous is None or pd.isna(previous[name]) or math.isnan(values[name]):
            return None
        return values[name] - float(previous[name])

    return Headline(
        response_id=response_id,
        submitted_at=row["submitted_at"],
        values=values,
        changes={name: change(name) for name in INDICES},
        counts={name: int(row[f"{name}_count"]) for name in INDICES},
        strategy_total=strategy_total,
        previous_at=None if previous is None else previous["submitted_at"],
    )


def with_names(strategies: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per-strategy scores with the strategy's display name, in questionnaire order."""
    names = {s.id: s.name for s in questionnaire.strategies}
    order = {s.id: n for n, s in enumerate(questionnaire.strategies)}
    named = strategies.assign(
        strategy_name=strategies["strategy"].map(names),
        _order=strategies["strategy"].map(order),
    )
    return named.sort_values(["_order"], kind="stable").drop(columns="_order")


def focus_next(
    strategy_scores: pd.DataFrame, questionnaire: Questionnaire, limit: int = 3
) -> list[Focus]:
    """The strategies that most need attention: largest intent gap first, then lowest alignment.

    Two are always named when scored; a third only if it has an intent gap or alignment below 80.
    """
    scored = strategy_scores.dropna(subset=["purpose", "performance"]).copy()
    if scored.empty:
        return []
    # Intent gaps (negative) rank first by size; everything else after, by alignment.
    scored["_intent"] = scored["gap"].where(scored["gap"] < 0, 0.0)
    ranked = scored.sort_values(["_intent", "alignment"], kind="stable")
    chosen: list[Focus] = []
    for _, row in ranked.iterrows():
        needs_attention = row["gap"] < 0 or row["alignment"] < THIRD_FOCUS_ALIGNMENT_BELOW
        if len(chosen) >= 2 and not needs_attention:
            break
        chosen.append(
            Focus(
                strategy=questionnaire.strategy_by_id[row["strategy"]],
                purpose=float(row["purpose"]),
                performance=float(row["performance"]),
                gap=float(row["gap"]),
                alignment=float(row["alignment"]),
                quadrant=None if pd.isna(row["quadrant"]) else str(row["quadrant"]),
            )
        )
        if len(chosen) == limit:
            break
    return chosen


def reflections_of(
    answers: pd.DataFrame, response_id: str, questionnaire: Questionnaire
) -> list[tuple[str, str]]:
    """(prompt, what the person wrote) for each reflection they answered."""
    rows = answers[(answers["response_id"] == response_id) & (answers["text"] != "")]
    prompts = {r.id: r.text for r in questionnaire.reflections}
    return [
        (prompts.get(item_id, item_id), text)
        for item_id, text in zip(rows["item_id"], rows["text"], strict=True)
    ]
