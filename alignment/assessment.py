"""The assessment as a person walks through it: one strategy per step, then reflections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from alignment.questionnaire import Item, Questionnaire, Strategy
from alignment.response import build_response
from alignment.store import append_rows


@dataclass(frozen=True)
class Step:
    number: int
    total: int
    strategy: Strategy | None
    items: tuple[Item, ...]
    first_question: int  # the number of this step's first question among all of them
    question_total: int

    def numbered(self) -> list[tuple[str, Item]]:
        """Each question with its place among all of them ("Question 7 of 40"): on a phone a
        person sees one step at a time, and nothing else tells them how far they are."""
        return [
            (f"Question {number} of {self.question_total}", item)
            for number, item in enumerate(self.items, start=self.first_question)
        ]

    @property
    def progress(self) -> float:
        """The share of the questions on earlier steps: 0 on the first, 1 on the reflections."""
        return (self.first_question - 1) / self.question_total

    @property
    def is_last(self) -> bool:
        return self.number == self.total

    @property
    def label(self) -> str:
        if self.strategy is None:
            return "Last step: your reflections (optional)"
        return f"Strategy {self.number} of {self.total - 1} · {self.strategy.name}"


def assessment_steps(questionnaire: Questionnaire) -> list[Step]:
    """A step per strategy with its active items, purpose items first, then a closing step."""
    groups = [
        (strategy, tuple(sorted(questionnaire.items_for(strategy.id), key=_purpose_first)))
        for strategy in questionnaire.strategies
    ]
    total = len(groups) + 1
    firsts = list(accumulate((len(items) for _, items in groups), initial=1))
    questions = firsts[-1] - 1
    steps = [
        Step(n, total, strategy, items, firsts[n - 1], questions)
        for n, (strategy, items) in enumerate(groups, start=1)
    ]
    return [*steps, Step(total, total, None, (), firsts[-1], questions)]


def _purpose_first(item: Item) -> int:
    return 0 if item.dimension == "purpose" else 1


def unanswered(step: Step, answers: Mapping[str, int | None]) -> list[Item]:
    return [item for item in step.items if answers.get(item.id) is None]


def first_incomplete(steps: list[Step], answers: Mapping[str, int | None]) -> Step | None:
    return next((step for step in steps if unanswered(step, answers)), None)


def submit(
    path: Path,
    questionnaire: Questionnaire,
    respondent: str,
    answers: Mapping[str, int | None],
    reflections: Mapping[str, str],
    *,
    response_id: str,
    session: str = "",
) -> bool:
    """Save the response once: False when this response id was already saved."""
    rows = build_response(
        questionnaire,
        respondent,
        answers,
        {k: v for k, v in reflections.items() if v and v.strip()},
        session=session,
        response_id=response_id,
    )
    return append_rows(path, rows)
