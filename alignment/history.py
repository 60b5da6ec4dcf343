"""The responses history held in memory and grown by what is appended, with its scores.

Each save changes the file, and every open page needs the history again: re-reading a million
answer rows after each of thirty participants' saves costs seconds of server time per save. The
file only grows between deletes, so the last load is extended by the bytes committed since, and
scores by scoring the new responses only. A delete, a replaced file, or anything the fast reader
is unsure of reads the file whole again, so a grown history always equals a fresh load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from alignment.questionnaire import Questionnaire
from alignment.scoring import Scores, ScoringReport, score_responses
from alignment.store import (
    LoadedResponses,
    load_responses,
    read_committed_after,
    responses_identity,
    text_in_one_chunk,
    with_text_columns,
)


@dataclass
class _Followed:
    """The latest state of one file: its last whole frame, the responses committed since (not yet
    joined to it), and scores of the frame's first `rows` rows per questionnaire."""

    identity: tuple
    loaded: LoadedResponses
    pending: list[pd.DataFrame] = field(default_factory=list)
    scores: dict[str, tuple[int, Scores]] = field(default_factory=dict)

    def joined(self) -> LoadedResponses:
        """The whole history: the pending responses joined to the frame, once for all of them."""
        if self.pending:
            frame = _appended(self.loaded.frame, self.pending)
            self.loaded = replace(self.loaded, frame=frame)
            self.pending = []
        return self.loaded


class Histories:
    """The latest history of each responses file, shared by every session of a server process.

    The frames handed out are shallow copies (pandas copies on write), so a page that changes
    its frame never changes what the next page gets. New responses wait beside the frame until
    a page asks for the whole history, so thirty saves in a burst are joined to it once, and a
    participant's own rows are found without joining them at all.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._followed: dict[str, _Followed] = {}

    def responses(self, path: Path) -> LoadedResponses:
        """Every committed response of `path`, read whole only when it did not just grow."""
        with self._lock:
            loaded = self._current(path).joined()
        return replace(loaded, frame=loaded.frame.copy(deep=False))

    def responses_with_ids(self, path: Path, response_ids: Iterable[str]) -> LoadedResponses:
        """Only these responses of `path` (their rows in file order, text columns as text): what
        a participant's page needs, at a cost of their rows rather than of the history."""
        wanted = list(dict.fromkeys(response_ids))
        with self._lock:
            followed = self._current(path)
            parts = [followed.loaded.frame, *followed.pending]
        rows = pd.concat([_rows_with_ids(part, wanted) for part in parts], ignore_index=True)
        return replace(followed.loaded, frame=rows)

    def scores(self, path: Path, questionnaire: Questionnaire) -> Scores:
        """Scores of every response in `path` to `questionnaire`; only new responses are scored."""
        key = questionnaire.model_dump_json()
        with self._lock:
            followed = self._current(path)
            frame = followed.joined().frame
            scored = followed.scores.get(key)
            if scored is None or scored[0] != len(frame):
                scores = grown_scores(scored, frame, questionnaire)
                followed.scores[key] = (len(frame), scores)
            scores = followed.scores[key][1]
        return replace(
            scores,
            strategies=scores.strategies.copy(deep=False),
            overall=scores.overall.copy(deep=False),
        )

    def forget(self) -> None:
        with self._lock:
            self._followed.clear()

    def _current(self, path: Path) -> _Followed:
        path_text, *identity = responses_identity(path)
        identity = tuple(identity)
        followed = self._followed.get(path_text)
        if followed is not None and followed.identity == identity:
            return followed
        if followed is None or not _grown(followed, path):
            followed = _Followed(identity, load_responses(path))
        followed.identity = identity
        self._followed[path_text] = followed
        return followed


def _grown(followed: _Followed, path: Path) -> bool:
    """Whether the responses committed since were added to `followed` (False: load it whole)."""
    committed = followed.loaded.committed
    if committed is None:
        return False
    after = read_committed_after(path, committed)
    if after is None:
        return False
    fresh, committed = after
    if not fresh.empty:
        old = followed.loaded.frame
        ids = fresh["response_id"].unique()
        seen = [old["response_id"].cat.categories, *(p["response_id"] for p in followed.pending)]
        if any(pd.Index(known).isin(ids).any() for known in seen):
            return False  # a response id again (not how the store appends): read it as a whole
        if [_kind(d) for d in fresh.dtypes] != [_kind(d) for d in old.dtypes]:
            return False  # e.g. times of another precision: a whole load types them as one
        followed.pending.append(fresh)
    followed.loaded = replace(followed.loaded, committed=committed)
    return True


def _rows_with_ids(frame: pd.DataFrame, response_ids: list[str]) -> pd.DataFrame:
    """The rows of these responses, categorical columns as text (a few rows should not carry
    every id of the history along)."""
    column = frame["response_id"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = column.cat.categories.get_indexer(response_ids)
        keep = np.isin(column.cat.codes.to_numpy(), wanted[wanted >= 0])
    else:
        keep = column.isin(response_ids).to_numpy()
    return with_text_columns(frame.take(np.flatnonzero(keep)))


def _kind(dtype: object) -> object:
    """A column's type, where categoricals with other categories are of one kind."""
    return "category" if isinstance(dtype, pd.CategoricalDtype) else dtype


def _appended(old: pd.DataFrame, fresh: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of `old` then of each `fresh`; categories stay one sorted set, as a whole load
    has.

    Every part is given the joint categories first, so the concatenation only joins codes (and
    Arrow text chunks) instead of comparing a million texts.
    """
    parts = [part.copy(deep=False) for part in (old, *fresh)]
    for name in old.columns:
        if isinstance(old[name].dtype, pd.CategoricalDtype):
            joint = old[name].cat.categories
            for part in fresh:
                joint = joint.union(part[name].cat.categories)
            for part in parts:
                if not joint.equals(part[name].cat.categories):
                    part[name] = part[name].cat.set_categories(joint)
    return text_in_one_chunk(pd.concat(parts, ignore_index=True))


def grown_scores(
    scored: tuple[int, Scores] | None, frame: pd.DataFrame, questionnaire: Questionnaire
) -> Scores:
    """Scores of `frame`: those of its first rows (when known) plus the new responses', in the
    order scoring it whole gives. The first rows must be whole responses, as appends leave them."""
    if scored is None or scored[0] > len(frame):
        return score_responses(frame, questionnaire)
    rows, earlier = scored
    if rows == len(frame):
        return earlier
    new = score_responses(frame.iloc[rows:], questionnaire)
    report = _combined_report(earlier.report, new.report)
    if new.overall.empty or earlier.overall.empty:
        kept = earlier if new.overall.empty else new
        return Scores(kept.strategies, kept.overall, report)
    strategies = text_in_one_chunk(
        pd.concat([earlier.strategies, new.strategies], ignore_index=True)
    )
    overall = text_in_one_chunk(pd.concat([earlier.overall, new.overall], ignore_index=True))
    if _order_key(new.overall, 0) < _order_key(earlier.overall, -1):
        strategies, overall = _in_order(strategies, overall, len(questionnaire.strategies))
    return Scores(strategies, overall, report)


def _order_key(overall: pd.DataFrame, position: int) -> tuple[pd.Timestamp, str]:
    """Where a response sorts in scores: by time, then id (as `score_responses` orders them)."""
    row = overall.iloc[position]
    return row["submitted_at"], row["response_id"]


def _in_order(
    strategies: pd.DataFrame, overall: pd.DataFrame, per_response: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses sorted by time and id (an older one was appended, e.g. by an import); each
    response's strategy rows are one block of `per_response` rows, moved with it."""
    order = np.lexsort((overall["response_id"].to_numpy(), overall["submitted_at"].array.asi8))
    blocks = (order[:, None] * per_response + np.arange(per_response)).ravel()
    return (
        strategies.take(blocks).reset_index(drop=True),
        overall.take(order).reset_index(drop=True),
    )


def _combined_report(first: ScoringReport, second: ScoringReport) -> ScoringReport:
    """The report of two disjoint sets of responses scored together."""
    return ScoringReport(
        other_questionnaire_responses=first.other_questionnaire_responses
        + second.other_questionnaire_responses,
        unknown_item_answers=first.unknown_item_answers + second.unknown_item_answers,
        out_of_range_answers=first.out_of_range_answers + second.out_of_range_answers,
        unknown_item_ids=tuple(sorted({*first.unknown_item_ids, *second.unknown_item_ids})),
    )
