"""The Lighthouse bench without a browser: what it reads from a Lighthouse result (a real one of
the Results page, trimmed), the targets' verdicts, its doubts about a measure, the command it
runs and the table it prints."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bench import lighthouse
from bench.lighthouse import Figures, Page

FIXTURE = Path(__file__).parent / "fixtures" / "lighthouse" / "results-desktop.json"


@pytest.fixture
def result() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_a_result_gives_the_figures_and_what_they_rest_on(result: dict):
    figures = lighthouse.parse(result)

    assert figures.tbt_ms == pytest.approx(16722, abs=1)
    assert figures.lcp_s == pytest.approx(4.337, abs=0.001)
    assert figures.accessibility == 98
    assert figures.failing_accessibility == ["heading-order"]  # passed and n/a audits left out
    assert figures.final_path == "/results"
    assert figures.lcp_element.startswith("What you do matches why you do it")
    assert figures.lcp_in_main
    assert (figures.dom_elements, figures.dom_depth) == (548, 25)
    assert figures.quiet_ms == 1000
    assert figures.main_thread[0] == {"work": "Script Evaluation", "ms": 20850}
    assert figures.scripts[0]["url"] == "/static/js/react-dom.Dzbslgj4.js"
    assert figures.scripts[0]["total_ms"] >= figures.scripts[0]["scripting_ms"]
    longest = [task["ms"] for task in figures.long_tasks]
    assert longest == sorted(longest, reverse=True)
    assert longest[0] == 10000
    assert figures.long_tasks[0]["url"] == "/static/js/PlotlyChart.D9Z0_fxz.js"
    assert len(figures.long_tasks) == lighthouse.TOP
    assert [error.split(":")[0] for error in figures.errors] == ["uses-text-compression"]


def test_a_largest_paint_outside_main_and_a_failed_run_are_noticed(result: dict):
    broken = copy.deepcopy(result)
    node = broken["audits"]["largest-contentful-paint-element"]["details"]["items"][0]["items"][0]
    node["node"]["path"] = "2,HTML,1,BODY,1,DIV,0,SECTION,0,DIV"  # the sidebar
    broken["runtimeError"] = {"code": "NO_FCP", "message": "The page did not paint any content."}

    figures = lighthouse.parse(broken)

    assert not figures.lcp_in_main
    assert figures.errors[0] == "The page did not paint any content."


def test_a_measure_of_another_page_or_of_a_page_still_running_is_doubted(result: dict):
    figures = lighthouse.parse(result)
    results = Page("Results", "/results")
    present = Page("Present", "/present?session=START7")

    assert lighthouse.doubts(results, figures, server_run_s=0.3) == figures.errors
    landed = lighthouse.doubts(present, figures, server_run_s=0.3)
    assert landed[0] == "ended on /results, not /present?session=START7"
    # The page may add to its query (Present adds its slide) but must keep what was asked.
    figures.final_path = "/present?session=START7&slide=1"
    assert lighthouse.doubts(present, figures, server_run_s=0.3) == figures.errors
    figures.final_path = "/present?slide=1"
    assert lighthouse.doubts(present, figures, server_run_s=0.3)[0].startswith("ended on")
    figures.final_path = "/results"
    slow = lighthouse.doubts(results, figures, server_run_s=1.5)  # Lighthouse waited 1 s
    assert "longer than Lighthouse waits" in slow[0]


def _figures(tbt_ms: float, accessibility: int) -> Figures:
    return Figures(
        tbt_ms=tbt_ms,
        lcp_s=1.0,
        accessibility=accessibility,
        failing_accessibility=[],
        final_path="/",
        lcp_element="",
        lcp_in_main=True,
        dom_elements=0,
        dom_depth=0,
        dom_widest=0,
        quiet_ms=3000,
    )


@pytest.mark.parametrize(
    ("preset", "page", "tbt_ms", "accessibility", "expected"),
    [
        ("desktop", "Results", 400, 100, {"tbt": True, "accessibility": True}),
        ("desktop", "Trends", 401, 96, {"tbt": False, "accessibility": False}),
        ("mobile", "Results", 1500, 100, {"tbt": True, "accessibility": True}),
        ("mobile", "Trends", 1620, 100, {"tbt": False, "accessibility": True}),
        # Home, Present and the hello page have no blocking-time target.
        ("desktop", "Home", 9000, 98, {"tbt": None, "accessibility": False}),
        ("mobile", "Hello", 0, 100, {"tbt": None, "accessibility": True}),
    ],
)
def test_each_target_is_judged_where_it_applies(preset, page, tbt_ms, accessibility, expected):
    assert lighthouse.verdicts(preset, page, _figures(tbt_ms, accessibility)) == expected


def test_the_median_run_by_blocking_time_is_kept():
    runs = [_figures(tbt, 100) for tbt in (900, 100, 400)]
    assert lighthouse.median_run(runs).tbt_ms == 400
    assert lighthouse.median_run([*runs, _figures(700, 100)]).tbt_ms == 400  # lower middle
    assert lighthouse.median_run(runs[:1]).tbt_ms == 900


@pytest.mark.parametrize("preset", lighthouse.PRESETS)
def test_the_command_runs_the_pinned_lighthouse_with_the_presets_config(preset, tmp_path):
    output = tmp_path / "out.json"
    command = lighthouse.lighthouse_command("http://127.0.0.1:9/results", preset, output)

    assert command[:2] == [str(lighthouse.LIGHTHOUSE), "http://127.0.0.1:9/results"]
    config = Path(command[2].removeprefix("--config-path="))
    assert config == lighthouse.LIGHTHOUSE_DIR / f"{preset}.mjs"
    assert config.exists()
    assert f"--output-path={output}" in command
    assert "--output=json" in command
    assert "--only-categories=performance,accessibility" in command
    # One argument, as Lighthouse hands it to chromium.
    assert "--chrome-flags=--headless=new --no-sandbox --disable-gpu" in command


def test_the_lighthouse_version_is_pinned_exactly():
    package = json.loads((lighthouse.LIGHTHOUSE_DIR / "package.json").read_text())
    lock = json.loads((lighthouse.LIGHTHOUSE_DIR / "package-lock.json").read_text())
    assert package["dependencies"] == {"lighthouse": "12.2.3"}
    assert lock["packages"]["node_modules/lighthouse"]["version"] == "12.2.3"


def test_present_is_measured_on_a_sample_workshop_whose_results_were_shown():
    code = lighthouse.sample_session_code()
    sessions = json.loads((lighthouse.SAMPLE_DIR / "sessions.json").read_text())["sessions"]
    assert any(s["code"] == code and s["revealed"] for s in sessions)

    pages = {page.name: page for page in lighthouse.pages(code)}
    assert list(pages) == ["Home", "Results", "Trends", "Present", "Hello"]
    assert (pages["Present"].page_name, pages["Present"].query) == ("present", f"session={code}")
    assert (pages["Home"].page_name, pages["Home"].query) == ("", "")
    assert pages["Hello"].script == lighthouse.HELLO
    assert pages["Hello"].script.exists()


def test_the_table_shows_each_figure_beside_its_target(result: dict):
    figures = lighthouse.parse(result)
    row = {
        "page": "Results",
        "path": "/results",
        **lighthouse.asdict(figures),
        "met": lighthouse.verdicts("desktop", "Results", figures),
        "doubts": lighthouse.doubts(Page("Results", "/results"), figures, 0.3),
    }
    hello = {**row, "page": "Hello", "met": lighthouse.verdicts("desktop", "Hello", figures)}
    table = lighthouse.report_table(
        {
            "runs": 1,
            "presets": {"desktop": [row, hello]},
            "load_average": [1.0, 2.0],
            "machine": {"cores": 2},
        }
    )
    results_line = next(line for line in table.splitlines() if line.startswith("Results "))
    assert results_line.split()[:4] == ["Results", "16722", "≤", "400"]
    assert "NO" in results_line
    assert results_line.endswith("heading-order")
    hello_line = next(line for line in table.splitlines() if line.startswith("Hello "))
    assert hello_line.split()[2] == "-"  # no blocking-time target
    assert "Results (desktop): DOM 548 elements" in table
    assert "/static/js/PlotlyChart.D9Z0_fxz.js 10000@" in table
    assert "doubt, Results: uses-text-compression" in table
    assert "Hello (desktop): DOM" not in table  # the costs are shown for the targeted pages


def test_pages_can_be_chosen_by_name_and_an_unknown_name_is_refused():
    chosen = lighthouse.chosen_pages("ABC234", ["Trends", "Hello"])
    assert [page.name for page in chosen] == ["Trends", "Hello"]
    assert [page.name for page in lighthouse.chosen_pages("ABC234")] == [
        page.name for page in lighthouse.pages("ABC234")
    ]
    with pytest.raises(ValueError, match="no such page: Result"):
        lighthouse.chosen_pages("ABC234", ["Result"])
