"""`python -m alignment import`: the mapping and the report, exit codes, and the data file.

The last tests follow the issue's "done when": a Google Forms and a Microsoft Forms export of the
pulse questionnaire, imported from the command line, show on the Trends and Workshop pages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import config, ui
from alignment.cli import main
from alignment.store import load_responses
from alignment.workshop import create_session, sessions_path
from tests.conftest import browser_address, charts_come_into_view

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "import"
PULSE = str(PROJECT_ROOT / "questionnaires" / "pulse.yaml")

APP = str(PROJECT_ROOT / "app.py")


def run_import(*args: str) -> int:
    return main(["import", *args])


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def data_file() -> Path:
    return config.responses_path()


# ---------------------------------------------------------------------------------------------
# Reports and exit codes


def test_dry_run_prints_the_mapping_and_the_report_and_saves_nothing(capsys):
    code = run_import(fixture("ms-forms-pulse.csv"), "--questionnaire", PULSE, "--dry-run")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[:7] == [
        "Columns:",
        "  'ID' -> ignored (label)",
        "  'Start time' -> ignored (label)",
        "  'Completion time' -> time of submission (label)",
        "  'Email' -> ignored (label)",
        "  'Name' -> respondent (label)",
        "  'Last modified time' -> ignored (label)",
    ]
    assert "  'I am clear about what I stand for as a leader.' -> item why-pulse-p (text)" in lines
    assert lines[28:] == [
        "6 row(s) read (Microsoft Forms export, UTF-8 with BOM, comma-separated).",
        "6 new response(s) to import (6 row(s)).",
        "note: 3 column(s) ignored: 'Start time', 'Email', 'Last modified time'",
        "note: times in column 'Completion time' name no time zone; they were read as UTC",
        f"Dry run: nothing was saved to {data_file()}.",
    ]
    assert not data_file().exists()


def test_import_then_import_again_adds_nothing(capsys):
    assert run_import(fixture("google-forms-pulse.csv"), "--questionnaire", PULSE) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == f"Imported 6 response(s) into {data_file()}."
    before = data_file().read_bytes()

    assert run_import(fixture("google-forms-pulse.csv"), "--questionnaire", PULSE) == 0

    out, _ = capsys.readouterr()
    assert out.splitlines()[-5:] == [
        "6 row(s) read (Google Forms export, UTF-8, comma-separated).",
        "0 new response(s) to import (0 row(s)).",
        "6 response(s) already imported; skipped.",
        "note: 1 column(s) ignored: 'Email Address'",
        "Nothing new to import.",
    ]
    assert data_file().read_bytes() == before


def test_bad_rows_are_reported_skipped_and_saved_on_request(capsys, tmp_path: Path):
    bad = tmp_path / "bad rows.csv"

    code = run_import(
        fixture("google-forms-label-typos.csv"), "--questionnaire", PULSE, "--bad-rows", str(bad)
    )

    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert "2 row(s) with problems skipped:" in lines
    assert sum(line.startswith("line ") for line in lines) == 4
    assert lines[-2:] == [
        f"wrote the 2 row(s) with problems to {bad}",
        f"Imported 1 response(s) into {data_file()}; skipped 2 row(s) with problems.",
    ]
    assert bad.read_text(encoding="utf-8").startswith("line,Timestamp,Email Address,")
    assert load_responses(data_file()).response_count == 1


def test_no_importable_row_exits_1_and_leaves_no_file(capsys):
    code = run_import(fixture("long-row-problems.csv"), "--questionnaire", PULSE)

    out, err = capsys.readouterr()
    assert code == 1
    assert "48 row(s) with problems skipped:" in out
    assert err == f"error: {fixture('long-row-problems.csv')}: no row can be imported\n"
    assert not data_file().exists()


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("not-a-csv.png", [], "this is a PNG image, not a CSV file"),
        ("empty.csv", [], "the file is empty"),
        ("google-forms-no-timestamp.csv", [], "no column holds the time"),
        ("google-forms-pulse.csv", ["--format", "long"], "a long responses CSV needs the columns"),
        ("google-forms-pulse.csv", ["--respondent-column", "Alias"], "there is no column 'Alias'"),
        ("google-forms-pulse.csv", ["--session", "nope"], "session code 'nope': Session codes"),
    ],
)
def test_a_file_that_cannot_be_imported_exits_1_with_the_reason(capsys, name, options, message):
    code = run_import(fixture(name), "--questionnaire", PULSE, *options)

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {fixture(name)}: {message}")
    assert not data_file().exists()


def test_missing_file_and_invalid_questionnaire_exit_1(capsys, tmp_path: Path):
    assert run_import(str(tmp_path / "absent.csv"), "--questionnaire", PULSE) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'absent.csv'}: file not found\n"

    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n", encoding="utf-8")
    assert run_import(fixture("google-forms-pulse.csv"), "--questionnaire", str(broken)) == 1
    assert "missing required key" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        [fixture("google-forms-pulse.csv")],  # no --questionnaire
        [fixture("google-forms-pulse.csv"), "--questionnaire", PULSE, "--format", "xlsx"],
        ["--questionnaire", PULSE],  # no file
    ],
)
def test_usage_errors_exit_2(capsys, args):
    with pytest.raises(SystemExit) as caught:
        run_import(*args)
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_formats_and_respondent_column_can_be_named(capsys):
    code = run_import(
        fixture("ms-forms-pulse.csv"),
        "--questionnaire",
        PULSE,
        "--format",
        "ms-forms",
        "--respondent-column",
        "Email",
    )

    out, _ = capsys.readouterr()
    assert code == 0
    assert "  'Email' -> respondent (manual)" in out.splitlines()
    assert "ana@example.org" in set(load_responses(data_file()).frame["respondent"])


def test_a_failed_save_exits_1_and_leaves_the_data_file_byte_for_byte(
    capsys, monkeypatch: pytest.MonkeyPatch
):
    assert run_import(fixture("long-pulse.csv"), "--questionnaire", PULSE) == 0
    before = data_file().read_bytes()
    capsys.readouterr()
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        real_write(fd, data[:10])
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:  # undo() would drop the isolated data folder too
        patched.setattr(os, "write", full_disk)
        code = run_import(fixture("google-forms-pulse.csv"), "--questionnaire", PULSE)

    _, err = capsys.readouterr()
    assert code == 1
    assert "the disk is full" in err
    assert data_file().read_bytes() == before


def test_a_foreign_data_file_exits_1_and_is_left_alone(capsys):
    data_file().write_bytes(b"name,score\nAna,3\n")

    code = run_import(fixture("google-forms-pulse.csv"), "--questionnaire", PULSE)

    assert code == 1
    assert "expected the columns" in capsys.readouterr().err
    assert data_file().read_bytes() == b"name,score\nAna,3\n"


def test_a_session_without_a_saved_workshop_is_pointed_out(capsys):
    code = run_import(
        fixture("google-forms-pulse.csv"), "--questionnaire", PULSE, "--session", "k7pxw3"
    )

    out, _ = capsys.readouterr()
    assert code == 0
    assert (
        "note: no workshop session K7PXW3 is open here; open one on the Workshop page and import "
        "with its code to see these answers there"
    ) in out.splitlines()
    assert set(load_responses(data_file()).frame["session"]) == {"K7PXW3"}


def test_a_session_of_another_questionnaire_is_pointed_out(capsys):
    code = create_session(sessions_path(config.data_dir()), "Long form", "purpose-performance").code

    assert run_import(fixture("long-pulse.csv"), "--questionnaire", PULSE, "--session", code) == 0

    out, _ = capsys.readouterr()
    assert (
        f"note: workshop session {code} uses the questionnaire 'purpose-performance', not "
        "'pulse'; the Workshop page will not count these responses"
    ) in out.splitlines()


def test_import_as_a_subprocess(isolated_data_dir: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alignment",
            "import",
            fixture("long-pulse.csv"),
            "--questionnaire",
            PULSE,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ALIGNMENT_DATA_DIR": str(isolated_data_dir)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        f"Imported 5 response(s) into {isolated_data_dir / 'responses.csv'}."
    )


# ---------------------------------------------------------------------------------------------
# Done when: imported exports show on Trends and Workshop


def open_page(page: str, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    charts_come_into_view(at)  # as a visitor who scrolls down the page
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    browser_address(at, page)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_imported_google_and_microsoft_forms_exports_show_on_trends_and_workshop(capsys):
    code = create_session(sessions_path(config.data_dir()), "Imported pulse", "pulse", 5).code
    assert (
        run_import(fixture("google-forms-pulse.csv"), "--questionnaire", PULSE, "--session", code)
        == 0
    )
    assert run_import(fixture("ms-forms-pulse.csv"), "--questionnaire", PULSE) == 0
    capsys.readouterr()

    # Trends: Ana answered in Google Forms (2 March) and in Microsoft Forms (14 March).
    at = open_page("views/trends.py", **{ui.RESPONDENT_KEY: "Ana", "trends_tab": "Over time"})
    assert at.selectbox(key="trends_respondent").value == "Ana"
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert specs
    dates = {
        str(x)[:10]
        for spec in specs
        for trace in spec["data"]
        for x in (trace.get("x") or [])
        if str(x).startswith("2026-03")
    }
    assert {"2026-03-02", "2026-03-14"} <= dates

    # Workshop: the six Google Forms responses were filed under the session (k = 5).
    at = open_page("views/workshop.py", workshop_code=code)
    assert {m.label: m.value for m in at.metric}["Responses so far"] == "6"
