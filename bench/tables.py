"""The figures table every benchmark prints: one line per measure, one column per size, and the
target (it applies at the largest size) with whether it is met."""

from __future__ import annotations

import json
from pathlib import Path

Column = tuple[str, str, str]  # figure key, label, format


def figures_table(figures: dict, columns: list[Column], note: str) -> str:
    sizes = figures["sizes"]
    head = f"{'measure':<18}" + "".join(f"{s['target_rows']:>12,}" for s in sizes)
    lines = [head + f"{'target':>10}  met"]
    largest = sizes[-1]
    for key, label, fmt in columns:
        cells = "".join(f"{fmt.format(s[key]):>12}" for s in sizes)
        target = figures["targets"].get(key)
        if target is None:
            lines.append(f"{label:<18}{cells}")
            continue
        met = "yes" if largest[key] <= target else "NO"
        lines.append(f"{label:<18}{cells}{'≤ ' + f'{target:g}':>10}  {met}")
    lines.append(note)
    return "\n".join(lines)


def publish(figures: dict, table: str, out: str) -> None:
    """Print a benchmark's table and keep its figures as JSON at `out` ("" keeps none), so
    every bench leaves the same trace of a run."""
    print(table)
    if out:
        Path(out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"written to {out}")
