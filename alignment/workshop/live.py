"""A session's answer rows as a live view keeps them, reading only what is new each time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alignment.store import Committed, load_responses, read_committed_after, with_text_columns


@dataclass(frozen=True)
class LiveRows:
    """One session's answer rows as a live view keeps them: each `follow` reads only the
    responses committed since the last (the whole file again when it is not that file grown by
    appends, e.g. after a delete, or when it has no commit mark)."""

    rows: pd.DataFrame | None = None
    committed: Committed | None = None
    restarted: bool = False  # this follow read the whole file

    def follow(self, path: Path, code: str) -> LiveRows:
        after = None
        if self.rows is not None and self.committed is not None:
            after = read_committed_after(path, self.committed)
        if after is None:
            loaded = load_responses(path)
            return LiveRows(_of_session(loaded.frame, code), loaded.committed, restarted=True)
        fresh, committed = after
        rows = pd.concat([self.rows, _of_session(fresh, code)], ignore_index=True)
        return LiveRows(rows, committed)


def _of_session(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    # Plain text, not the history's categories: the slice stays small and concat keeps it so.
    return with_text_columns(frame[frame["session"] == code]).reset_index(drop=True)
