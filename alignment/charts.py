"""Charts as pure functions: a DataFrame in, a plotly Figure out.

Inputs are the frames of `alignment.results` and `alignment.trends` (per-strategy rows carry a
`strategy_name`). Every figure has a title that says what it shows and uses `alignment.theme`.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from alignment import theme
from alignment.numbers import points, signed_points, whole_points
from alignment.scoring import QUADRANT_LABELS

# Every score axis spans 0-100, with room for a marker at either end to show in full.
AXIS_RANGE = [-4, 104]
SCORE_TICKS = [0, 20, 40, 60, 80, 100]
KEY_TOP_PX, KEY_ROW_PX = 64, 22  # the quadrant map's key, below its axis title
RADAR_LABEL_WIDTH = 12  # characters: the room beside a radar on a 390 px phone
ROW_LABEL_WIDTH = 18  # characters: strategy names beside bars and rows leave a phone room


def _values(series: pd.Series) -> list[float | None]:
    """Plotly draws None as a gap; a missing score must never look like 0."""
    return [None if pd.isna(v) else round(float(v), 1) for v in series]


def _labels(names: Iterable[object]) -> list[str]:
    """Names from questionnaires as plotly text: plotly renders a subset of HTML (links, styles)
    in axis labels, hover text and annotations, so every name is escaped where it enters."""
    return [html.escape(str(name), quote=False) for name in names]


def _row_labels(names: Iterable[object]) -> list[str]:
    """Strategy names beside rows, on two lines where long: on one line the longest took half
    a phone's width from the chart."""
    return [_wrapped(name, ROW_LABEL_WIDTH) for name in _labels(names)]


def _wrapped(label: str, width: int = RADAR_LABEL_WIDTH) -> str:
    """An (escaped) label on lines of about `width` characters, joined as plotly breaks; only
    between words, so "self-care" stays whole."""
    lines = textwrap.wrap(label, width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines) or label


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
                cliponaxis=False,  # a 100 sits on the outer ring, drawn whole
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
    would pile up, since scores often coincide. `key=False` is the Present page's map (its key
    beside it, in projector type): the numbers are placed apart for that screen's size.
    """
    numbered = scores.reset_index(drop=True).assign(number=lambda f: f.index + 1)
    room = PHONE if key else SHARED_SCREEN
    markers = _group_nearby(numbered.dropna(subset=["purpose", "performance"]), room)
    fig = go.Figure()
    for quadrant, colour in theme.QUADRANT_COLOURS.items():
        group = markers[markers["quadrant"] == quadrant]
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
                # One number inside its marker; a list of them, or one whose marker touches
                # another, beside it on the side left free (see `_place_labels`).
                textposition=list(group["text_position"]),
                textfont={
                    "color": [
                        "white" if place == "middle center" else colour
                        for place in group["text_position"]
                    ],
                    "size": theme.CHART_TEXT,
                    "weight": "bold",
                },
                marker={
                    "size": list(group["marker_size"]),
                    "color": colour,
                    "line": {"width": 1, "color": "white"},
                },
                hovertemplate="%{customdata}<extra></extra>",
                showlegend=False,  # the corner labels name each colour's quadrant
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
    # The quadrants' names lie in bands above 100 and below 0 where no score can be, so no
    # marker or number ever sits under a name.
    low, high = QUADRANT_Y_RANGE
    corners = {
        "aligned": (100, high, "right", "top"),
        "intent_gap": (100, low, "right", "bottom"),
        "hollow": (0, high, "left", "top"),
        "drifting": (0, low, "left", "bottom"),
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
    fig.update_xaxes(_score_axis("Purpose: how much it matters to me"))
    fig.update_yaxes(_score_axis("Performance: how often I act on it"), range=QUADRANT_Y_RANGE)
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
            y=_row_labels(scored["strategy_name"]),
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
    fig.update_yaxes(_score_axis("Index (0–100)"))
    fig.update_xaxes(title=None)
    return theme.base_layout(fig, title, height=420)


HEATMAP_CELL_TEXT = 13  # px: whole points fit a cell this size on a 390 px phone
HEATMAP_ROW_PX = 44


def alignment_heatmap(
    matrix: pd.DataFrame, title: str = "Alignment per strategy at each check-in"
) -> go.Figure:
    """Strategies down, check-ins across; brighter means better aligned.

    Each cell's number is a text point of its own, inked black or white by contrast with that
    cell's colour: plotly's own heatmap text takes one colour, unreadable on half the scale.
    The colour bar lies below the cells, so a phone gives its width to the check-ins.
    """
    labels = check_in_labels(list(matrix.columns), stacked=True)
    values = whole_points(matrix)
    names = _row_labels(matrix.index)
    z = [[None if pd.isna(v) else int(v) for v in row] for row in values.to_numpy()]
    cells = [
        (label, name, value)
        for name, row in zip(names, z, strict=True)
        for label, value in zip(labels, row, strict=True)
        if value is not None
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=names,
            zmin=0,
            zmax=100,
            colorscale=theme.HEATMAP_SCALE,
            colorbar={
                "title": {"text": "Alignment", "side": "top"},
                "orientation": "h",
                "y": -0.02,
                "yanchor": "top",
                "yref": "paper",
                "thickness": 12,
                "len": 1,
                "tickvals": SCORE_TICKS,
            },
            hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[label for label, _, _ in cells],
            y=[name for _, name, _ in cells],
            text=[str(value) for _, _, value in cells],
            mode="text",
            textfont={
                "size": HEATMAP_CELL_TEXT,
                "color": [theme.readable_ink(theme.heatmap_colour(v)) for _, _, v in cells],
            },
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top", tickangle=0, tickfont={"size": 12})
    fig = theme.base_layout(fig, title, height=max(360, HEATMAP_ROW_PX * len(matrix) + 190))
    fig.update_layout(margin={"t": fig.layout.margin.t + 56, "b": 80})  # dates above, bar below
    return fig


def change_slopes(
    comparison: pd.DataFrame,
    earlier_label: str,
    later_label: str,
    title: str = "Two check-ins compared",
) -> go.Figure:
    """Per strategy, purpose and performance each as an arrow from the earlier to the later
    score: one row per strategy reads at a glance, where four radar shapes overlapped.

    The colour says the direction (`theme.CHANGE_COLOURS`, as the alignment change beside it)
    and the line the dimension (purpose dotted, as on the index trend), so a fall is never
    drawn like a rise; the legend names each pair ("Purpose declined").
    """
    fig = go.Figure()
    names = _labels(comparison["strategy_name"])
    for dimension, offset in (("purpose", -0.18), ("performance", 0.18)):
        moves = list(
            zip(
                range(len(comparison)),
                names,
                _values(comparison[f"{dimension}_before"]),
                _values(comparison[f"{dimension}_after"]),
                strict=True,
            )
        )
        for word, colour in SCORE_MOVES.items():
            x, y, symbols, hover = [], [], [], []
            for row, name, before, after in moves:
                if _move(before, after) != word:
                    continue
                x += [before, after, None]
                y += [row + offset] * 2 + [None]
                # The arrow points the way the score moved; a score with no earlier value is a dot.
                symbols += ["circle-open", "arrow" if before is not None else "circle", "circle"]
                change = f"{points(before)} → " if before is not None else "first scored "
                change += points(after)
                hover += [f"{name}: {change}"] * 3
            if not x:
                continue
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    name=f"{dimension.capitalize()} {word}",
                    mode="lines+markers",
                    line={
                        "color": colour,
                        "width": 3,
                        "dash": "dot" if dimension == "purpose" else None,
                    },
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
    rows = list(range(len(comparison)))
    fig.update_yaxes(
        tickvals=rows,
        ticktext=_row_labels(comparison["strategy_name"]),
        autorange="reversed",
        showgrid=False,
        zeroline=False,
    )
    fig.update_xaxes(_score_axis("Score (0–100): each arrow<br>points to the later one"))
    # The dates go in the title, which wraps: below the axis they ran off a phone.
    dates = f"{html.escape(earlier_label)} to {html.escape(later_label)}"
    return theme.base_layout(fig, f"{title}: {dates}", height=max(360, 56 * len(comparison) + 160))


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
    names = _row_labels(rows["strategy_name"])
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
    fig.update_xaxes(_score_axis("Alignment (100 = fully matched)"))
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    return theme.base_layout(fig, title, height=max(360, 40 * len(rows) + 140))


# How a score went from one check-in to the next: a score new at the later one has no direction.
SCORE_MOVES = {**theme.CHANGE_COLOURS, "first scored": theme.DRIFTING}


def _move(before: float | None, after: float | None) -> str | None:
    """The key of `SCORE_MOVES` for a score, or None when there is no later score to draw."""
    if after is None:
        return None
    return "first scored" if before is None else _direction(after - before)


def _direction(change: float) -> str:
    """In whole points, as shown: a change that rounds to zero is no change."""
    if abs(change) < 0.5:
        return "unchanged"
    return "improved" if change > 0 else "declined"


MERGE_POINTS = 4  # strategies this close (on both scores) share one marker
QUADRANT_Y_RANGE = [-11, 111]  # 0-100, and a band each side for the quadrants' names
SINGLE_MARKER_PX = 22
DIGIT_EM = 0.62  # a bold digit or separator, a little generous
LABEL_GAP_PX = 3


@dataclass(frozen=True)
class LabelRoom:
    """Where a quadrant map's numbers must stay apart: its plot area and text size in px."""

    plot_px: tuple[float, float]
    text_px: float

    @property
    def zoom(self) -> float:
        """How much larger than on screen markers are drawn (`theme.presentation_style`)."""
        return self.text_px / theme.CHART_TEXT


# A 390 px phone, where labels have the least room: apart there, apart on any larger screen.
PHONE = LabelRoom((300, 380), theme.CHART_TEXT)
# The Present page's map beside its key on a 1280 x 720 screen, in projector type.
SHARED_SCREEN = LabelRoom((760, 270), theme.PRESENTATION_FONT)
LABEL_PLACES = (
    "middle right",
    "middle left",
    "top center",
    "bottom center",
    "top right",
    "top left",
    "bottom right",
    "bottom left",
)
Box = tuple[float, float, float, float]  # left, bottom, right, top in a LabelRoom's pixels


def _group_nearby(scored: pd.DataFrame, room: LabelRoom) -> pd.DataFrame:
    """One marker per cluster of strategies within `MERGE_POINTS` of each other in the same
    quadrant, at their mean, listing every number there: markers never hide each other.

    Clusters join in number order (deterministic); the mean of points in one quadrant stays in
    that quadrant, so a merged marker keeps its colour honest.
    """
    clusters: list[list[int]] = []
    rows = scored.reset_index(drop=True)
    for position, row in rows.iterrows():
        near = [
            cluster
            for cluster in clusters
            if any(
                rows.at[other, "quadrant"] == row["quadrant"]
                and abs(rows.at[other, "purpose"] - row["purpose"]) <= MERGE_POINTS
                and abs(rows.at[other, "performance"] - row["performance"]) <= MERGE_POINTS
                for other in cluster
            )
        ]
        joined = [position] + [member for cluster in near for member in cluster]
        clusters = [cluster for cluster in clusters if cluster not in near] + [sorted(joined)]
    records = []
    for cluster in sorted(clusters, key=lambda members: rows.at[members[0], "number"]):
        members = rows.iloc[cluster]
        names = _labels(members["strategy_name"])
        records.append(
            {
                "purpose": round(float(members["purpose"].mean()), 1),
                "performance": round(float(members["performance"].mean()), 1),
                "quadrant": members["quadrant"].iloc[0],
                "numbers": "·".join(str(n) for n in members["number"]),
                "names": "<br>".join(
                    f"{number}  {name}: purpose {points(p)} · performance {points(q)}"
                    for number, name, p, q in zip(
                        members["number"],
                        names,
                        members["purpose"],
                        members["performance"],
                        strict=True,
                    )
                ),
                "marker_size": SINGLE_MARKER_PX + 4 * (len(cluster) - 1),
            }
        )
    grouped = pd.DataFrame(
        records,
        columns=["purpose", "performance", "quadrant", "numbers", "names", "marker_size"],
    )
    grouped["text_position"] = _place_labels(grouped, room)
    return grouped


def _to_px(x: float, y: float, room: LabelRoom) -> tuple[float, float]:
    """A point of the quadrant map in pixels of its plot area, from its bottom left."""
    (left, right), (bottom, top) = AXIS_RANGE, QUADRANT_Y_RANGE
    width, height = room.plot_px
    return (x - left) / (right - left) * width, (y - bottom) / (top - bottom) * height


def label_box(
    x: float, y: float, text: str, marker_px: float, place: str, room: LabelRoom = PHONE
) -> Box:
    """Where plotly draws `text` at `place` beside a marker at (x, y) in `room`."""
    centre_x, centre_y = _to_px(x, y, room)
    width, height = len(text) * DIGIT_EM * room.text_px, room.text_px * 1.2
    reach = marker_px * room.zoom / 2 + LABEL_GAP_PX
    vertical, horizontal = place.split()
    left = {
        "left": centre_x - reach - width,
        "center": centre_x - width / 2,
        "right": centre_x + reach,
    }[horizontal]
    bottom = {
        "bottom": centre_y - reach - height,
        "middle": centre_y - height / 2,
        "top": centre_y + reach,
    }[vertical]
    return left, bottom, left + width, bottom + height


def marker_box(x: float, y: float, marker_px: float, room: LabelRoom = PHONE) -> Box:
    """The square a marker of `marker_px` (on screen) covers at (x, y) in `room`."""
    centre_x, centre_y = _to_px(x, y, room)
    half = marker_px * room.zoom / 2
    return centre_x - half, centre_y - half, centre_x + half, centre_y + half


def boxes_overlap(first: Box, second: Box) -> bool:
    return (
        first[0] < second[2]
        and second[0] < first[2]
        and first[1] < second[3]
        and second[1] < first[3]
    )


def _overlap_area(first: Box, second: Box) -> float:
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    return max(width, 0) * max(height, 0)


def _place_labels(grouped: pd.DataFrame, room: LabelRoom) -> list[str]:
    """A text position per marker, chosen in number order, so that no label covers another
    label or marker in `room`, nor leaves the plot; the least covered place when none is free.
    """
    spots = list(
        zip(grouped["purpose"], grouped["performance"], grouped["marker_size"], strict=True)
    )
    markers = [marker_box(x, y, size, room) for x, y, size in spots]
    taken: list[Box] = []
    places = []
    for index, ((x, y, size), text) in enumerate(zip(spots, grouped["numbers"], strict=True)):
        own, others = markers[index], markers[:index] + markers[index + 1 :]
        options = [
            (place, label_box(x, y, text, size, place, room), markers) for place in LABEL_PLACES
        ]
        if "·" not in text and not any(boxes_overlap(own, box) for box in others):
            options.insert(0, ("middle center", own, others))  # one number fits its marker
        costs = [_cover(box, taken + obstacles, room) for _, box, obstacles in options]
        place, box, _ = options[costs.index(min(costs))]  # the first free place wins ties
        places.append(place)
        taken.append(box)
    return places


def _cover(box: Box, obstacles: list[Box], room: LabelRoom) -> float:
    """How much of a label is hidden: outside the scores' square (into the plot's edge or the
    bands of the quadrants' names) counts as all of it, and more."""
    left, bottom = _to_px(AXIS_RANGE[0], AXIS_RANGE[0], room)
    right, top = _to_px(AXIS_RANGE[1], AXIS_RANGE[1], room)
    outside = box[0] < left or box[1] < bottom or box[2] > right or box[3] > top
    return 1e6 * outside + sum(_overlap_area(box, other) for other in obstacles)


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
            y=_row_labels(rows["strategy_name"]),
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
    fig.update_xaxes(_score_axis("Alignment (100 = fully matched)"))
    return theme.base_layout(fig, title, height=max(380, 44 * len(rows) + 140))


def check_in_labels(times: list, *, stacked: bool = False) -> list[str]:
    """Day labels for check-ins, with the time where two fall on the same day; `stacked` puts
    day, month and year on lines of their own, so six check-ins fit across a phone."""
    days = [f"{pd.Timestamp(t):%d %b %Y}" for t in times]
    labels = [
        f"{pd.Timestamp(t):%d %b %Y %H:%M}" if days.count(day) > 1 else day
        for t, day in zip(times, days, strict=True)
    ]
    return ["<br>".join(label.split(" ", 2)) for label in labels] if stacked else labels


def _with_alpha(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _score_axis(title: str) -> dict[str, object]:
    """A 0-100 score axis with room at both ends, ticked every 20 points."""
    return {"title": title, "range": AXIS_RANGE, "tickvals": SCORE_TICKS}
