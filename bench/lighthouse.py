"""Lighthouse on the app's pages: blocking time, largest paint and accessibility in a browser.

Run with `make bench` (or `python -m bench.lighthouse`). Lighthouse 12.2 (npm, pinned in
bench/lighthouse/) drives Debian's chromium over Home, Results, Trends and Present of the app on
the sample data, beside a bare hello-world Streamlit page (bench/hello.py, Streamlit's own
cost), with its desktop and mobile presets, and prints per preset: Total Blocking Time, Largest
Contentful Paint and the accessibility score with the failing accessibility audits, then what
takes the main thread on the pages that have a blocking-time target. Writes
`bench/results-lighthouse.json`, and every run's full Lighthouse result to bench/data/lighthouse/.
Figures, not asserts.

Both servers are real `streamlit run` servers (bench.serving) on an empty data folder: the app is
open (no passcode, so the visitor is a facilitator) and shows the sample data. Each page is run
once over the websocket before it is measured, as a running server has its caches warm.

A Streamlit page draws after the load event, from what arrives over the websocket, so each
measure is checked for a page that was really drawn: the address Lighthouse ended on is the
page asked for (a page the visitor may not open lands on the default page), the largest paint
is an element of the page's main content (not the sidebar or a spinner), and the server's run
of the page is shorter than the quiet time Lighthouse waits for
(bench/lighthouse/streamlit.mjs). Any doubt is printed under the table.
Metrics are Lighthouse's simulated ones (its default "simulate" throttling: mobile is a
mid-range phone with a 4x slower CPU on slow 4G), computed from a trace of this machine, so a
busy machine inflates them; `--runs N` keeps each page's median run by blocking time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from alignment.config import PROJECT_ROOT, SAMPLE_DIR
from bench.tables import publish

LIGHTHOUSE_DIR = PROJECT_ROOT / "bench" / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
HELLO = PROJECT_ROOT / "bench" / "hello.py"
RESULTS = PROJECT_ROOT / "bench" / "results-lighthouse.json"
# Every run's full Lighthouse result, for a closer look (bench/data is not in git).
RUNS_DIR = PROJECT_ROOT / "bench" / "data" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu")
PRESETS = ("desktop", "mobile")
LIGHTHOUSE_TIMEOUT_S = 300.0
ATTEMPTS = 2
WARM_UP_TIMEOUT_S = 120.0
TOP = 6  # rows of each main-thread breakdown

# Milliseconds of Total Blocking Time, on the pages named; accessibility on every page.
TBT_TARGET_MS = {"desktop": 400.0, "mobile": 1500.0}
TBT_TARGET_PAGES = ("Results", "Trends")
ACCESSIBILITY_TARGET = 100


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # the address after the server's root, with its query
    script: Path = PROJECT_ROOT / "app.py"

    @property
    def page_name(self) -> str:
        """The Streamlit page of the address ("" for the default page)."""
        return self.path.split("?", 1)[0].strip("/")

    @property
    def query(self) -> str:
        return self.path.split("?", 1)[1] if "?" in self.path else ""


def sample_session_code(sessions: Path = SAMPLE_DIR / "sessions.json") -> str:
    """A sample workshop whose results the room has seen (Present shows them), else the first."""
    from alignment.workshop import load_workshops

    workshops = load_workshops(sessions).sessions
    revealed = [session for session in workshops if session.revealed]
    return (revealed or workshops)[0].code


def pages(present_code: str) -> tuple[Page, ...]:
    return (
        Page("Home", "/"),
        Page("Results", "/results"),
        Page("Trends", "/trends"),
        Page("Present", f"/present?session={present_code}"),
        Page("Hello", "/", HELLO),
    )


# ---------------------------------------------------------------------------------------------
# One Lighthouse run


def lighthouse_command(url: str, preset: str, output: Path) -> list[str]:
    """Lighthouse on `url` with a preset's config (bench/lighthouse/PRESET.mjs), JSON to
    `output`; chromium is found through CHROME_PATH."""
    return [
        str(LIGHTHOUSE),
        url,
        f"--config-path={LIGHTHOUSE_DIR / f'{preset}.mjs'}",
        "--only-categories=performance,accessibility",
        # Its gatherer reads every response body back over DevTools, which times out on a busy
        # machine and ends the run; the server's compression is not what is measured here.
        "--skip-audits=uses-text-compression",
        "--output=json",
        f"--output-path={output}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--quiet",
    ]


def run_lighthouse(url: str, preset: str, output: Path) -> dict:
    """Lighthouse's result (its LHR) for one page load, tried again once when it has no
    figures (on a busy machine a DevTools call can time out and end the run)."""
    problem = ""
    for _ in range(ATTEMPTS):
        output.unlink(missing_ok=True)
        done = subprocess.run(
            lighthouse_command(url, preset, output),
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=LIGHTHOUSE_TIMEOUT_S,
            check=False,
        )
        problem = done.stderr[-3000:]
        if output.exists():
            result = json.loads(output.read_text(encoding="utf-8"))
            # A run that ended early still writes its result, the error kept in it.
            if "numericValue" in result["audits"].get("total-blocking-time", {}):
                return result
    raise RuntimeError(f"lighthouse failed on {url} ({preset}):\n{problem}")


# ---------------------------------------------------------------------------------------------
# What a result says


@dataclass
class Figures:
    """One page load as Lighthouse saw it: the figures printed and what they rest on."""

    tbt_ms: float
    lcp_s: float
    accessibility: int
    failing_accessibility: list[str]
    final_path: str
    lcp_element: str
    lcp_in_main: bool
    dom_elements: int
    dom_depth: int
    dom_widest: int  # most children of one element
    quiet_ms: float  # how long Lighthouse waited for a quiet main thread
    main_thread: list[dict] = field(default_factory=list)  # {"work", "ms"}
    scripts: list[dict] = field(default_factory=list)  # {"url", "total_ms", "scripting_ms"}
    long_tasks: list[dict] = field(default_factory=list)  # {"url", "ms", "start_ms"}
    errors: list[str] = field(default_factory=list)


def _path_of(url: str) -> str:
    """The address without scheme and host: "/results?session=X"."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def _details(audit: dict) -> list[dict]:
    return audit.get("details", {}).get("items", [])


def parse(result: dict) -> Figures:
    """The figures of one Lighthouse result (LHR)."""
    audits = result["audits"]
    accessibility = result["categories"]["accessibility"]
    failing = [
        ref["id"]
        for ref in accessibility["auditRefs"]
        if audits[ref["id"]].get("score") is not None and audits[ref["id"]]["score"] < 1
    ]
    lcp_items = _details(audits["largest-contentful-paint-element"])
    lcp_node = lcp_items[0]["items"][0]["node"] if lcp_items else {}
    dom = {item["statistic"]: item["value"]["value"] for item in _details(audits["dom-size"])}
    errors = [
        f"{audit_id}: {audit['errorMessage']}"
        for audit_id, audit in audits.items()
        if audit.get("scoreDisplayMode") == "error"
    ]
    if result.get("runtimeError"):
        errors.insert(0, result["runtimeError"]["message"])
    return Figures(
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        lcp_s=audits["largest-contentful-paint"]["numericValue"] / 1000,
        accessibility=round(accessibility["score"] * 100),
        failing_accessibility=failing,
        final_path=_path_of(result["finalDisplayedUrl"]),
        lcp_element=lcp_node.get("nodeLabel", ""),
        lcp_in_main="MAIN" in lcp_node.get("path", "").split(","),
        dom_elements=int(dom.get("Total DOM Elements", 0)),
        dom_depth=int(dom.get("Maximum DOM Depth", 0)),
        dom_widest=int(dom.get("Maximum Child Elements", 0)),
        quiet_ms=result["configSettings"]["cpuQuietThresholdMs"],
        main_thread=[
            {"work": item["groupLabel"], "ms": round(item["duration"])}
            for item in _details(audits["mainthread-work-breakdown"])[:TOP]
        ],
        scripts=[
            {
                "url": _path_of(item["url"]) if "://" in item["url"] else item["url"],
                "total_ms": round(item["total"]),
                "scripting_ms": round(item["scripting"]),
            }
            for item in _details(audits["bootup-time"])[:TOP]
        ],
        long_tasks=[
            {
                "url": _path_of(item["url"]) if "://" in item["url"] else item["url"],
                "ms": round(item["duration"]),
                "start_ms": round(item["startTime"]),
            }
            for item in sorted(
                _details(audits["long-tasks"]), key=lambda task: task["duration"], reverse=True
            )[:TOP]
        ],
        errors=errors,
    )


def _same_page(asked: str, ended: str) -> bool:
    """Whether the address ended on is the page asked for with its query kept (a page may add
    to the query: Present adds the slide shown)."""
    asked_path, _, asked_query = asked.partition("?")
    ended_path, _, ended_query = ended.partition("?")
    return asked_path == ended_path and set(parse_qsl(asked_query)) <= set(parse_qsl(ended_query))


def doubts(page: Page, figures: Figures, server_run_s: float) -> list[str]:
    """Why this measure may not be of the page drawn in full; empty when nothing is amiss."""
    found = []
    if not _same_page(page.path, figures.final_path):
        found.append(f"ended on {figures.final_path}, not {page.path}")
    if not figures.lcp_in_main:
        found.append(f"largest paint outside the main content: {figures.lcp_element!r}")
    if server_run_s * 1000 >= figures.quiet_ms:
        found.append(
            f"the server ran the page for {server_run_s:.1f} s, longer than Lighthouse waits for "
            f"a quiet main thread ({figures.quiet_ms / 1000:g} s)"
        )
    return found + figures.errors


def verdicts(preset: str, page_name: str, figures: Figures) -> dict[str, bool | None]:
    """Each target met or not; None where a page has no such target."""
    tbt_met = figures.tbt_ms <= TBT_TARGET_MS[preset] if page_name in TBT_TARGET_PAGES else None
    return {"tbt": tbt_met, "accessibility": figures.accessibility >= ACCESSIBILITY_TARGET}


def median_run(runs: Sequence[Figures]) -> Figures:
    """The run whose blocking time is the median (the lower middle of an even count)."""
    ordered = sorted(runs, key=lambda figures: figures.tbt_ms)
    return ordered[(len(ordered) - 1) // 2]


# ---------------------------------------------------------------------------------------------
# All pages


def warm_up(url: str, page: Page) -> float:
    """Run the page once over the websocket, as a visitor before the measure would; returns
    the seconds the server took (from rerun request to the end of the run)."""
    from bench.burst import Tab

    tab = Tab(url, query=page.query, page=page.page_name)
    try:
        begin = time.perf_counter()
        tab.run(timeout=WARM_UP_TIMEOUT_S)
        return time.perf_counter() - begin
    finally:
        tab.close()


def _check_tools() -> None:
    missing = [str(tool) for tool in (LIGHTHOUSE, Path(CHROMIUM)) if not tool.exists()]
    if not shutil.which("node"):
        missing.append("node")
    if missing:
        raise SystemExit(
            f"missing: {', '.join(missing)} (`make bench` installs Lighthouse and chromium)"
        )


def chosen_pages(present_code: str, names: Sequence[str] = ()) -> tuple[Page, ...]:
    """The pages named (all when none are), so one page can be measured again quickly."""
    every = pages(present_code)
    unknown = set(names) - {page.name for page in every}
    if unknown:
        raise ValueError(f"no such page: {', '.join(sorted(unknown))}")
    return tuple(page for page in every if not names or page.name in names)


def measure(
    presets: Sequence[str] = PRESETS,
    runs: int = 1,
    log: Callable[[str], None] = print,
    page_names: Sequence[str] = (),
) -> dict:
    from bench.burst import machine
    from bench.serving import running_server

    _check_tools()
    measured = chosen_pages(sample_session_code(), page_names)
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {
        "machine": machine(),
        "lighthouse": json.loads((LIGHTHOUSE_DIR / "package.json").read_text())["dependencies"],
        "runs": runs,
        "targets": {
            "tbt_ms": TBT_TARGET_MS,
            "tbt_pages": list(TBT_TARGET_PAGES),
            "accessibility": ACCESSIBILITY_TARGET,
        },
        "load_average": [os.getloadavg()[0]],
        "presets": {},
    }
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        servers = {}
        with contextlib.ExitStack() as stack:
            for script in dict.fromkeys(page.script for page in measured):
                data = Path(folder) / script.stem / "data"
                data.mkdir(parents=True)
                servers[script] = stack.enter_context(running_server(data, script))
            server_run_s = {}
            for page in measured:
                server_run_s[page.name] = warm_up(servers[page.script].url, page)
                log(f"  {page.name}: the server runs it in {server_run_s[page.name]:.2f} s")
            for preset in presets:
                rows = []
                for page in measured:
                    url = servers[page.script].url + page.path
                    log(f"lighthouse {preset} {page.name} ({url})")
                    outputs = [RUNS_DIR / f"{preset}-{page.name}-{n}.json" for n in range(runs)]
                    loads = [parse(run_lighthouse(url, preset, output)) for output in outputs]
                    chosen = median_run(loads)
                    rows.append(
                        {
                            "page": page.name,
                            "path": page.path,
                            **asdict(chosen),
                            "tbt_ms_of_runs": [round(load.tbt_ms) for load in loads],
                            "server_run_s": server_run_s[page.name],
                            "met": verdicts(preset, page.name, chosen),
                            "doubts": doubts(page, chosen, server_run_s[page.name]),
                        }
                    )
                figures["presets"][preset] = rows
    figures["load_average"].append(os.getloadavg()[0])
    return figures


# ---------------------------------------------------------------------------------------------
# The report


def _met(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def report_table(figures: dict) -> str:
    lines = []
    for preset, rows in figures["presets"].items():
        target = TBT_TARGET_MS[preset]
        lines.append(f"Lighthouse, {preset} (median of {figures['runs']} run(s) by TBT)")
        lines.append(
            f"{'page':<9}{'TBT ms':>8}{'target':>9}{'met':>5}{'LCP s':>7}{'a11y':>6}{'target':>8}"
            f"{'met':>5}  failing accessibility audits"
        )
        for row in rows:
            tbt_target = f"≤ {target:g}" if row["page"] in TBT_TARGET_PAGES else "-"
            lines.append(
                f"{row['page']:<9}{row['tbt_ms']:>8.0f}{tbt_target:>9}{_met(row['met']['tbt']):>5}"
                f"{row['lcp_s']:>7.1f}{row['accessibility']:>6}{ACCESSIBILITY_TARGET:>8}"
                f"{_met(row['met']['accessibility']):>5}  "
                f"{', '.join(row['failing_accessibility']) or '-'}"
            )
        lines.append("largest paint (LCP element) per page:")
        for row in rows:
            lines.append(f"  {row['page']:<9}{row['lcp_element'][:80]!r}")
        for row in rows:
            for doubt in row["doubts"]:
                lines.append(f"  doubt, {row['page']}: {doubt[:300]}")
        for row in rows:
            if row["page"] not in TBT_TARGET_PAGES:
                continue
            lines.append(
                f"{row['page']} ({preset}): DOM {row['dom_elements']} elements, depth "
                f"{row['dom_depth']}, widest {row['dom_widest']} children"
            )
            lines.append(
                "  main thread: "
                + ", ".join(f"{work['work']} {work['ms']} ms" for work in row["main_thread"])
            )
            lines.append(
                "  scripts (total / scripting ms): "
                + ", ".join(
                    f"{script['url']} {script['total_ms']}/{script['scripting_ms']}"
                    for script in row["scripts"]
                )
            )
            lines.append(
                "  longest tasks (ms at ms): "
                + ", ".join(
                    f"{task['url']} {task['ms']}@{task['start_ms']}" for task in row["long_tasks"]
                )
            )
        lines.append("")
    before, after = figures["load_average"]
    lines.append(
        f"(load average {before:.1f} → {after:.1f} on {figures['machine']['cores']} cores; "
        "simulated throttling, so a busy machine inflates the figures)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", choices=PRESETS, default=list(PRESETS))
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is kept")
    parser.add_argument(
        "--pages", nargs="*", default=[], help="names of the pages to measure (all by default)"
    )
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    figures = measure(tuple(args.presets), runs=args.runs, page_names=tuple(args.pages))
    publish(figures, report_table(figures), args.out)


if __name__ == "__main__":
    main()
