"""Charts: a DataFrame in, a plotly Figure out, in the one palette of `alignment.theme`."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from alignment import charts, theme
from alignment.export import download_name, slug
from alignment.scoring import QUADRANT_LABELS

NAN = float("nan")


def strategies(rows: list[tuple]) -> pd.DataFrame:
    """(strategy, strategy_name, purpose, performance, quadrant); gap and alignment derived."""
    frame = pd.DataFrame(
        rows, columns=["strategy", "strategy_name", "purpose", "performance", "quadrant"]
    )
    frame["gap"] = frame["performance"] - frame["purpose"]
    frame["alignment"] = 100 - frame["gap"].abs()
    return frame


@pytest.fixture
def scores() -> pd.DataFrame:
    return strategies(
        [
            ("a", "Alpha", 90.0, 40.0, "intent_gap"),  # gap -50
            ("b", "Bravo", 80.0, 82.4, "aligned"),  # gap +2.4
            ("c", "Charlie", 30.0, 70.0, "hollow"),  # gap +40
            ("d", "Delta", 20.0, 10.0, "drifting"),  # gap -10
            ("e", "Echo", 30.0, 70.0, "hollow"),  # same place as Charlie
            ("f", "Foxtrot", 70.0, NAN, pd.NA),  # performance missing
        ]
    )


@pytest.fixture
def comparison() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "strategy": ["a", "b", "c", "d"],
            "strategy_name": ["Alpha", "Bravo", "Charlie", "Delta"],
            "purpose_before": [80.0, 60.0, NAN, 50.0],
            "purpose_after": [90.0, 55.0, 40.0, 50.0],
            "performance_before": [40.0, 70.0, NAN, 50.0],
            "performance_after": [70.0, 75.0, 60.0, 45.0],
            "alignment_before": [60.0, 90.0, NAN, 100.0],  # |40-80|, |70-60|, -, 0
            "alignment_after": [80.0, 80.0, 80.0, 95.0],  # |70-90|, |75-55|, |60-40|, 5
        }
    ).assign(
        purpose_change=lambda f: f["purpose_after"] - f["purpose_before"],
        performance_change=lambda f: f["performance_after"] - f["performance_before"],
        alignment_change=lambda f: f["alignment_after"] - f["alignment_before"],
    )
    # alignment_change: a +20, b -10, c missing, d -5


@pytest.fixture
def series() -> pd.DataFrame:
    times = [pd.Timestamp("2026-01-01T09:00Z"), pd.Timestamp("2026-02-01T09:00Z")]
    rows = []
    for when, values in zip(times, [(50, 40, 90), (60, 70, 90)], strict=True):
        for index, value in zip(("purpose", "performance", "alignment"), values, strict=True):
            rows.append({"submitted_at": when, "response_id": str(when), "index": index})
            rows[-1]["value"] = float(value)
    return pd.DataFrame(rows)


@pytest.fixture
def matrix() -> pd.DataFrame:
    return pd.DataFrame(
        [[75.2, 100.0, NAN], [NAN, 58.333, 25.0]],
        index=["Alpha", "Bravo"],
        columns=[
            pd.Timestamp("2026-01-01T09:00Z"),
            pd.Timestamp("2026-02-01T09:00Z"),
            pd.Timestamp("2026-03-01T09:00Z"),
        ],
    )


@pytest.fixture
def all_figures(scores, comparison, series, matrix) -> dict[str, go.Figure]:
    return {
        "radar": charts.radar_chart(scores),
        "quadrant": charts.quadrant_chart(scores, 60),
        "gap": charts.gap_chart(scores),
        "trend": charts.index_trend_chart(series),
        "heatmap": charts.alignment_heatmap(matrix),
        "comparison": charts.change_slopes(comparison, "Jan", "Mar"),
        "dumbbell": charts.change_dumbbell(comparison, "Jan", "Mar"),
    }


def test_every_chart_is_a_figure_with_a_title(all_figures):
    for name, fig in all_figures.items():
        assert isinstance(fig, go.Figure), name
        assert fig.layout.title.text and fig.layout.title.text.strip(), name


def test_a_given_title_is_used(scores):
    assert charts.radar_chart(scores, title="Mine").layout.title.text == "Mine"
    assert charts.gap_chart(scores, title="Gaps").layout.title.text == "Gaps"


# ---------------------------------------------------------------------------------------------
# One palette


def _theme_colours() -> set[str]:
    hexes = [
        theme.PURPOSE,
        theme.PERFORMANCE,
        theme.ALIGNMENT,
        theme.INTENT_GAP,
        theme.HOLLOW,
        theme.DRIFTING,
        theme.POSITIVE_GAP,
    ]
    allowed = {c.upper() for c in hexes} | {theme.GUIDE_LINE, *theme.INK_ON_COLOUR}
    allowed |= set(theme.QUADRANT_COLOURS.values()) | set(theme.INDEX_COLOURS.values())
    return {c.upper() for c in allowed}


def _is_tint_of_theme_colour(colour: str, palette: set[str]) -> bool:
    """rgba(r,g,b,a) with the r, g, b of a palette colour (e.g. a radar fill)."""
    match = re.fullmatch(r"rgba\((\d+),(\d+),(\d+),[0-9.]+\)", colour.replace(" ", ""))
    if not match:
        return False
    hex_colour = "#{:02X}{:02X}{:02X}".format(*(int(g) for g in match.groups()))
    return hex_colour in palette


def _colours(node: object, key: str = "") -> list[str]:
    """Every colour value in a trace (keys named color / fillcolor, lists included)."""
    found: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _colours(v, k)
    elif isinstance(node, list | tuple):
        for v in node:
            found += _colours(v, key)
    elif isinstance(node, str) and key in {"color", "fillcolor"}:
        found.append(node)
    return found


def test_every_trace_colour_comes_from_the_theme(all_figures):
    palette = _theme_colours()
    for name, fig in all_figures.items():
        for trace in fig.data:
            for colour in _colours(trace.to_plotly_json()):
                # White is only the label/outline on quadrant markers, for contrast.
                ok = (
                    colour.upper() in palette
                    or _is_tint_of_theme_colour(colour, palette)
                    or colour == "white"
                )
                assert ok, f"{name}: {colour} is not a theme colour"


def test_heatmap_uses_the_theme_colour_scale(matrix):
    fig = charts.alignment_heatmap(matrix)
    assert fig.data[0].colorscale == go.Heatmap(colorscale=theme.HEATMAP_SCALE).colorscale


# ---------------------------------------------------------------------------------------------
# radar_chart


def test_radar_has_purpose_and_performance_with_the_loop_closed(scores):
    fig = charts.radar_chart(scores)
    assert len(fig.data) == 2
    purpose, performance = fig.data
    assert "Purpose" in purpose.name and "Performance" in performance.name
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
    assert list(purpose.theta) == [*names, "Alpha"]
    assert list(purpose.r) == [90.0, 80.0, 30.0, 20.0, 30.0, 70.0, 90.0]
    # Foxtrot has no performance score: a gap (None), never 0.
    assert list(performance.r) == [40.0, 82.4, 70.0, 10.0, 70.0, None, 40.0]
    assert purpose.line.color == theme.PURPOSE
    assert performance.line.color == theme.PERFORMANCE


def test_radar_rounds_to_one_decimal(scores):
    scores.loc[0, "purpose"] = 87.549  # -> 87.5
    scores.loc[1, "purpose"] = 58.333333  # -> 58.3
    r = list(charts.radar_chart(scores).data[0].r)
    assert r[:2] == [87.5, 58.3]
    assert r[-1] == 87.5


def test_radar_missing_first_score_stays_missing_when_closing_the_loop(scores):
    scores.loc[0, "performance"] = NAN
    r = list(charts.radar_chart(scores).data[1].r)
    assert r[0] is None and r[-1] is None
    assert 0 not in r


# ---------------------------------------------------------------------------------------------
# quadrant_chart


def test_quadrant_threshold_lines_sit_at_the_threshold(scores):
    fig = charts.quadrant_chart(scores, 55)
    vertical = [s for s in fig.layout.shapes if s.x0 == s.x1 and s.xref == "x"]
    horizontal = [s for s in fig.layout.shapes if s.y0 == s.y1 and s.yref == "y"]
    assert [s.x0 for s in vertical] == [55]
    assert [s.y0 for s in horizontal] == [55]


def test_quadrant_names_appear_as_annotations(scores):
    texts = [a.text for a in charts.quadrant_chart(scores, 60).layout.annotations]
    for label in QUADRANT_LABELS.values():
        assert any(label in t for t in texts), label


def test_quadrant_points_are_coloured_and_named_per_quadrant(scores):
    fig = charts.quadrant_chart(scores, 60)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == set(QUADRANT_LABELS.values())
    for quadrant, label in QUADRANT_LABELS.items():
        assert by_name[label].marker.color == theme.QUADRANT_COLOURS[quadrant]
    assert (list(by_name["Intent gap"].x), list(by_name["Intent gap"].y)) == ([90.0], [40.0])
    assert list(by_name["Aligned"].text) == ["2"]
    assert list(by_name["Drifting"].text) == ["4"]


def test_quadrant_same_scores_share_one_marker_listing_both(scores):
    fig = charts.quadrant_chart(scores, 60)
    hollow = next(t for t in fig.data if t.name == QUADRANT_LABELS["hollow"])
    # Charlie (3) and Echo (5) both sit at (30, 70): one marker, both numbers.
    assert list(hollow.x) == [30.0] and list(hollow.y) == [70.0]
    assert list(hollow.text) == ["3·5"]
    assert "Charlie" in hollow.customdata[0] and "Echo" in hollow.customdata[0]
    # A shared marker is drawn bigger than a single one.
    single = next(t for t in fig.data if t.name == QUADRANT_LABELS["aligned"])
    assert hollow.marker.size[0] > single.marker.size[0]


def crowded() -> pd.DataFrame:
    """Three strategies on one spot, one a point away, and neighbours across the threshold."""
    return strategies(
        [
            ("a", "Alpha", 75.0, 62.5, "aligned"),
            ("b", "Bravo", 75.0, 62.5, "aligned"),
            ("c", "Charlie", 75.0, 62.5, "aligned"),
            ("d", "Delta", 76.0, 63.0, "aligned"),  # within a point: the same marker
            ("e", "Echo", 62.5, 62.5, "aligned"),
            ("f", "Foxtrot", 87.5, 62.5, "aligned"),
            ("g", "Golf", 75.0, 57.5, "intent_gap"),  # just below the line, another colour
            ("h", "Hotel", 58.0, 61.0, "hollow"),
            ("i", "India", 100.0, 100.0, "aligned"),  # under the "Aligned" corner
        ]
    )


def test_quadrant_nearby_strategies_share_one_marker_at_their_mean():
    fig = charts.quadrant_chart(crowded(), 60)
    points = [t for t in fig.data if t.mode == "markers+text"]
    texts = [text for t in points for text in t.text]
    assert "1·2·3·4" in texts
    numbers = [n for text in texts for n in text.split("·")]
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 10)]  # each number once
    aligned = next(t for t in points if t.name == QUADRANT_LABELS["aligned"])
    shared = list(aligned.text).index("1·2·3·4")
    assert (aligned.x[shared], aligned.y[shared]) == (75.2, 62.6)
    # Strategies across the threshold are never merged: each keeps its quadrant's colour.
    assert {t.name for t in points} >= {QUADRANT_LABELS["intent_gap"], QUADRANT_LABELS["hollow"]}
    # The hover names every strategy of a shared marker with its own scores.
    assert "Delta: purpose 76 · performance 63" in aligned.customdata[shared]


def test_quadrant_labels_never_cover_each_other_or_a_marker_on_a_phone():
    fig = charts.quadrant_chart(crowded(), 60)
    spots = [
        (x, y, text, size, place)
        for t in fig.data
        if t.mode == "markers+text"
        for x, y, text, size, place in zip(
            t.x, t.y, t.text, t.marker.size, t.textposition, strict=True
        )
    ]
    labels = [charts.label_box(x, y, text, size, place) for x, y, text, size, place in spots]
    markers = [charts.marker_box(x, y, size) for x, y, _, size, _ in spots]
    for one, (box, spot) in enumerate(zip(labels, spots, strict=True)):
        for other, (other_box, other_marker) in enumerate(zip(labels, markers, strict=True)):
            if one != other:
                assert not charts.boxes_overlap(box, other_box), (spot[2], spots[other][2])
                assert not charts.boxes_overlap(box, other_marker), (spot[2], spots[other][2])
        if "·" in spot[2]:
            assert spot[4] != "middle center"  # a list of numbers never squeezes into a marker


def test_quadrant_unscored_strategy_has_no_point(scores):
    fig = charts.quadrant_chart(scores, 60)
    numbers = [n for t in fig.data for text in t.text for n in text.split("·")]
    assert sorted(numbers) == ["1", "2", "3", "4", "5"]  # Foxtrot (6) is not plotted


def test_quadrant_key_names_every_strategy_with_its_number(scores):
    texts = [a.text for a in charts.quadrant_chart(scores, 60).layout.annotations]
    for number, name in enumerate(scores["strategy_name"], start=1):
        matching = [t for t in texts if re.search(rf"\b{number}\b.*{name}", t)]
        assert len(matching) == 1, name
    assert any("Foxtrot" in t and "not scored" in t for t in texts)


# ---------------------------------------------------------------------------------------------
# gap_chart


def test_gap_bars_sorted_and_coloured_by_direction(scores):
    fig = charts.gap_chart(scores)
    (bars,) = fig.data
    # Gaps: Charlie +40, Echo +40, Bravo +2.4, Delta -10, Alpha -50; Foxtrot has none.
    assert list(bars.x) == [40.0, 40.0, 2.4, -10.0, -50.0]
    assert list(bars.y) == ["Charlie", "Echo", "Bravo", "Delta", "Alpha"]
    assert list(bars.marker.color) == [
        theme.POSITIVE_GAP,
        theme.POSITIVE_GAP,
        theme.POSITIVE_GAP,
        theme.INTENT_GAP,
        theme.INTENT_GAP,
    ]
    assert list(bars.text) == ["+40", "+40", "+2", "-10", "-50"]


def test_gap_axis_leaves_room_for_the_largest_gap(scores):
    fig = charts.gap_chart(scores)
    low, high = fig.layout.xaxis.range
    assert low <= -50 and high >= 50 and low == -high


# ---------------------------------------------------------------------------------------------
# No axis cuts off its own data: every score axis spans 0-100, with room for a marker at 100


@pytest.fixture
def extremes() -> pd.DataFrame:
    """Scores at both ends of the scale, where a tight axis cuts a marker in half."""
    return strategies(
        [
            ("a", "Alpha", 100.0, 0.0, "intent_gap"),  # gap -100
            ("b", "Bravo", 0.0, 100.0, "hollow"),  # gap +100
            ("c", "Charlie", 100.0, 100.0, "aligned"),
            ("d", "Delta", 0.0, 0.0, "drifting"),
        ]
    )


def assert_score_axis(axis, values) -> None:
    low, high = axis.range
    shown = [v for v in values if v is not None]
    assert low <= -3 and high >= 103, axis.range  # 0-100 and half a marker beyond each end
    assert low < min(shown) and max(shown) < high
    assert {0, 100} <= set(axis.tickvals)


def test_radar_shows_a_full_marker_on_its_outer_ring(extremes):
    fig = charts.radar_chart(extremes)
    assert list(fig.layout.polar.radialaxis.range) == [0, 100]
    assert max(r for t in fig.data for r in t.r if r is not None) == 100
    assert all(trace.cliponaxis is False for trace in fig.data)  # a 100 is drawn whole


def test_quadrant_axes_span_the_scores_and_the_names_bands(extremes):
    fig = charts.quadrant_chart(extremes, 60)
    points = [t for t in fig.data if t.mode == "markers+text"]
    assert_score_axis(fig.layout.xaxis, [x for t in points for x in t.x])
    assert_score_axis(fig.layout.yaxis, [y for t in points for y in t.y])
    # The quadrants' names sit beyond 0 and 100, where no marker can be.
    names = [a for a in fig.layout.annotations if a.xref in (None, "x")]
    assert len(names) == 4
    assert all(a.y < -4 or a.y > 104 for a in names)


def test_gap_axis_holds_a_gap_of_100_and_its_label(extremes):
    axis = charts.gap_chart(extremes).layout.xaxis
    assert axis.range[0] <= -110 and axis.range[1] >= 110  # the bar and its "+100" beside it


def test_index_trend_axis_holds_0_and_100(series):
    series = series.assign(value=[0.0, 100.0, 50.0, 100.0, 0.0, 100.0])
    fig = charts.index_trend_chart(series)
    assert_score_axis(fig.layout.yaxis, [y for t in fig.data for y in t.y])


def test_check_ins_compared_axis_holds_0_and_100(comparison):
    ends = comparison.assign(purpose_before=0.0, purpose_after=100.0)
    fig = charts.change_slopes(ends, "Jan", "Mar")
    assert_score_axis(fig.layout.xaxis, [x for t in fig.data for x in t.x])


def test_alignment_change_axis_holds_0_and_100(comparison):
    ends = comparison.assign(alignment_before=0.0, alignment_after=100.0, alignment_change=100.0)
    fig = charts.change_dumbbell(ends, "Jan", "Mar")
    assert_score_axis(fig.layout.xaxis, [x for t in fig.data for x in t.x])


def test_spread_axis_holds_a_box_that_reaches_100():
    summary = pd.DataFrame(
        {
            "strategy_name": ["Alpha", "Bravo"],
            "alignment_low": [62.5, 0.0],
            "alignment_median": [87.5, 25.0],
            "alignment_high": [100.0, 37.5],
        }
    )
    fig = charts.spread_chart(summary)
    box = fig.data[0]
    assert_score_axis(fig.layout.xaxis, [*box.lowerfence, *box.upperfence])


# ---------------------------------------------------------------------------------------------
# Trends charts


def test_index_trend_has_one_line_per_index(series):
    fig = charts.index_trend_chart(series)
    assert len(fig.data) == 3
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"Purpose", "Performance", "Alignment"}
    assert list(by_name["Purpose"].y) == [50.0, 60.0]
    assert list(by_name["Performance"].y) == [40.0, 70.0]
    assert list(by_name["Alignment"].y) == [90.0, 90.0]
    for name, colour in theme.INDEX_COLOURS.items():
        assert by_name[name.capitalize()].line.color == colour


def test_heatmap_z_matches_the_matrix_in_whole_points(matrix):
    fig = charts.alignment_heatmap(matrix)
    heat, numbers = fig.data
    assert [list(row) for row in heat.z] == [[75, 100, None], [None, 58, 25]]
    assert list(heat.y) == ["Alpha", "Bravo"]
    assert list(heat.x) == ["01<br>Jan<br>2026", "01<br>Feb<br>2026", "01<br>Mar<br>2026"]
    assert (heat.zmin, heat.zmax) == (0, 100)
    # One number per scored cell, in that cell, as whole points (half up); none on a gap.
    cells = list(zip(numbers.x, numbers.y, numbers.text, strict=True))
    assert cells == [
        ("01<br>Jan<br>2026", "Alpha", "75"),
        ("01<br>Feb<br>2026", "Alpha", "100"),
        ("01<br>Feb<br>2026", "Bravo", "58"),
        ("01<br>Mar<br>2026", "Bravo", "25"),
    ]


def test_heatmap_numbers_are_whole_points_rounded_half_up():
    matrix = pd.DataFrame(
        [[72.5, 57.5]], index=["Alpha"], columns=pd.to_datetime(["2026-01-01", "2026-02-01"])
    )
    fig = charts.alignment_heatmap(matrix)
    assert list(fig.data[1].text) == ["73", "58"]  # round() would say 72 and 58


@pytest.mark.parametrize("style", ["screen", "light presentation", "dark presentation", "file"])
def test_heatmap_numbers_contrast_with_their_own_cell_in_both_themes(style):
    """Every cell value from 0 to 100: its ink reaches 4.5:1 on the colour plotly draws."""
    values = [[float(v) for v in range(0, 101)]]
    matrix = pd.DataFrame(
        values, index=["Alpha"], columns=pd.date_range("2026-01-01", periods=101, freq="D")
    )
    fig = charts.alignment_heatmap(matrix)
    fig = {
        "screen": fig,
        "light presentation": theme.presentation_style(fig, dark=False),
        "dark presentation": theme.presentation_style(fig, dark=True),
        "file": theme.export_style(fig),
    }[style]
    heat, numbers = fig.data
    assert heat.colorscale == go.Heatmap(colorscale=theme.HEATMAP_SCALE).colorscale
    inks = numbers.textfont.color  # set per cell, so no theme's text colour replaces it
    assert len(inks) == 101
    for value, ink in zip(numbers.text, inks, strict=True):
        cell = theme.heatmap_colour(float(value))
        assert theme.contrast_ratio(ink, cell) >= theme.MIN_TEXT_CONTRAST, (value, ink, cell)
    # Both ends of the scale carry text: white on the dark end, black on the bright one.
    assert (inks[0], inks[-1]) == ("#FFFFFF", "#000000")


def test_heatmap_numbers_stay_readable_on_a_phone(matrix):
    fig = charts.alignment_heatmap(matrix)
    assert fig.data[1].textfont.size >= 12  # fixed: plotly would shrink them to fit
    assert fig.layout.xaxis.tickangle == 0  # dates stacked on lines, never turned on end
    assert fig.data[0].colorbar.orientation == "h"  # the cells get the phone's width


def test_contrast_ratio_matches_wcag():
    assert theme.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert theme.contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert theme.heatmap_colour(0) == "rgb(0, 34, 78)"  # Cividis' dark end


def test_heatmap_keeps_two_check_ins_on_the_same_day_apart():
    matrix = pd.DataFrame(
        [[50.0, 90.0]],
        index=["Alpha"],
        columns=[pd.Timestamp("2026-03-01T09:00Z"), pd.Timestamp("2026-03-01T17:00Z")],
    )
    heat = charts.alignment_heatmap(matrix).data[0]
    assert len(set(heat.x)) == 2


def test_check_ins_compared_draw_an_arrow_per_strategy_and_dimension(comparison):
    fig = charts.change_slopes(comparison, "Jan", "Mar")
    traces = {t.name: t for t in fig.data}
    # Alpha: purpose 80→90, performance 40→70; Bravo: 60→55, 70→75; Charlie: new 40, 60;
    # Delta: 50→50, 50→45.
    assert sorted(traces) == sorted(
        [
            "Purpose improved",
            "Purpose declined",
            "Purpose unchanged",
            "Purpose first scored",
            "Performance improved",
            "Performance declined",
            "Performance first scored",
        ]
    )
    # Per strategy: earlier, later, a break, on the strategy's row.
    assert list(traces["Purpose improved"].x) == [80.0, 90.0, None]
    assert list(traces["Performance improved"].x) == [40.0, 70.0, None, 70.0, 75.0, None]
    assert list(traces["Purpose declined"].x) == [60.0, 55.0, None]
    assert list(traces["Performance declined"].x) == [50.0, 45.0, None]
    # Charlie has no earlier score: a dot at the later one, no arrow.
    assert list(traces["Purpose first scored"].x) == [None, 40.0, None]
    assert list(traces["Purpose first scored"].marker.symbol[:2]) == ["circle-open", "circle"]
    improved = traces["Purpose improved"]
    assert list(improved.marker.symbol) == ["circle-open", "arrow", "circle"]
    assert improved.marker.angleref == "previous"  # the arrow points the way the score moved
    # Both dimensions of a strategy sit on its row, one above the other.
    assert improved.y[0] < 0 < traces["Performance improved"].y[0]
    assert list(fig.layout.yaxis.ticktext) == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert fig.layout.title.text == "Two check-ins compared: Jan to Mar"
    assert "later" in fig.layout.xaxis.title.text


def test_check_ins_compared_colour_a_fall_apart_from_a_rise(comparison):
    traces = {t.name: t for t in charts.change_slopes(comparison, "Jan", "Mar").data}
    for dimension in ("Purpose", "Performance"):
        rise, fall = traces[f"{dimension} improved"], traces[f"{dimension} declined"]
        assert rise.line.color == rise.marker.color == theme.CHANGE_COLOURS["improved"]
        assert fall.line.color == fall.marker.color == theme.CHANGE_COLOURS["declined"]
        assert rise.line.color != fall.line.color
    # The dimension is told by the line: purpose dotted (as on the index trend), performance solid.
    assert traces["Purpose declined"].line.dash == "dot"
    assert traces["Performance declined"].line.dash is None


def test_index_lines_take_no_colour_of_a_change(series):
    """A falling alignment index in the green of "improved" would read as a gain."""
    lines = charts.index_trend_chart(series).data
    change_colours = set(theme.CHANGE_COLOURS.values())
    assert not {line.line.color for line in lines} & change_colours
    assert len({line.line.color for line in lines}) == 3


def test_change_dumbbell_colours_a_decline_apart_from_a_gain(comparison):
    fig = charts.change_dumbbell(comparison, "Jan", "Mar")
    markers = {t.name: t for t in fig.data if t.mode == "markers"}
    lines = [t for t in fig.data if t.mode == "lines"]
    assert list(markers) == ["Jan", "Mar, improved", "Mar, declined"]
    before = markers["Jan"]
    # Sorted by change: Bravo -10, Delta -5, Alpha +20; Charlie (no earlier score) left out.
    assert list(before.y) == ["Bravo", "Delta", "Alpha"]
    assert list(before.x) == [90.0, 100.0, 60.0]
    assert list(markers["Mar, improved"].y) == ["Alpha"]
    assert list(markers["Mar, declined"].x) == [80.0, 95.0]
    gain, decline = markers["Mar, improved"].marker.color, markers["Mar, declined"].marker.color
    assert gain != decline and decline == theme.INTENT_GAP
    assert {line.line.color for line in lines} == {gain, decline}
    joined = {line.line.color: [x for x in line.x if x is not None] for line in lines}
    assert joined[decline] == [90.0, 80.0, 100.0, 95.0] and joined[gain] == [60.0, 80.0]


def test_slug_folds_accents_and_punctuation():
    # NFKD turns ë into e + a combining mark that ASCII drops; runs of anything else become "-".
    assert slug("Zoë  O'Brien!") == "zoe-o-brien"


@pytest.mark.parametrize("text", ["", "   ", "!!!", "../..", "李雷"])
def test_slug_falls_back_when_nothing_usable_is_left(text):
    assert slug(text) == "anonymous"
    assert slug(text, fallback="chart") == "chart"


def test_slug_is_at_most_40_characters_and_never_ends_in_a_dash():
    assert slug("a" * 100) == "a" * 40
    # "aaa…a-b" is 41 characters; the cut falls right after the dash, which is dropped.
    cut = slug("a" * 39 + " b")
    assert cut == "a" * 39
    assert len(slug("Very Long Name " * 10)) <= 40
    assert not slug("Very Long Name " * 10).endswith("-")


def test_download_name_says_whose_when_and_what():
    when = pd.Timestamp("2026-11-13T09:42Z")
    assert download_name("Alex Rivera", when, "radar") == "alex-rivera_2026-11-13_radar"
    assert download_name("Alex Rivera", date(2026, 1, 2), "gap chart") == (
        "alex-rivera_2026-01-02_gap-chart"
    )
    assert download_name("", when, "") == "anonymous_2026-11-13_chart"


@pytest.mark.parametrize(
    "alias", ["../../etc/passwd", "..\\..\\windows\\system32", "/abs/path", "a/../../b"]
)
def test_download_name_cannot_leave_the_folder(alias):
    name = download_name(alias, pd.Timestamp("2026-11-13T09:42Z"), "../radar")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert re.fullmatch(r"[a-z0-9-]+_2026-11-13_[a-z0-9-]+", name)


def test_slug_spells_out_letters_unicode_does_not_decompose():
    assert slug("Straße Øyvind Łukasz") == "strasse-oyvind-lukasz"


# ---------------------------------------------------------------------------------------------
# The shared screen: projector type, and as tall as the screen


def _font_sizes(fig: go.Figure) -> list[float]:
    """Every text size a figure sets, from the layout down to each trace's labels."""
    layout = fig.layout
    sizes = [layout.font.size, layout.title.font.size, layout.legend.font.size]
    sizes += [a.font.size for a in layout.annotations]
    for axis in [layout.xaxis, layout.yaxis]:
        sizes += [axis.tickfont.size, axis.title.font.size]
    sizes += [layout.polar.angularaxis.tickfont.size, layout.polar.radialaxis.tickfont.size]
    sizes += [t.textfont.size for t in fig.data if t.type in {"scatter", "bar"} and t.text]
    return [size for size in sizes if size is not None]


@pytest.mark.parametrize("dark", [False, True])
def test_presentation_text_is_at_least_20_px(all_figures, scores, dark):
    figures = {**all_figures, "present-quadrant": charts.quadrant_chart(scores, 60, key=False)}
    for name, fig in figures.items():
        shown = theme.presentation_style(fig, dark=dark)
        assert min(_font_sizes(shown)) >= 20, name
        assert shown.layout.font.color == theme.PROJECTOR_TEXT["dark" if dark else "light"]
        assert "<br>" not in shown.layout.title.text  # one line on a wide screen


def test_presentation_fills_the_screen_it_is_given(scores):
    assert theme.presentation_height(720) == theme.PRESENTATION_HEIGHT == 470
    assert theme.presentation_height(1080) == 830
    radar = charts.radar_chart(scores)
    tall = theme.presentation_style(radar, height=theme.presentation_height(1080))
    assert tall.layout.height == 830
    assert theme.presentation_style(radar).layout.height == 470
    assert radar.layout.height == 560  # the figure on screen is left as it was


def test_presentation_markers_grow_with_their_numbers(scores):
    fig = charts.quadrant_chart(scores, 60, key=False)
    shown = theme.presentation_style(fig)
    ratio = theme.PRESENTATION_FONT / theme.CHART_TEXT
    for before, after in zip(fig.data, shown.data, strict=True):
        assert list(after.marker.size) == [size * ratio for size in before.marker.size]
