"""Files as people really have them: written by Python's csv module, Excel or Google Sheets.

CRLF line ends (Excel's "CSV UTF-8" with a byte-order mark too), reflections over several lines
with commas and quotes, quotes and commas in names. Each such file must read, score and import
exactly like its LF twin: the same cells, only the line ends and the BOM differ.
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from pathlib import Path

import pandas as pd
import pytest

from alignment import importing, store
from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses
from alignment.store import RESPONSE_COLUMNS, load_responses

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "import"
MAIN = load_questionnaire(PROJECT_ROOT / "questionnaires" / "purpose-performance.yaml")
PULSE = load_questionnaire(PROJECT_ROOT / "questionnaires" / "pulse.yaml")

NAMES = ['Sam "Sky" O\'Neil', "Lee, Jordan", '"Robin" Okafor', "Ana", "O'Brien, Pat"]
REFLECTIONS = [
    "Protect Friday\nafternoon for reading.",
    'I told the team "not now, next quarter",\nand meant it.',
    "Ask two people a week, then act.",
    "",
    'Line one,\n"line two"\n\nline four.',
]


def spreadsheet_cells() -> list[list[str]]:
    """A few whole responses as text cells: every item answered, every reflection written."""
    rows = []
    for n, name in enumerate(NAMES):
        response_id = str(uuid.UUID(int=0x1234_5678_9ABC_4DEF_8123_0000_0000_0000 + n, version=4))
        when = f"2026-03-{n + 2:02d}T09:{n * 7:02d}:00Z"
        session = "ROOM01" if n % 2 else ""
        meta = [response_id, when, name, session, MAIN.id, str(MAIN.version)]
        for i, item in enumerate(MAIN.active_items):
            rows.append([*meta, item.id, str((n + i) % 5 + 1), ""])
        for j, prompt in enumerate(MAIN.reflections):
            rows.append([*meta, prompt.id, "", REFLECTIONS[(n + j) % len(REFLECTIONS)]])
    return rows


def write_csv(path: Path, cells: list[list[str]], *, crlf: bool, bom: bool) -> Path:
    """Through Python's csv module, as a spreadsheet (CRLF, its default) or with LF."""
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle) if crlf else csv.writer(handle, lineterminator="\n")
        writer.writerow(RESPONSE_COLUMNS)
        writer.writerows(cells)
    return path


@pytest.fixture
def twins(tmp_path: Path) -> tuple[Path, Path]:
    """The Excel-style file (BOM, CRLF) and its LF twin."""
    cells = spreadsheet_cells()
    excel = write_csv(tmp_path / "excel.csv", cells, crlf=True, bom=True)
    plain = write_csv(tmp_path / "plain.csv", cells, crlf=False, bom=False)
    return excel, plain


@pytest.fixture(params=["whole", "streamed"])
def read_mode(request, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small files are parsed whole; files over STREAM_BYTES are streamed block by block."""
    if request.param == "streamed":
        monkeypatch.setattr(store, "STREAM_BYTES", 0)
    return request.param


def test_the_twins_differ_only_in_line_ends_and_bom(twins):
    excel, plain = twins
    data = excel.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(b"\r\n") == len(spreadsheet_cells()) + 1  # record ends; texts keep "\n"
    assert data.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n") == plain.read_bytes()


def test_excel_file_loads_like_its_lf_twin(twins, read_mode):
    excel, plain = twins
    loaded_excel, loaded_plain = load_responses(excel), load_responses(plain)

    assert loaded_excel.problems == []
    assert loaded_plain.problems == []
    pd.testing.assert_frame_equal(loaded_excel.frame, loaded_plain.frame)
    # And the cells are the ones written: names and multi-line reflections intact, no "\r".
    frame = loaded_excel.frame
    assert list(frame["respondent"].astype(str).unique()) == NAMES
    written = {c[8] for c in spreadsheet_cells() if c[8]}
    assert set(frame.loc[frame["text"] != "", "text"]) == written
    assert not frame["text"].str.contains("\r", regex=False).any()


def test_excel_file_scores_like_its_lf_twin(twins, read_mode):
    excel, plain = twins
    mine = score_responses(load_responses(excel).frame, MAIN)
    theirs = score_responses(load_responses(plain).frame, MAIN)

    assert len(mine.overall) == len(NAMES)
    pd.testing.assert_frame_equal(mine.strategies, theirs.strategies)
    pd.testing.assert_frame_equal(mine.overall, theirs.overall)


def test_excel_file_takes_the_arrow_fast_path(twins, read_mode, monkeypatch):
    """The fast path returns a frame for it, so the careful pandas parse never runs."""
    results: list[bool] = []
    fast = store._parse_fast

    def spy(data):
        frame = fast(data)
        results.append(frame is not None)
        return frame

    monkeypatch.setattr(store, "_parse_fast", spy)
    for path in twins:
        results.clear()
        load_responses(path)
        assert results == [True], (path.name, results)


def test_careful_path_reads_the_excel_file_like_its_lf_twin(twins, monkeypatch):
    """When the fast path declines (a file with a malformed line), pandas reads it alike too."""
    monkeypatch.setattr(store, "_parse_fast", lambda data: None)
    excel, plain = twins
    loaded_excel, loaded_plain = load_responses(excel), load_responses(plain)

    assert loaded_excel.problems == loaded_plain.problems == []
    pd.testing.assert_frame_equal(loaded_excel.frame, loaded_plain.frame)


# ---------------------------------------------------------------------------------------------
# Importing a spreadsheet's CSV


def rewritten(data: bytes, *, crlf: bool, bom: bool) -> bytes:
    """The fixture's cells written again by Python's csv module (quoting every cell when the
    fixture does, as Google Forms does), with CRLF or LF and with or without a BOM."""
    text = data.decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text, newline="")))
    quoting = csv.QUOTE_ALL if text.startswith('"') else csv.QUOTE_MINIMAL
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=quoting, lineterminator="\r\n" if crlf else "\n").writerows(cells)
    return (codecs.BOM_UTF8 if bom else b"") + buffer.getvalue().encode("utf-8")


def imported(data: bytes, folder: Path) -> tuple[importing.ImportPlan, bytes]:
    """What the import does with these bytes (as the CLI and the Data page do it): the plan and
    the data file it saves."""
    target = folder / "responses.csv"
    table = importing.read_table(data)
    plan = importing.plan_import(
        table,
        importing.auto_mapping(table, PULSE),
        PULSE,
        existing_ids=importing.existing_response_ids(target),
    )
    importing.import_responses(target, plan)
    return plan, target.read_bytes() if target.exists() else b""


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("google-forms-pulse.csv", True),
        ("long-pulse.csv", True),
        ("ms-forms-pulse.csv", True),
        # Row problems are reported on the same lines (a multi-line cell spans two).
        ("google-forms-bad-timestamps.csv", False),
        ("long-row-problems.csv", False),
    ],
)
@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_crlf_export_imports_exactly_like_its_lf_twin(name, clean, bom, tmp_path):
    original = (FIXTURES / name).read_bytes()
    lf = rewritten(original, crlf=False, bom=False)
    crlf = rewritten(original, crlf=True, bom=bom)
    assert b"\r\n" in crlf
    assert b"\r" not in lf

    (tmp_path / "lf").mkdir()
    (tmp_path / "crlf").mkdir()
    lf_plan, lf_saved = imported(lf, tmp_path / "lf")
    crlf_plan, crlf_saved = imported(crlf, tmp_path / "crlf")

    assert lf_plan.rows_read > 0
    assert (lf_plan.problems == []) is clean
    assert (lf_plan.response_count > 0) or not clean
    assert crlf_plan.problems == lf_plan.problems
    assert crlf_plan.bad == lf_plan.bad
    assert (crlf_plan.rows_read, crlf_plan.good_rows, crlf_plan.bad_rows) == (
        lf_plan.rows_read,
        lf_plan.good_rows,
        lf_plan.bad_rows,
    )
    assert crlf_plan.notes == lf_plan.notes
    pd.testing.assert_frame_equal(crlf_plan.responses, lf_plan.responses)
    assert crlf_saved == lf_saved  # the same rows saved, byte for byte
    # Multi-line reflections arrive with "\n" inside, never a stray "\r".
    texts = load_responses(tmp_path / "crlf" / "responses.csv").frame["text"]
    assert not texts.str.contains("\r", regex=False).any()


def test_rewritten_lf_fixture_imports_like_the_fixture_itself(tmp_path):
    """The twins above stand for the real exports: the csv module's LF copy of an LF fixture
    imports exactly like the fixture."""
    original = (FIXTURES / "google-forms-pulse.csv").read_bytes()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, from_fixture = imported(original, tmp_path / "a")
    _, from_copy = imported(rewritten(original, crlf=False, bom=False), tmp_path / "b")
    assert from_copy == from_fixture
