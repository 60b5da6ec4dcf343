"""A session's answer rows as a live view keeps them, reading only what is new each time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alignment.store import read_since, with_text_columns


@dataclass(frozen=True)
class LiveRows:
    """One session's answer rows as a live view keeps them: each `follow` reads only the bytes
    committed since the last (the whole file again only when it was replaced)."""

    rows: pd.DataFrame | None = None
    offset: int = 0
    inode: int = -1
    restarted: bool = False

    def follow(self, path: Path, code: str) -> LiveRows:
        tail = read_since(path, self.offset, self.inode)
        # Plain text, not the history's categories: the slice stays small and concat keeps it so.
        fresh = with_text_columns(tail.frame[tail.frame["session"] == code])
        restarted = tail.restarted or self.rows is None
        rows = fresh if restarted else pd.concat([self.rows, fresh], ignore_index=True)
        return LiveRows(rows, tail.offset, tail.inode, tail.restarted)
