"""Charts as pure functions: a DataFrame in, a plotly Figure out.

Inputs are the frames of `alignment.results` and `alignment.trends` (per-strategy rows carry a
`strategy_name`). Every figure has a title that says what it shows and uses `alignment.theme`.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from alignment import theme
from alignment.numbers import points, signed_points
from alignment.scoring import QUADRANT_LABELS

AXIS_RANGE = [-4, 104]
KEY_TOP_PX, KEY_ROW_PX = 64, 22  # the quadrant map's key, below its axis title
RADAR_LABEL_WIDTH = 12  # characters: the room beside a radar on a 390 px phone


def _values(series: pd.Series) -> list[float | None]:
    """Plotly draws None as a gap; a missing score must never look like 0."""
    return [None if pd.isna(v) else round(float(v), 1) for v in series]


def _labels(names: Iterable[object]) -> list[str]:
    """Names from questionnaires as plotly text: plotly renders a subset of HTML (links, styles)
    in axis labels, hover text and annotations, so every name is escaped where it enters."""
    return [html.escape(str(name), quote=False) for name in names]


def _wrapped(label: str, width: int = RADAR_LABEL_WIDTH) -> str:
    """An (escaped) label on lines of about `width` characters, joined as plotly breaks."""
    return "<br>".join(textwrap.wrap(label, width, break_long_words=False)) or label


def _closed(values: list, names: list) -> tuple[list, list]:
    """Radar lines join up only when the first point is repeated at the end."""
    return values + values[:1], names + names[:1]


def radar_chart(scores: pd.DataFrame, title: str = "Purpose and performance per strategy"):
    """Two traces on one radar: how much each strategy matters, and how much it is lived.

    Long names are wrapped on two or three lines, so the labels fit beside a phone-sized radar.
    """
    names = [_wrapped(name) for name in _labels(scores["strategy_name"])]
    fig = go.Figure()
    for dimension, label, colour in (
        ("purpose", "Purpose (why it matters)", theme.PURPOSE),
        ("performance", "Performance (what I do)", theme.PERFORMANCE),
    ):
        r, theta = _closed(_values(scores[dimension]), names)
        fig.add_trace(
            go.Scatterpolar(
                r=r,
                theta=theta,
                name=label,
                mode="lines+markers",
                line={"color": colour, "width": 3},
                marker={"size": 8},
                fill="toself",
                fillcolor=_with_alpha(colour, 0.12),
                connectgaps=False,
                hovertemplate="%{theta}: %{r:.0f}<extra>" + label + "</extra>",
            )
        )
    return theme.radar_layout(theme.base_layout(fig, title, height=560))


def quadrant_chart(
    scores: pd.DataFrame,
    threshold: float,
    title: str = "Where each strategy stands",
    *,
    key: bool = True,
) -> go.Figure:
    """Purpose (x) against performance (y) with the threshold lines and the four quadrants.

    Points carry the strategy's number and a key below names them: ten names beside ten points
    would pile up, since scores often coincide.
    """
    numbered = scores.reset_index(drop=True).assign(number=lambda f: f.index + 1)
    points = _group_same_position(numbered.dropna(subset=["purpose", "performance"]))
    fig = go.Figure()
    for quadrant, colour in theme.QUADRANT_COLOURS.items():
        group = points[points["quadrant"] == quadrant]
        if group.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=list(group["purpose"]),
                y=list(group["performance"]),
                text=list(group["numbers"]),
                customdata=list(group["names"]),
                name=QUADRANT_LABELS[quadrant],
                mode="markers+text",
                # One number fits inside its marker; a list of them is written beside it.
                textposition=list(group["text_position"]),
                textfont={
                    "color": ["white" if inside else colour for inside in group["text_inside"]],
                    "size": theme.CHART_TEXT,
                    "weight": "bold",
                },
                marker={
                    "size": list(group["marker_size"]),
                    "color": colour,
                    "line": {"width": 1, "color": "white"},
                },
                hovertemplate="%{customdata}<br>purpose %{x:.0f} · performance %{y:.0f}"
                "<extra></extra>",
            )
        )
    # Lines and labels go in with one layout update each: plotly validates every add_* call
    # over the whole figure again, which cost a tenth of a second per draw.
    guide = {"color": theme.GUIDE_LINE, "dash": "dash"}
    fig.update_layout(
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "y domain",
                "x0": threshold,
                "x1": threshold,
                "y0": 0,
                "y1": 1,
                "line": guide,
            },
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": threshold,
                "y1": threshold,
                "line": guide,
            },
        ]
    )
    corners = {
        "aligned": (100, 100, "right", "top"),
        "intent_gap": (100, 0, "right", "bottom"),
        "hollow": (0, 100, "left", "top"),
        "drifting": (0, 0, "left", "bottom"),
    }
    labels = [
        {
            "x": x,
            "y": y,
            "text": f"<b>{QUADRANT_LABELS[quadrant]}</b>",
            "showarrow": False,
            "xanchor": xanchor,
            "yanchor": yanchor,
            "font": {"color": theme.QUADRANT_COLOURS[quadrant], "size": 13},
        }
        for quadrant, (x, y, xanchor, yanchor) in corners.items()
    ]
    fig.update_xaxes(title="Purpose: how much it matters to me", range=AXIS_RANGE)
    fig.update_yaxes(title="Performance: how often I act on it", range=AXIS_RANGE)
    if not key:  # the caller shows `quadrant_key` beside the chart
        fig.update_layout(annotations=labels)
        return theme.base_layout(fig, title, height=560)
    # One column, placed in pixels below the axis title: it reads the same on a phone (two
    # columns overlapped at 390 px) as on a laptop.
    for index, row in numbered.iterrows():
        scored = not pd.isna(row["quadrant"])
        labels.append(
            {
                "x": 0,
                "y": 0,
                "yshift": -KEY_TOP_PX - KEY_ROW_PX * index,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "text": f"<b>{row['number']}</b>  {_labels([row['strategy_name']])[0]}"
                + ("" if scored else " (not scored)"),
                "font": {
                    "color": theme.QUADRANT_COLOURS.get(row["quadrant"], theme.DRIFTING),
                    "size": 13,
                },
            }
        )
    key_height = KEY_TOP_PX + KEY_ROW_PX * len(numbered)
    fig.update_layout(annotations=labels)
    theme.base_layout(fig, title, height=540 + key_height)
    fig.update_layout(margin={"b": key_height + 12})
    return fig


def gap_chart(
    scores: pd.DataFrame, title: str = "Gap per strategy: what I do minus what I value"
) -> go.Figure:
    """Signed gap per strategy, sorted, coloured by direction."""
    scored = scores.dropna(subset=["gap"]).sort_values("gap", ascending=False)
    colours = [theme.INTENT_GAP if g < 0 else theme.POSITIVE_GAP for g in scored["gap"]]
    fig = go.Figure(
        go.Bar(
            x=_values(scored["gap"]),
            y=_labels(scored["strategy_name"]),
            orientation="h",
            marker={"color": colours},
            text=[signed_points(g) for g in scored["gap"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:+.0f}<extra></extra>",
            showlegend=False,
        )
    )
    limit = max(25.0, float(scored["gap"].abs().max()) + 12 if not scored.empty else 25.0)
    fig.add_vline(x=0, line={"color": theme.GUIDE_LINE})
    fig.update_xaxes(range=[-limit, limit], title="← valued more · lived more →")
    return theme.base_layout(fig, title, height=480)


def index_trend_chart(
    series: pd.DataFrame, title: str = "Purpose, performance and alignment over time"
) -> go.Figure:
    """One line per index over submission time (the long frame of `trends.index_series`)."""
    fig = go.Figure()
    for name, colour in theme.INDEX_COLOURS.items():
        rows = series[series["index"] == name]
        fig.add_trace(
            go.Scatter(
                x=list(rows["submitted_at"]),
                y=_values(rows["value"]),
                name=name.capitalize(),
                mode="lines+markers",
                line={"color": colour, "width": 3, "dash": "dot" if name == "purpose" else None},
                marker={"size": 9},
                hovertemplate="%{x|%d %b %Y}: %{y:.0f}<extra>" + name + "</extra>",
            )
        )
    fig.update_yaxes(range=[0, 100], title="Index (0–100)")
    fig.update_xaxes(title=None)
    return theme.base_layout(fig, title, height=420)


def alignment_heatmap(
    matrix: pd.DataFrame, title: str = "Alignment per strategy at each check-in"
) -> go.Figure:
    """Strategies down, check-ins across; brighter means better aligned."""
    labels = check_in_labels(list(matrix.columns))
    z = [[None if pd.isna(v) else round(float(v)) for v in row] for row in matrix.to_numpy()]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=_labels(matrix.index),
            zmin=0,
            zmax=100,
            colorscale=theme.HEATMAP_SCALE,
            text=[["" if v is None else str(v) for v in row] for row in z],
            texttemplate="%{text}",
            colorbar={"title": {"text": "Alignment"}},
            hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(type="category")
    return theme.base_layout(fig, title, height=max(360, 48 * len(matrix) + 120))


def change_slopes(
    comparison: pd.DataFrame,
    earlier_label: str,
    later_label: str,
    title: str = "Two check-ins compared",
) -> go.Figure:
    """Per strategy, purpose and performance each as an arrow from the earlier to the later
    score: one row per strategy reads at a glance, where four radar shapes overlapped."""
    fig = go.Figure()
    names = _labels(comparison["strategy_name"])
    rows = range(len(comparison))
    for dimension, colour, offset in (
        ("purpose", theme.PURPOSE, -0.18),
        ("performance", theme.PERFORMANCE, 0.18),
    ):
        x, y, symbols, hover = [], [], [], []
        for row, name, before, after in zip(
            rows,
            names,
            _values(comparison[f"{dimension}_before"]),
            _values(comparison[f"{dimension}_after"]),
            strict=True,
        ):
            x += [before, after, None]
            y += [row + offset] * 2 + [None]
            # The arrow points the way the score moved; a score with no earlier value is a dot.
            symbols += ["circle-open", "arrow" if before is not None else "circle", "circle"]
            change = f"{points(before)} → {points(after)}" if None not in (before, after) else "—"
            hover += [f"{name}: {change}"] * 3
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=dimension.capitalize(),
                mode="lines+markers",
                line={"color": colour, "width": 3},
                marker={
                    "symbol": symbols,
                    "size": 14,
                    "angleref": "previous",
                    "color": colour,
                    "line": {"color": colour, "width": 2},
                },
                text=hover,
                hovertemplate="%{text}<extra>" + dimension + "</extra>",
                connectgaps=False,
            )
        )
    fig.update_yaxes(
        tickvals=list(rows), ticktext=names, autorange="reversed", showgrid=False, zeroline=False
    )
    fig.update_xaxes(
        range=AXIS_RANGE,
        title=f"From {html.escape(earlier_label)} to {html.escape(later_label)}: the arrow "
        "points to the later score (0–100)",
    )
    return theme.base_layout(fig, title, height=max(360, 56 * len(comparison) + 140))


def change_dumbbell(
    comparison: pd.DataFrame,
    earlier_label: str,
    later_label: str,
    title: str = "Alignment per strategy: what changed",
) -> go.Figure:
    """Alignment before and after per strategy, sorted by the change; the later point and the
    line are coloured by direction, so a decline never looks like a gain."""
    rows = comparison.dropna(subset=["alignment_change"]).sort_values("alignment_change")
    fig = go.Figure()
    names = _labels(rows["strategy_name"])
    direction = [_direction(change) for change in rows["alignment_change"]]
    fig.add_trace(
        go.Scatter(
            x=_values(rows["alignment_before"]),
            y=names,
            mode="markers",
            name=html.escape(earlier_label),
            marker={
                "size": 13,
                "symbol": "circle-open",
                "color": theme.DRIFTING,
                "line": {"width": 2},
            },
            hovertemplate="%{y}: %{x:.0f}<extra>" + html.escape(earlier_label) + "</extra>",
        )
    )
    for word, colour in theme.CHANGE_COLOURS.items():
        chosen = [n for n, d in enumerate(direction) if d == word]
        if not chosen:
            continue
        picked = rows.iloc[chosen]
        x: list[float | None] = []
        for before, after in zip(
            _values(picked["alignment_before"]), _values(picked["alignment_after"]), strict=True
        ):
            x += [before, after, None]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[names[n] for n in chosen for _ in range(3)],
                mode="lines",
                line={"color": colour, "width": 3},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=_values(picked["alignment_after"]),
                y=[names[n] for n in chosen],
                mode="markers",
                name=f"{html.escape(later_label)}, {word}",
                marker={"size": 13, "color": colour},
                hovertemplate="%{y}: %{x:.0f}<extra>" + word + "</extra>",
            )
        )
    fig.update_xaxes(range=[0, 104], title="Alignment (100 = fully matched)")
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    return theme.base_layout(fig, title, height=max(360, 40 * len(rows) + 140))


def _direction(change: float) -> str:
    """In whole points, as shown: a change that rounds to zero is no change."""
    if abs(change) < 0.5:
        return "unchanged"
    return "improved" if change > 0 else "declined"


def _group_same_position(scored: pd.DataFrame) -> pd.DataFrame:
    """One point per position listing every strategy there, so markers never hide each other."""
    rounded = scored.assign(
        purpose=scored["purpose"].round(1), performance=scored["performance"].round(1)
    )
    grouped = (
        rounded.groupby(["purpose", "performance", "quadrant"], sort=True)
        .agg(numbers=("number", list), names=("strategy_name", list))
        .reset_index()
    )
    grouped["marker_size"] = grouped["numbers"].map(lambda n: 22 + 4 * (len(n) - 1))
    grouped["text_inside"] = grouped["numbers"].map(lambda n: len(n) == 1)
    grouped["text_position"] = [
        "middle center" if inside else ("middle left" if x > 70 else "middle right")
        for inside, x in zip(grouped["text_inside"], grouped["purpose"], strict=True)
    ]
    grouped["numbers"] = grouped["numbers"].map(lambda n: "·".join(map(str, n)))
    grouped["names"] = grouped["names"].map(lambda names: "<br>".join(_labels(names)))
    return grouped


def quadrant_key(scores: pd.DataFrame) -> list[tuple[int, str, str | None]]:
    """(number, strategy name, quadrant) as the quadrant chart numbers its points."""
    return [
        (n, str(name), None if pd.isna(q) else str(q))
        for n, (name, q) in enumerate(
            zip(scores["strategy_name"], scores["quadrant"], strict=True), 1
        )
    ]


def spread_chart(
    summary: pd.DataFrame, title: str = "How the group's alignment varies per strategy"
) -> go.Figure:
    """One box per strategy from the group's quartiles, never from people's scores.

    `summary` has `strategy_name` and `alignment_low/median/high` (as `workshop.group_view`):
    the box spans the middle half of the group; no whisker reaches anyone's own score, since a
    minimum or a maximum is one person's. Strategies with too few answers for a spread are left
    out (`chartsets.session_charts` draws this chart only when one strategy has enough).
    """
    rows = summary.dropna(subset=["alignment_median"])
    fig = go.Figure(
        go.Box(
            y=_labels(rows["strategy_name"]),
            lowerfence=_values(rows["alignment_low"]),
            q1=_values(rows["alignment_low"]),
            median=_values(rows["alignment_median"]),
            q3=_values(rows["alignment_high"]),
            upperfence=_values(rows["alignment_high"]),
            orientation="h",
            marker={"color": theme.ALIGNMENT},
            line={"color": theme.ALIGNMENT},
            fillcolor=_with_alpha(theme.ALIGNMENT, 0.25),
            showlegend=False,
            hovertemplate="%{y}: middle half %{q1:.0f}–%{q3:.0f}, median %{median:.0f}"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 100], title="Alignment (100 = fully matched)")
    return theme.base_layout(fig, title, height=max(380, 44 * len(rows) + 140))


def check_in_labels(times: list) -> list[str]:
    """Day labels for check-ins, with the time where two fall on the same day."""
    days = [f"{pd.Timestamp(t):%d %b %Y}" for t in times]
    return [
        f"{pd.Timestamp(t):%d %b %Y %H:%M}" if days.count(day) > 1 else day
        for t, day in zip(times, days, strict=True)
    ]


def _with_alpha(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
