"""Chart files: PNG, SVG and PDF drawn by kaleido in Chromium, and HTML that works offline.

One kaleido server (one Chromium) is kept open per process and shared: starting a browser per
chart costs about two seconds, a warm server about a tenth of that. MathJax is off, because
kaleido would fetch it from the internet and our charts have no formulas.
"""

from __future__ import annotations

import html
import io
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

import kaleido
import plotly.graph_objects as go

from alignment.chartsets import Chart, ChartSet
from alignment.export import csv_bytes
from alignment.theme import export_style

PRODUCT = "Purpose–Performance Alignment"
SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
# A slide is the chart laid out on a 16:9 page of (16k x 9k) px and drawn k/120 times larger:
# text, markers, margins and the quadrant key grow together, so nothing a layout keeps apart
# collides. 1.6 (a 1200 x 675 page) reads from the back of a room; a taller chart zooms less.
SLIDE_ZOOM = 1.6

STATIC_FORMATS = ("png", "svg", "pdf")
PACK_FORMATS = ("png", "svg")
KALEIDO_TABS = 2  # one per core of a small laptop or server
EXPORT_WIDTH = 1100  # px: wide enough for the radar's labels, a slide's proportions
PNG_SCALE = 2  # sharp on slides and high-density screens
EXPORT_TIMEOUT_SECONDS = 30
_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ExportUnavailable(RuntimeError):
    """A chart image cannot be made here; the message says why, for people."""


def browser_path() -> str | None:
    """The Chromium kaleido will use: `BROWSER_PATH` when set, else one on the PATH."""
    chosen = os.environ.get("BROWSER_PATH")
    if chosen:
        return chosen if Path(chosen).exists() else None
    return next((found for name in _BROWSER_NAMES if (found := shutil.which(name))), None)


def static_export_problem() -> str | None:
    """Why PNG, SVG and PDF cannot be made here, or None when they can."""
    if browser_path() is not None:
        return None
    chosen = os.environ.get("BROWSER_PATH")
    where = (
        f"BROWSER_PATH points to {chosen}, which does not exist"
        if chosen
        else ("no Chromium was found on this computer")
    )
    return (
        f"Chart images (PNG, SVG, PDF) and PDF reports need Chromium, and {where}. Install it "
        "(Debian: apt-get install chromium) or set BROWSER_PATH. Interactive HTML and data "
        "downloads work without it."
    )


class _Renderer:
    """The process's kaleido server, started on first use and restarted after a failure.

    kaleido's sync server answers through one shared queue, so concurrent callers (Streamlit
    runs each visitor and each deferred download in its own thread) must take turns. Two tabs
    let a batch (a chart pack, a report) use both cores.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def render(self, jobs: list[tuple[go.Figure, str]], *, slide: bool = False) -> list[bytes]:
        """Each (styled figure, format) as file bytes, in order; `slide` as in `charts_bytes`."""
        problem = static_export_problem()
        if problem:
            raise ExportUnavailable(problem)
        with self._lock, tempfile.TemporaryDirectory(prefix="alignment-charts-") as folder:
            specs = [
                {
                    "fig": figure,
                    "path": Path(folder) / f"{number}.{file_format}",
                    "opts": export_options(figure, file_format, slide=slide),
                }
                for number, (figure, file_format) in enumerate(jobs)
            ]
            kaleido.start_sync_server(
                n=KALEIDO_TABS, mathjax=False, timeout=EXPORT_TIMEOUT_SECONDS, silence_warnings=True
            )
            try:
                errors = kaleido.write_fig_from_object_sync(specs)
                if errors:
                    raise errors[0]
                return [spec["path"].read_bytes() for spec in specs]
            except Exception as exc:
                kaleido.stop_sync_server(silence_warnings=True)  # the next call starts afresh
                formats = ", ".join(sorted({f.upper() for _, f in jobs}))
                raise ExportUnavailable(
                    f"The chart could not be drawn as {formats}: {exc}"
                ) from exc


_renderer = _Renderer()


def export_options(
    figure: go.Figure, file_format: str, *, slide: bool = False
) -> dict[str, object]:
    """Size and scale for kaleido: a slide's 16:9 page (see `slide_page`) fills 1920 px."""
    height = figure.layout.height or 500
    if slide:
        return {
            "format": file_format,
            "width": figure.layout.width,
            "height": height,
            "scale": SLIDE_WIDTH / figure.layout.width,
        }
    return {
        "format": file_format,
        "width": EXPORT_WIDTH,
        "height": height,
        "scale": PNG_SCALE if file_format == "png" else 1,
    }


def slide_page(height: int) -> tuple[int, int]:
    """The 16:9 page (width, height) a chart of `height` px is laid out on for a slide: zoomed
    by `SLIDE_ZOOM` where it fits, else as tall as the chart, so it is never squeezed."""
    rows = max(round(SLIDE_HEIGHT / SLIDE_ZOOM / 9), -(-height // 9))
    return 16 * rows, 9 * rows


def labelled(chart: Chart, group: ChartSet, *, slide: bool = False) -> go.Figure:
    """The chart as a file shows it: its title, whose or which session's it is and the date,
    and where it comes from, inside the picture (a file travels without its page).

    A copy: the figure on screen is cached and must not change. `slide` lays it out on a 16:9
    page that draws as 1920 x 1080 with text for a projector (see `slide_page`).
    """
    figure = go.Figure(chart.figure)
    who = html.escape(group.who, quote=False)  # plotly renders a subset of HTML in text
    subject = f"Workshop {who}" if group.view.startswith("workshop") else who
    title = figure.layout.title.text or ""
    figure.update_layout(
        title={
            "text": title,
            "subtitle": {"text": f"{subject} · {group.day:%d %b %Y}"},
            "y": 0.985,
            "yanchor": "top",
        },
        margin={"t": (figure.layout.margin.t or 72) + 28, "b": (figure.layout.margin.b or 24) + 28},
    )
    figure.add_annotation(
        text=PRODUCT,
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        yshift=-(figure.layout.margin.b or 24) + 6,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 11, "color": "#6B7280"},
    )
    if slide:
        width, height = slide_page(figure.layout.height or 500)
        figure.update_layout(width=width, height=height)
    return figure


def chart_file(chart: Chart, group: ChartSet, file_format: str, *, slide: bool = False) -> bytes:
    """One chart as a file people keep, labelled with who, when and what (see `labelled`)."""
    return charts_bytes([(labelled(chart, group, slide=slide), file_format)], slide=slide)[0]


def charts_bytes(jobs: list[tuple[go.Figure, str]], *, slide: bool = False) -> list[bytes]:
    """Several charts at once (faster than one by one), each as a file people keep; `slide`
    when every figure is a `labelled(..., slide=True)` page."""
    for _, file_format in jobs:
        if file_format not in (*STATIC_FORMATS, "html"):
            raise ValueError(f"unknown chart format: {file_format}")
    styled = [(export_style(figure), file_format) for figure, file_format in jobs]
    static = [job for job in styled if job[1] != "html"]
    drawn = iter(_renderer.render(static, slide=slide) if static else [])
    return [
        figure.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode(
            "utf-8"
        )
        if file_format == "html"
        else next(drawn)
        for figure, file_format in styled
    ]


def chart_bytes(figure: go.Figure, file_format: str) -> bytes:
    """The chart as a file people keep: light, self-contained, the same size every time."""
    return charts_bytes([(figure, file_format)])[0]


def chart_pack(charts: ChartSet) -> bytes:
    """One ZIP with every chart of a view as PNG, SVG and a 16:9 slide PNG, each labelled, and
    the data behind each as CSV."""
    labelled_charts = [labelled(chart, charts) for chart in charts.charts]
    files = iter(
        charts_bytes([(figure, fmt) for figure in labelled_charts for fmt in PACK_FORMATS])
    )
    slides = iter(
        charts_bytes(
            [(labelled(chart, charts, slide=True), "png") for chart in charts.charts], slide=True
        )
    )
    buffer = io.BytesIO()
    folder = charts.file_name(charts.view)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for chart in charts.charts:
            for file_format in PACK_FORMATS:
                pack.writestr(f"{folder}/{chart.name}.{file_format}", next(files))
            pack.writestr(f"{folder}/{chart.name}-slide.png", next(slides))
            pack.writestr(f"{folder}/{chart.name}.csv", csv_bytes(chart.data))
    return buffer.getvalue()
