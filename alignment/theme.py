"""The one palette and chart style of the app.

Colours are Okabe–Ito, which stay distinct for the common forms of colour blindness and read on
light and dark backgrounds. Charts leave text colours and backgrounds to the surrounding theme
(Streamlit's light or dark), so one figure works in both; exports apply `export_style`.
"""

from __future__ import annotations

import textwrap

import plotly.colors
import plotly.graph_objects as go

PURPOSE = "#0072B2"  # blue
PERFORMANCE = "#E69F00"  # orange
ALIGNMENT = "#009E73"  # bluish green
INTENT_GAP = "#D55E00"  # vermillion: valued, not yet lived
HOLLOW = "#CC79A7"  # reddish purple: done without conviction
DRIFTING = "#8C8C8C"  # grey
POSITIVE_GAP = "#56B4E9"  # sky blue
# Direction of a change: never the same hue for a gain and a decline.
CHANGE_COLOURS = {"improved": ALIGNMENT, "declined": INTENT_GAP, "unchanged": DRIFTING}

QUADRANT_COLOURS = {
    "aligned": ALIGNMENT,
    "intent_gap": INTENT_GAP,
    "hollow": HOLLOW,
    "drifting": DRIFTING,
}
# Lines over time take no colour of `CHANGE_COLOURS`: a falling alignment index drawn in the
# green of "improved", beside the charts of what changed, read as a gain.
ALIGNMENT_INDEX = "#CC79A7"  # reddish purple
INDEX_COLOURS = {"purpose": PURPOSE, "performance": PERFORMANCE, "alignment": ALIGNMENT_INDEX}
# Sequential and colour-blind safe: low alignment dark, high alignment bright.
HEATMAP_SCALE = "Cividis"
GUIDE_LINE = "rgba(128,128,128,0.7)"
FONT_FAMILY = "Source Sans Pro, Helvetica, Arial, sans-serif"


TITLE_SIZE = 18
# Characters of a title per line: at 18 px that is what a 390 px phone's chart holds.
TITLE_LINE_CHARS = 36
TITLE_TOP_PX, TITLE_LINE_PX, TITLE_PAD_PX = 20, 26, 12
# The legend sits at the foot of the figure, where plotly makes room for it however many rows
# it wraps to on a phone: at the top it grew up into the title.
LEGEND_AT_FOOT = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
}


def base_layout(fig: go.Figure, title: str, *, height: int = 460) -> go.Figure:
    """Title, margins and legend shared by every chart.

    A long title is wrapped (plotly never wraps, and a phone cut it off) and the top margin
    grows with its lines.
    """
    lines = textwrap.wrap(title, TITLE_LINE_CHARS, break_long_words=False) or [title]
    fig.update_layout(
        title={
            "text": "<br>".join(lines),
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            # plotly sets a title of several lines about 13 px higher than one (measured in
            # chromium), out of the picture: the pad keeps its first line where one would be.
            "pad": {"t": TITLE_PAD_PX + (13 if len(lines) > 1 else 0)},
            "font": {"size": TITLE_SIZE},
        },
        height=height,
        margin={"l": 16, "r": 16, "t": TITLE_TOP_PX + TITLE_LINE_PX * len(lines), "b": 24},
        legend=LEGEND_AT_FOOT,
        font={"family": FONT_FAMILY, "size": 14},
        hoverlabel={"font": {"size": 14}},
    )
    return fig


RADAR_LABEL_ROOM_PX = 36  # two lines of a spoke's label above the circle


def radar_layout(fig: go.Figure) -> go.Figure:
    """Radars carry long spoke labels outside the circle, where plotly makes no room for
    them: room at the sides, above, and below before the legend; the scale between spokes."""
    spokes = max(len(fig.data[0].theta) - 1, 1) if fig.data else 1
    step = 360 / spokes
    # Half-way between the two spokes nearest the top: upright, the scale's numbers neither
    # sit on a strategy's name nor run into each other.
    scale_angle = (round((90 - step / 2) / step) + 0.5) * step
    fig.update_layout(
        margin={"l": 90, "r": 90, "t": fig.layout.margin.t + RADAR_LABEL_ROOM_PX, "b": 96},
        polar={
            "bgcolor": "rgba(0,0,0,0)",
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [20, 40, 60, 80, 100],
                "angle": scale_angle,
                "tickangle": scale_angle,  # upright numbers along the scale
                "gridcolor": GUIDE_LINE,
                "linecolor": GUIDE_LINE,
            },
            "angularaxis": {"gridcolor": GUIDE_LINE, "linecolor": GUIDE_LINE},
        },
    )
    return fig


def export_style(fig: go.Figure) -> go.Figure:
    """A self-contained light style for files, where no app theme surrounds the chart."""
    styled = go.Figure(fig)
    styled.update_layout(
        template="plotly_white",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"color": "#1B1F24"},
        title_x=0.015,  # on screen the page gives the margin; a file needs its own
    )
    return styled


PRESENTATION_FONT = 22
PRESENTATION_AXIS_CHARS = 22  # an upright axis title's line at 22 px on a 720 px screen
# Above the chart on the Present page: the slide controls, the divider and Streamlit's header.
PRESENTATION_CHROME_PX = 250
CHART_TEXT = 13  # point labels on screen; presentation scales markers by the same ratio


def presentation_height(screen_height: int = 720) -> int:
    """The chart's height that fills a screen of `screen_height` px below the slide controls:
    470 on a 1280x720 screen, 830 on 1920x1080."""
    return screen_height - PRESENTATION_CHROME_PX


PRESENTATION_HEIGHT = presentation_height()

PROJECTOR_TEXT = {"light": "#0B0C0E", "dark": "#FFFFFF"}
# The chart's own ground: Present may draw a dark slide on a light page (or the reverse), and
# Streamlit's page theme cannot follow that choice.
PROJECTOR_PAPER = {"light": "#FFFFFF", "dark": "#0E1117"}


def presentation_style(
    fig: go.Figure, *, dark: bool = False, height: int | None = PRESENTATION_HEIGHT
) -> go.Figure:
    """Projector type: every text at least 20 px in full-contrast ink, titles larger, and as
    tall as the screen allows (`presentation_height` of the screen in use; None leaves the
    height to the page, as the Present page's chart stretches to the window).

    The app theme draws axis text in a soft grey, which washes out on a projector, so the ink
    colour is set here, with a ground of the same theme.
    """
    mode = "dark" if dark else "light"
    ink = PROJECTOR_TEXT[mode]
    text = {"size": PRESENTATION_FONT, "color": ink}
    styled = go.Figure(fig)
    radar = any(trace.type == "scatterpolar" for trace in styled.data)
    styled.update_layout(
        font=text,
        # A screen is wide: the title wrapped for a phone goes back on one line.
        title={
            "text": (styled.layout.title.text or "").replace("<br>", " "),
            "font": {"size": 32, "color": ink},
        },
        legend={"font": text},
        hoverlabel={"font": {"size": PRESENTATION_FONT}},
        height=height,
        margin={"t": TITLE_TOP_PX + 44 + (2 * PRESENTATION_FONT + 12 if radar else 0)},
        paper_bgcolor=PROJECTOR_PAPER[mode],
        plot_bgcolor=PROJECTOR_PAPER[mode],
    )
    # Row names wrapped for a phone go back on one line too: at projector size two-line names
    # run into each other on a 720 px screen, and a wide screen has room for them.
    for trace in styled.data:
        if getattr(trace, "orientation", None) == "h" and trace.y is not None:
            trace.y = [str(label).replace("<br>", " ") for label in trace.y]
    styled.update_annotations(font_size=PRESENTATION_FONT)
    styled.update_xaxes(tickfont=text, title_font=text)
    styled.update_yaxes(tickfont=text, title_font=text)
    # Upright titles run the chart's height, which a 720 px screen leaves short at this size.
    styled.for_each_yaxis(
        lambda axis: (
            axis.update(
                title_text="<br>".join(textwrap.wrap(axis.title.text, PRESENTATION_AXIS_CHARS))
            )
            if axis.title.text
            else None
        )
    )
    styled.update_polars(
        angularaxis_tickfont=text,
        radialaxis_tickfont={**text, "size": PRESENTATION_FONT - 2},
    )
    if radar:
        styled.update_layout(margin={"l": 150, "r": 150, "b": 140})  # projector-size labels
    styled.update_traces(textfont_size=PRESENTATION_FONT, selector={"type": "bar"})
    styled.update_traces(textfont_size=PRESENTATION_FONT, selector={"type": "scatter"})
    for trace in styled.select_traces({"type": "scatter"}):
        sizes = trace.marker.size
        if isinstance(sizes, (tuple, list)):  # markers that carry a number grow with the text
            trace.marker.size = [size * PRESENTATION_FONT / CHART_TEXT for size in sizes]
    return styled


# ---------------------------------------------------------------------------------------------
# Readable text on coloured cells (WCAG 2 contrast)

INK_ON_COLOUR = ("#000000", "#FFFFFF")
MIN_TEXT_CONTRAST = 4.5  # WCAG AA for body text


def _rgb(colour: str) -> tuple[float, float, float]:
    """'#rrggbb' or 'rgb(r, g, b)' as three 0-1 channels."""
    if colour.startswith("#"):
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        red, green, blue = plotly.colors.unlabel_rgb(colour)
    return red / 255, green / 255, blue / 255


def relative_luminance(colour: str) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_ink(background: str) -> str:
    """Black or white, whichever reads better: one of them reaches 4.5:1 on any colour."""
    return max(INK_ON_COLOUR, key=lambda ink: contrast_ratio(ink, background))


def heatmap_colour(value: float) -> str:
    """The cell colour plotly draws for an alignment of `value` (0-100) on `HEATMAP_SCALE`."""
    return plotly.colors.sample_colorscale(HEATMAP_SCALE, min(max(value, 0), 100) / 100)[0]
