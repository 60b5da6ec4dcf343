"""Properties the scoring model must keep for any questionnaire and any answers."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.questionnaire import Questionnaire
from alignment.scoring import score_responses


@st.composite
def questionnaires(draw) -> Questionnaire:
    """Small random questionnaires: 1–3 strategies, 1–3 items per dimension, any scale."""
    low = draw(st.integers(-3, 3))
    scale = {"min": low, "max": low + draw(st.integers(1, 9))}
    strategies, items = [], []
    for s in range(draw(st.integers(1, 3))):
        strategies.append({"id": f"s{s}", "name": f"S{s}"})
        for dimension in ("purpose", "performance"):
            for n in range(draw(st.integers(1, 3))):
                items.append(
                    {
                        "id": f"s{s}-{dimension[:4]}{n}",
                        "strategy": f"s{s}",
                        "dimension": dimension,
                        "scale": "scale",
                        "text": "t",
                        "reverse": draw(st.booleans()),
                        "weight": draw(st.floats(0.1, 5)),
                    }
                )
    return Questionnaire.model_validate(
        {
            "id": "prop",
            "version": 1,
            "title": "P",
            "scales": {"scale": scale},
            "scoring": {"threshold": draw(st.floats(1, 99))},
            "strategies": strategies,
            "items": items,
        }
    )


@st.composite
def scored_cases(draw):
    """A questionnaire and several responses, each answering a random subset of items."""
    q = draw(questionnaires())
    scale = q.scales["scale"]
    rows = []
    for r in range(draw(st.integers(1, 4))):
        for item in q.items:
            if draw(st.booleans()):
                rows.append(
                    {
                        "response_id": f"r{r}",
                        "submitted_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(r, "D"),
                        "respondent": "x",
                        "session": "",
                        "questionnaire_id": "prop",
                        "questionnaire_version": 1,
                        "item_id": item.id,
                        "value": float(draw(st.integers(scale.min, scale.max))),
                        "text": "",
                    }
                )
    frame = pd.DataFrame(rows) if rows else None
    return q, frame


def _per_response(scores) -> pd.DataFrame:
    return scores.strategies.set_index(["response_id", "strategy"]).sort_index()[
        ["purpose", "performance", "gap", "alignment", "quadrant"]
    ]


@settings(max_examples=150, deadline=None)
@given(scored_cases())
def test_every_score_lies_in_range(case):
    q, frame = case
    if frame is None:
        return
    scores = score_responses(frame, q)
    for table in (scores.strategies, scores.overall):
        for column in ("purpose", "performance", "alignment"):
            values = table[column].dropna()
            assert ((values >= -1e-9) & (values <= 100 + 1e-9)).all(), column
        gaps = table["gap"].dropna()
        assert ((gaps >= -100 - 1e-9) & (gaps <= 100 + 1e-9)).all()


@settings(max_examples=100, deadline=None)
@given(scored_cases(), st.data())
def test_reversing_an_item_and_mirroring_its_value_changes_nothing(case, data):
    q, frame = case
    if frame is None:
        return
    item = data.draw(st.sampled_from(q.items))
    scale = q.scales["scale"]
    flipped_items = [
        i.model_copy(update={"reverse": not i.reverse}) if i.id == item.id else i for i in q.items
    ]
    flipped = q.model_copy(update={"items": flipped_items})
    mirrored = frame.copy()
    hit = mirrored["item_id"] == item.id
    mirrored.loc[hit, "value"] = scale.min + scale.max - mirrored.loc[hit, "value"]
    pd.testing.assert_frame_equal(
        _per_response(score_responses(frame, q)),
        _per_response(score_responses(mirrored, flipped)),
        check_exact=False,
        atol=1e-9,
    )


@settings(max_examples=100, deadline=None)
@given(scored_cases(), st.randoms(use_true_random=False))
def test_row_and_response_order_do_not_change_scores(case, random):
    q, frame = case
    if frame is None:
        return
    order = list(range(len(frame)))
    random.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        _per_response(score_responses(frame, q)),
        _per_response(score_responses(shuffled, q)),
        check_exact=False,
        atol=1e-9,
    )
