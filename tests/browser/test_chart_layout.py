"""Charts drawn by plotly.js in chromium, measured: on a 390 px phone and on a 16:9 slide no
text runs over another (legend, title, axis title, spoke labels, the quadrant map's numbers)
and none leaves the picture.
"""

from __future__ import annotations

import itertools
import json

import plotly.graph_objects as go
import plotly.offline
import pytest

from alignment import charts, chartsets, images, theme
from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses
from alignment.store import load_responses
from alignment.workshop import Session, one_off_view
from tests.test_charts import crowded

QUESTIONNAIRE = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
SAMPLE = load_responses(SAMPLE_RESPONSES).frame
SCORES = score_responses(SAMPLE, QUESTIONNAIRE)
PHONE_CHART_WIDTH = 358  # a 390 px phone less Streamlit's padding either side
Box = tuple[float, float, float, float]  # left, top, right, bottom

MEASURE = """
async ([figure]) => {
    const chart = document.getElementById("chart");
    await Plotly.newPlot(chart, figure.data, figure.layout, {staticPlot: true});
    const box = (element) => {
        const r = element.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom];
    };
    const texts = (selector) => [...chart.querySelectorAll(selector)]
        .filter((element) => element.textContent.trim())
        .map(box);
    return {
        figure: box(chart.querySelector(".main-svg")),
        titles: texts(".gtitle, .gtitle-subtitle"),
        legend: [...chart.querySelectorAll(".legend")].map(box),
        axis_titles: texts(".xtitle, .ytitle"),
        spokes: texts(".angularaxistick text"),
        annotations: texts(".annotation-text"),
        numbers: texts(".textpoint text"),
    };
}
"""


def sample_charts() -> dict[str, tuple[chartsets.Chart, chartsets.ChartSet]]:
    alex = SCORES.overall[SCORES.overall["respondent"] == "Alex Rivera"]
    results = chartsets.response_charts(SCORES, alex["response_id"].iloc[-1], QUESTIONNAIRE)
    trends = chartsets.trend_charts(SCORES, "Alex Rivera", QUESTIONNAIRE)
    room = score_responses(SAMPLE[SAMPLE["session"] == "START7"], QUESTIONNAIRE).strategies
    session = Session("START7", "Kick-off", "purpose-performance", min_group=3)
    group = chartsets.session_charts(one_off_view(room, session), session, QUESTIONNAIRE)
    crowd = chartsets.Chart("crowded-quadrants", charts.quadrant_chart(crowded(), 60), crowded())
    found = {c.name: (c, view) for view in (results, trends, group) for c in view.charts}
    return {**found, "crowded-quadrants": (crowd, results)}


def presented_charts() -> dict[str, chartsets.Chart]:
    """The charts the Present page shows: the group's, its quadrant map without the key."""
    room = score_responses(SAMPLE[SAMPLE["session"] == "START7"], QUESTIONNAIRE).strategies
    session = Session("START7", "Kick-off", "purpose-performance", min_group=3)
    view = one_off_view(room, session)
    group = chartsets.session_charts(view, session, QUESTIONNAIRE, presenting=True)
    return {chart.name: chart for chart in group.charts}


CHARTS = sample_charts()
PRESENTED = presented_charts()


@pytest.fixture(scope="module")
def plotly_page(chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.set_content('<html><body style="margin:0"><div id="chart"></div></body></html>')
    page.add_script_tag(content=plotly.offline.get_plotlyjs())
    yield page
    page.close()


def measure(page, figure: go.Figure) -> dict[str, list[Box]]:
    return page.evaluate(MEASURE, [json.loads(figure.to_json())])


def overlap(first: Box, second: Box) -> bool:
    """More than a pixel of shared area (text boxes of neighbours touch at their edges)."""
    return (
        min(first[2], second[2]) - max(first[0], second[0]) > 1
        and min(first[3], second[3]) - max(first[1], second[1]) > 1
    )


def assert_readable(found: dict, what: str) -> None:
    left, top, right, bottom = found["figure"]
    boxes = [*found["titles"], *found["legend"], *found["axis_titles"], *found["annotations"]]
    for box in boxes + found["spokes"]:
        assert left - 1 <= box[0] and box[2] <= right + 1, f"{what}: {box} leaves the picture"
        assert top - 1 <= box[1] and box[3] <= bottom + 1, f"{what}: {box} leaves the picture"
    for legend in found["legend"]:
        for other in found["titles"] + found["axis_titles"] + found["spokes"]:
            assert not overlap(legend, other), f"{what}: the legend covers {other}"
        for note in found["annotations"]:
            assert not overlap(legend, note), f"{what}: the legend covers {note}"
    for title in found["titles"]:
        for other in found["axis_titles"] + found["spokes"] + found["annotations"]:
            assert not overlap(title, other), f"{what}: the title covers {other}"
    for first, second in itertools.combinations(found["numbers"], 2):
        assert not overlap(first, second), f"{what}: numbers {first} and {second} overlap"


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_reads_on_a_phone(plotly_page, name):
    figure = go.Figure(CHARTS[name][0].figure)
    figure.update_layout(width=PHONE_CHART_WIDTH)
    assert_readable(measure(plotly_page, figure), f"{name} at 390 px")


@pytest.mark.parametrize("name", CHARTS)
def test_every_slide_reads_at_16_to_9(plotly_page, name):
    chart, view = CHARTS[name]
    slide = theme.export_style(images.labelled(chart, view, slide=True))
    assert slide.layout.width * 9 == slide.layout.height * 16
    assert_readable(measure(plotly_page, slide), f"{name} slide")


@pytest.mark.parametrize("name", PRESENTED)
def test_every_chart_reads_on_the_shared_screen(plotly_page, name):
    chart = PRESENTED[name]
    for screen_width, screen_height in ((1280, 720), (1920, 1080)):
        shown = theme.presentation_style(
            chart.figure, dark=True, height=theme.presentation_height(screen_height)
        )
        shown.update_layout(width=screen_width - 96)  # the page's padding
        assert_readable(measure(plotly_page, shown), f"{name} presented at {screen_width}")
