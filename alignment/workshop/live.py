"""A session's answer rows as a live view keeps them, reading only what is new each time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from alignment.history import grown_scores
from alignment.questionnaire import Questionnaire
from alignment.scoring import Scores
from alignment.store import Committed, load_responses, read_committed_after, with_text_columns


@dataclass(frozen=True)
class LiveRows:
    """One session's answer rows as a live view keeps them: each `follow` reads only the
    responses committed since the last (the whole file again when it is not that file grown by
    appends, e.g. after a delete, or when it has no commit mark), and `scored_by` scores only
    the responses it has not scored yet."""

    rows: pd.DataFrame | None = None
    committed: Committed | None = None
    restarted: bool = False  # this follow read the whole file
    scored: tuple[str, int, Scores] | None = None  # a questionnaire's scores of the first rows

    def follow(self, path: Path, code: str) -> LiveRows:
        after = None
        if self.rows is not None and self.committed is not None:
            after = read_committed_after(path, self.committed)
        if after is None:
            loaded = load_responses(path)
            return LiveRows(_of_session(loaded.frame, code), loaded.committed, restarted=True)
        fresh, committed = after
        mine = _of_session(fresh, code) if not fresh.empty else fresh
        if mine.empty:  # (most refreshes: nothing new in this session)
            return replace(self, committed=committed, restarted=False)
        rows = pd.concat([self.rows, mine], ignore_index=True)
        return replace(self, rows=rows, committed=committed, restarted=False)

    def scored_by(self, questionnaire: Questionnaire) -> LiveRows:
        """These rows with their scores by `questionnaire` (an idle refresh scores nothing)."""
        key = questionnaire.model_dump_json()
        known = self.scored[1:] if self.scored is not None and self.scored[0] == key else None
        scores = grown_scores(known, self.rows, questionnaire)
        return replace(self, scored=(key, len(self.rows), scores))

    @property
    def strategies(self) -> pd.DataFrame:
        """Per-strategy scores of the rows (after `scored_by`)."""
        if self.scored is None or self.scored[1] != len(self.rows):
            raise ValueError("the rows are not scored: call scored_by first")
        return self.scored[2].strategies


def _of_session(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    # Plain text, not the history's categories: the slice stays small and concat keeps it so.
    return with_text_columns(frame[frame["session"] == code]).reset_index(drop=True)
