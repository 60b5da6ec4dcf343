"""The one palette and chart style of the app.

Colours are Okabe–Ito, which stay distinct for the common forms of colour blindness and read on
light and dark backgrounds. Charts leave text colours and backgrounds to the surrounding theme
(Streamlit's light or dark), so one figure works in both; exports apply `export_style`.
"""

from __future__ import annotations

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
INDEX_COLOURS = {"purpose": PURPOSE, "performance": PERFORMANCE, "alignment": ALIGNMENT}
# Sequential and colour-blind safe: low alignment dark, high alignment bright.
HEATMAP_SCALE = "Cividis"
GUIDE_LINE = "rgba(128,128,128,0.7)"
FONT_FAMILY = "Source Sans Pro, Helvetica, Arial, sans-serif"


def base_layout(fig: go.Figure, title: str, *, height: int = 460) -> go.Figure:
    """Title, margins and legend shared by every chart."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 16, "r": 16, "t": 72, "b": 24},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        font={"family": FONT_FAMILY, "size": 14},
        hoverlabel={"font": {"size": 14}},
    )
    return fig


def radar_layout(fig: go.Figure) -> go.Figure:
    """Radars carry long axis labels and several traces: legend below, room at the sides."""
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.06, "xanchor": "center", "x": 0.5},
        margin={"l": 90, "r": 90, "t": 72, "b": 40},
        polar={
            "bgcolor": "rgba(0,0,0,0)",
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [20, 40, 60, 80, 100],
                "gridcolor": GUIDE_LINE,
                "linecolor": GUIDE_LINE,
            },
            "angularaxis": {"gridcolor": GUIDE_LINE, "linecolor": GUIDE_LINE},
        },
    )
    return fig


def export_style(fig: go.Figure, *, scale_text: float = 1.0) -> go.Figure:
    """A self-contained light style for files, where no app theme surrounds the chart."""
    styled = go.Figure(fig)
    styled.update_layout(
        template="plotly_white",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"color": "#1B1F24", "size": round(14 * scale_text)},
        title_x=0.015,  # on screen the page gives the margin; a file needs its own
    )
    return styled


PRESENTATION_FONT = 22
CHART_TEXT = 13  # point labels on screen; presentation scales markers by the same ratio


PROJECTOR_TEXT = {"light": "#0B0C0E", "dark": "#FFFFFF"}
# The chart's own ground: Present may draw a dark slide on a light page (or the reverse), and
# Streamlit's page theme cannot follow that choice.
PROJECTOR_PAPER = {"light": "#FFFFFF", "dark": "#0E1117"}


def presentation_style(fig: go.Figure, *, dark: bool = False) -> go.Figure:
    """Projector type: every text at least 20 px in full-contrast ink, titles larger.

    The app theme draws axis text in a soft grey, which washes out on a projector, so the ink
    colour is set here, with a ground of the same theme. The height is left to the slide.
    """
    mode = "dark" if dark else "light"
    ink = PROJECTOR_TEXT[mode]
    text = {"size": PRESENTATION_FONT, "color": ink}
    styled = go.Figure(fig)
    styled.update_layout(
        font=text,
        title={"font": {"size": 32, "color": ink}},
        legend={"font": text},
        hoverlabel={"font": {"size": PRESENTATION_FONT}},
        height=None,
        paper_bgcolor=PROJECTOR_PAPER[mode],
        plot_bgcolor=PROJECTOR_PAPER[mode],
    )
    styled.update_annotations(font_size=PRESENTATION_FONT)
    styled.update_xaxes(tickfont=text, title_font=text)
    styled.update_yaxes(tickfont=text, title_font=text)
    styled.update_polars(
        angularaxis_tickfont=text,
        radialaxis_tickfont={**text, "size": PRESENTATION_FONT - 2},
    )
    if any(trace.type == "scatterpolar" for trace in styled.data):
        # Projector-size axis labels need room above the legend and below the title.
        styled.update_layout(legend={"y": -0.1}, margin={"b": 90, "t": 130, "l": 150, "r": 150})
    styled.update_traces(textfont_size=PRESENTATION_FONT, selector={"type": "bar"})
    styled.update_traces(textfont_size=PRESENTATION_FONT, selector={"type": "scatter"})
    for trace in styled.select_traces({"type": "scatter"}):
        sizes = trace.marker.size
        if isinstance(sizes, (tuple, list)):  # markers that carry a number grow with the text
            trace.marker.size = [size * PRESENTATION_FONT / CHART_TEXT for size in sizes]
    return styled
