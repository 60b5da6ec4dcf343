"""`python -m alignment export`: every format writes a real file; problems exit 1 and say why."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from alignment import workbook
from alignment.cli import main
from alignment.config import SAMPLE_DIR, SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.store import load_responses
from alignment.workshop import load_workshops

QUESTIONNAIRE = str(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
SAMPLE = load_responses(SAMPLE_RESPONSES).frame
ALEX_LATEST = (
    SAMPLE[
        (SAMPLE["respondent"] == "Alex Rivera")
        & (SAMPLE["questionnaire_id"] == "purpose-performance")
    ]
    .sort_values("submitted_at")["response_id"]
    .iloc[-1]
)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _needs_chromium(chart_renderer: None) -> None:
    """Every export here draws charts."""


def export(*arguments: str) -> int:
    files = ["--responses", str(SAMPLE_RESPONSES), "--questionnaire", QUESTIONNAIRE]
    return main(["export", *files, *arguments])


def test_every_chart_of_a_trend_into_a_folder(tmp_path: Path):
    folder = tmp_path / "charts"
    assert export("--respondent", "Alex Rivera", "--format", "png", "--out", str(folder)) == 0
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 4
    assert all(name.startswith("alex-rivera_2026-11-13_") for name in files)
    assert "alex-rivera_2026-11-13_alignment-heatmap.png" in files
    assert all((folder / name).read_bytes().startswith(PNG) for name in files)


def test_one_chart_as_svg(tmp_path: Path):
    out = tmp_path / "radar.svg"
    assert (
        export(
            "--response-id", ALEX_LATEST, "--format", "svg", "--chart", "radar", "--out", str(out)
        )
        == 0
    )
    assert b"<svg" in out.read_bytes()[:200]
    assert b"Purpose and performance per strategy" in out.read_bytes()


def test_one_chart_as_pdf_and_as_offline_html(tmp_path: Path):
    pdf, page = tmp_path / "gaps.pdf", tmp_path / "gaps.html"
    assert (
        export(
            "--response-id", ALEX_LATEST, "--format", "pdf", "--chart", "gaps", "--out", str(pdf)
        )
        == 0
    )
    assert len(PdfReader(pdf).pages) == 1
    assert (
        export(
            "--response-id", ALEX_LATEST, "--format", "html", "--chart", "gaps", "--out", str(page)
        )
        == 0
    )
    assert b"Plotly.newPlot" in page.read_bytes()


def test_a_session_pack_obeys_k_and_names_no_one(tmp_path: Path):
    out = tmp_path / "room.zip"
    assert export("--session", "START7", "--format", "zip", "--out", str(out)) == 0
    members = zipfile.ZipFile(out).namelist()
    assert sorted(m.rsplit("/", 1)[1] for m in members) == sorted(
        f"{name}{ext}"
        for name in ("group-radar", "group-spread", "group-quadrants")
        for ext in (".png", ".svg", ".csv", "-slide.png")
    )
    aliases = set(SAMPLE.loc[SAMPLE["session"] == "START7", "respondent"])
    with zipfile.ZipFile(out) as pack:
        everything = b"".join(pack.read(m) for m in members).decode("utf-8", "replace")
    assert not any(alias in everything for alias in aliases)


def test_a_session_below_k_exports_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """A file no saved session holds: k comes from --min-group."""
    alone = tmp_path / "responses.csv"
    shutil.copyfile(SAMPLE_RESPONSES, alone)
    out = tmp_path / "room.zip"
    files = ["--responses", str(alone), "--questionnaire", QUESTIONNAIRE]
    arguments = ["--session", "START7", "--min-group", "40", "--format", "zip", "--out", str(out)]
    assert main(["export", *files, *arguments]) == 1
    assert not out.exists()
    assert "14 of at least 40 responses" in capsys.readouterr().err


def test_a_saved_session_exports_its_release_or_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """A saved session is exported as the room saw it: its release, never the live answers."""
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copyfile(SAMPLE_RESPONSES, folder / "responses.csv")
    workshops = load_workshops(SAMPLE_DIR / "sessions.json")
    unreleased = [replace(s, releases=(), revealed=False) for s in workshops.sessions]
    payload = {"join_base_url": "", "sessions": [asdict(s) for s in unreleased]}
    (folder / "sessions.json").write_text(json.dumps(payload))
    out = tmp_path / "room.zip"
    files = ["--responses", str(folder / "responses.csv"), "--questionnaire", QUESTIONNAIRE]
    assert (
        main(["export", *files, "--session", "START7", "--format", "zip", "--out", str(out)]) == 1
    )
    assert "no group results on show" in capsys.readouterr().err
    assert not out.exists()


def test_reports_of_a_response_and_a_session(tmp_path: Path):
    mine, room = tmp_path / "mine.pdf", tmp_path / "room.pdf"
    assert (
        export(
            "--respondent",
            "Alex Rivera",
            "--format",
            "report",
            "--paper",
            "letter",
            "--out",
            str(mine),
        )
        == 0
    )
    reader = PdfReader(mine)
    assert 612 - 2 <= float(reader.pages[0].mediabox.width) <= 612 + 2  # US Letter
    assert "Alex Rivera" in reader.pages[0].extract_text()
    assert export("--session", "START7", "--format", "report", "--out", str(room)) == 0
    text = "".join(page.extract_text() for page in PdfReader(room).pages)
    assert "START7" in text
    assert not any(
        alias in text for alias in set(SAMPLE.loc[SAMPLE["session"] == "START7", "respondent"])
    )


def test_a_workbook_of_one_person(tmp_path: Path):
    out = tmp_path / "alex.xlsx"
    assert export("--respondent", "Alex Rivera", "--format", "xlsx", "--out", str(out)) == 0
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames == ["Summary", "Responses", "Wide", "Scores", "About"]
    respondents = {
        row[0] for row in book["Wide"].iter_rows(min_row=2, min_col=3, max_col=3, values_only=True)
    }
    assert respondents == {"Alex Rivera"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--respondent", "Alex Rivera", "--format", "png", "--chart", "nope"], "no chart 'nope'"),
        (["--respondent", "Nobody", "--format", "xlsx"], "no respondent 'Nobody'"),
        (
            ["--response-id", ALEX_LATEST, "--format", "zip", "--chart", "radar"],
            "--chart works with",
        ),
        (["--session", "START7", "--min-group", "2", "--format", "zip"], "at least 3"),
        (["--session", "START7", "--min-group", "7", "--format", "zip"], "does not apply"),
    ],
)
def test_problems_exit_1_with_a_reason(tmp_path: Path, capsys, arguments: list[str], message: str):
    out = tmp_path / "out.file"
    assert export(*arguments, "--out", str(out)) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_workbook_excel_cannot_hold_exits_1_before_writing(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 20)
    out = tmp_path / "alex.xlsx"
    assert export("--respondent", "Alex Rivera", "--format", "xlsx", "--out", str(out)) == 1
    assert "more rows than one Excel sheet holds (19 below its header)" in capsys.readouterr().err
    assert not out.exists()


def test_a_respondent_with_one_response_has_no_trend(tmp_path: Path, capsys):
    once = (
        SAMPLE[SAMPLE["questionnaire_id"] == "purpose-performance"]
        .groupby("respondent")["response_id"]
        .nunique()
    )
    alias = once[once == 1].index[0]
    assert export("--respondent", alias, "--format", "svg", "--out", str(tmp_path / "x")) == 1
    assert "a trend needs at least two" in capsys.readouterr().err
