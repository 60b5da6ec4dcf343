"""Hostile text in aliases, reflections and imported cells: shown as plain text, exported safely."""

from __future__ import annotations

import csv
import html
import io
import re
import string
import unicodedata
import zipfile

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from alignment import charts, export, images, importing, report, ui, workbook
from alignment.config import responses_path
from alignment.response import (
    REFLECTION_MAX_LENGTH,
    ResponseError,
    build_response,
    clean_alias,
    clean_reflection,
)
from alignment.scoring import score_responses
from alignment.store import append_rows, delete_responses, load_responses
from tests.conftest import PROJECT_ROOT
from tests.test_journey import APP, PULSE

REFLECTION = "reflect-pulse"
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "**bold** _it_ # heading",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "a" * 5000,
    "\x00\x07\x1b[31m",
    "line1\nline2",
    "${{7*7}}",
    "&amp; &lt;",
    "\u202eevil",
    "</script><script>alert(2)</script>",
    "`code` ~~strike~~ | table |",
    ":red[colour] :smile:",
]
# Text a spreadsheet would run once it has normalised the full-width and small signs and
# skipped the blanks in front: every export must neutralise these too.
LOOKALIKES = [
    '\uff1dHYPERLINK("http://x","y")',  # full-width =
    "\ufe661+1",  # small =
    "\uff0bcmd|' /C calc'!A0",  # full-width +
    "\uff0d2+3",  # full-width -
    "\uff20SUM(A1)",  # full-width @
    "  =1+1",
    "\u00a0\u3000\ufe62A1",  # no-break and ideographic space, small +
    "\u200b=A1",  # zero-width space
]
FORMULA_STARTS = tuple(export.FORMULA_PREFIXES)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202e]")


def runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet could run `cell`: checked here apart from the app's own function."""
    visible = unicodedata.normalize("NFKC", cell)
    blanks = "".join(
        ch for ch in set(visible) if ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf", "Zs"}
    )
    return cell.startswith(FORMULA_STARTS) or visible.lstrip(blanks)[:1] in {"=", "+", "-", "@"}


def answers() -> dict[str, int]:
    return {item.id: 1 + n % 5 for n, item in enumerate(PULSE.active_items)}


# ---------------------------------------------------------------------------------------------
# What is accepted


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_aliases_are_refused_or_kept_exactly(text: str):
    kept = text.strip()  # leading and trailing white space (tab, CR, LF) is trimmed
    if CONTROL.search(kept) or "\n" in kept or len(kept) > 64:
        with pytest.raises(ResponseError):
            clean_alias(text)
    else:
        assert clean_alias(text) == kept  # no silent rewriting of what people typed


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_reflections_keep_the_text_and_drop_only_control_characters(text: str):
    if len(text) > REFLECTION_MAX_LENGTH:
        with pytest.raises(ResponseError, match="keep it to"):
            clean_reflection(text)
        return
    cleaned = clean_reflection(text)
    assert cleaned == re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", "", text).strip()
    assert "\r" not in cleaned  # a lone carriage return never reaches the file


@pytest.mark.parametrize("text", [*HOSTILE, string.punctuation, "a\\*b\\", "5 > 3 & 2 < 4"])
def test_plain_escapes_every_markdown_special(text: str):
    shown = ui.plain(text)
    # Taking the backslash escapes out again gives back exactly the text …
    assert re.sub(r"\\(.)", r"\1", shown, flags=re.DOTALL) == text
    # … and no character Markdown acts on is left unescaped (entities included: "&amp;").
    unescaped = re.sub(r"\\.", "", shown, flags=re.DOTALL)
    assert not set(unescaped) & set("\\`*_{}[]()<>#+-.!|~$&"), unescaped


# ---------------------------------------------------------------------------------------------
# A data file with hostile text (typed in the app, imported, or edited by hand)


def hostile_frame() -> pd.DataFrame:
    """One response per hostile string: as alias where the app accepts it, and as reflection.

    Text the app would refuse or clean is written raw too, as a hand-edited file holds it.
    """
    frames = []
    for n, text in enumerate(HOSTILE + LOOKALIKES):
        rows = build_response(PULSE, f"person {n}", answers(), {REFLECTION: "x"})
        rows["respondent"] = text[:64]
        rows.loc[rows["item_id"] == REFLECTION, "text"] = text[:REFLECTION_MAX_LENGTH]
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def hostile_file() -> pd.DataFrame:
    path = responses_path()
    for _, rows in hostile_frame().groupby("response_id", sort=False):
        append_rows(path, rows)
    loaded = load_responses(path)
    assert loaded.problems == []
    return loaded.frame


def test_hostile_text_survives_the_store_unchanged(hostile_file: pd.DataFrame):
    expected = hostile_frame()
    assert hostile_file["respondent"].tolist() == expected["respondent"].tolist()
    assert hostile_file["text"].tolist() == expected["text"].tolist()
    plain = list(csv.reader(io.StringIO(responses_path().read_bytes().decode("utf-8"))))
    assert len(plain) == 1 + len(expected)  # one record per row: no \r or \n broke one
    assert {len(record) for record in plain} == {9}


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _assert_neutral_csv(data: bytes, rows: int) -> list[list[str]]:
    records = _records(data)
    assert len(records) == rows + 1  # no row broken by a \r or \n inside a text
    width = len(records[0])
    for record in records:
        assert len(record) == width
        for cell in record:
            if runs_as_formula(cell):
                float(cell)  # only numbers (a negative gap) may start like a formula
    return records


def test_csv_exports_neutralise_every_hostile_cell(hostile_file: pd.DataFrame):
    records = _assert_neutral_csv(export.responses_csv(hostile_file), len(hostile_file))
    header = records[0]
    shown = {
        (r[header.index("respondent")], r[header.index("text")])
        for r in records[1:]
        if r[header.index("item_id")] == REFLECTION
    }
    expected = {
        (export.neutralise_formula(a), export.neutralise_formula(t))
        for a, t in hostile_frame().query("item_id == @REFLECTION")[["respondent", "text"]].values
    }
    assert shown == expected
    assert ('\'=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")') in shown
    assert ("'\rCR", "'\rCR") in shown  # kept inside its quoted field
    assert {(f"'{t}", f"'{t}") for t in LOOKALIKES} <= shown

    wide = _assert_neutral_csv(export.wide_csv(hostile_file, PULSE), len(HOSTILE + LOOKALIKES))
    assert {r[wide[0].index("respondent")] for r in wide[1:]} == {a for a, _ in expected}
    scores = score_responses(hostile_file, PULSE)
    records = _assert_neutral_csv(export.scores_csv(scores), len(scores.overall) * 11)
    assert {r[records[0].index("respondent")] for r in records[1:]} == {a for a, _ in expected}


def test_hand_edited_sessions_and_ids_export_safely():
    """Columns the app fills itself (session code, response id) can hold anything after a hand
    edit; whatever type the store reads them as, the exports neutralise them too."""
    rows = build_response(PULSE, "Ana", answers(), {REFLECTION: "fine"})
    rows["session"] = '=HYPERLINK("http://x","y")'
    rows["response_id"] = "@SUM(A1)"
    append_rows(responses_path(), rows)
    frame = load_responses(responses_path()).frame
    assert set(frame["session"]) == {'=HYPERLINK("http://x","y")'}
    for data in (export.responses_csv(frame), export.wide_csv(frame, PULSE)):
        records = _assert_neutral_csv(data, len(_records(data)) - 1)
        cells = {cell for record in records for cell in record}
        assert '\'=HYPERLINK("http://x","y")' in cells and "'@SUM(A1)" in cells
    _assert_neutral_csv(export.scores_csv(score_responses(frame, PULSE)), 11)
    book = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(frame, PULSE)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


def test_workbook_cells_are_text_never_formulas(hostile_file: pd.DataFrame):
    book = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(hostile_file, PULSE)))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not runs_as_formula(cell.value), cell.value
                    texts.append(cell.value)
    assert '\'=HYPERLINK("http://x","y")' in texts
    assert {f"'{t}" for t in LOOKALIKES} <= set(texts)
    assert "<script>alert(1)</script>" in texts  # kept as text, not dropped
    # The raw XML holds the text escaped, so nothing in it is markup.
    with zipfile.ZipFile(io.BytesIO(workbook.workbook_bytes(hostile_file, PULSE))) as archive:
        xml = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert "<script>" not in xml and "&lt;script&gt;" in xml


def test_workbook_keeps_text_shaped_like_its_writers_markup_as_text():
    """XlsxWriter writes a text shaped like its rich-text markup into the file unescaped and
    turns `{=…}` into an array formula: neither may reach the workbook as anything but text."""
    injected = '<r></r></is><f>HYPERLINK("http://x","y")</f><is><r></r>'
    rows = build_response(PULSE, "<r>Ana</r>", answers(), {REFLECTION: injected})
    rows.loc[rows["item_id"] == REFLECTION, "text"] = injected
    rows["session"] = "{=1+1}"
    book = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(rows, PULSE)))
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert {injected, "<r>Ana</r>", "{=1+1}"} <= texts


HOSTILE_HEADERS = [
    '=HYPERLINK("http://x","y")',
    '\uff1dHYPERLINK("http://x","y")',
    " @SUM(A1)",
    "problem",  # the name of the download's own column
    "\uff0dcmd",
]


def test_every_csv_writer_neutralises_hostile_headers_as_well_as_cells():
    chart_data = pd.DataFrame({header: [header, 1.5] for header in HOSTILE_HEADERS})
    records = _assert_neutral_csv(export.csv_bytes(chart_data), 2)
    assert records[0] == [export.neutralise_formula(h) for h in HOSTILE_HEADERS]
    assert not any(runs_as_formula(cell) for cell in records[0])

    # Headers of the other files are the app's own (the contract, item ids) whatever the frame
    # holds; a hostile extra column never reaches them.
    append_rows(responses_path(), build_response(PULSE, "Ana", answers(), {REFLECTION: "ok"}))
    frame = load_responses(responses_path()).frame.assign(**{HOSTILE_HEADERS[0]: LOOKALIKES[1]})
    frame["respondent"] = LOOKALIKES[0]
    for data in (
        export.responses_csv(frame),
        export.wide_csv(frame, PULSE),
        export.scores_csv(score_responses(frame, PULSE)),
    ):
        records = _assert_neutral_csv(data, len(_records(data)) - 1)
        assert not any(runs_as_formula(cell) for cell in records[0])
        assert HOSTILE_HEADERS[0] not in records[0]
        assert "'" + LOOKALIKES[0] in records[1]


def test_the_rows_with_problems_download_neutralises_imported_headers_and_cells():
    header = ["Timestamp", "Your name or alias", "why-pulse-p", *HOSTILE_HEADERS]
    rows = [
        ["2026-03-14 09:05:12", "Ana", "3", *LOOKALIKES[: len(HOSTILE_HEADERS)]],
        ["2026-03-14 09:05:13", LOOKALIKES[0], "9", *HOSTILE_HEADERS],  # 9 is off the scale
        ["not a time", "Ben", "\uff1d1+1", "x", "y"],  # ragged, too
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    table = importing.read_table(buffer.getvalue().encode())
    plan = importing.plan_import(
        table, importing.auto_mapping(table, PULSE), PULSE, existing_ids=set()
    )
    assert plan.bad_rows == 2
    records = _assert_neutral_csv(plan.bad_rows_csv(), 2)
    assert records[0] == [
        "line",
        *(export.neutralise_formula(h) for h in table.columns),
        "problem",
    ]
    assert "'" + HOSTILE_HEADERS[1] in records[0]
    assert "'" + LOOKALIKES[0] in records[1]


def test_workbook_text_from_the_questionnaire_is_neutralised_too():
    """The About sheet quotes the questionnaire's title, questions and strategy names."""
    strategy = PULSE.strategies[0]
    hostile = PULSE.model_copy(
        update={
            "title": LOOKALIKES[0],
            "strategies": [
                strategy.model_copy(update={"name": LOOKALIKES[2]}),
                *PULSE.strategies[1:],
            ],
            "items": [
                PULSE.items[0].model_copy(update={"text": LOOKALIKES[5]}),
                *PULSE.items[1:],
            ],
        }
    )
    rows = build_response(hostile, "Ana", answers(), {REFLECTION: LOOKALIKES[3]})
    book = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(rows, hostile)))
    texts = {
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    assert not any(runs_as_formula(text) for text in texts)
    assert {"'" + LOOKALIKES[i] for i in (0, 2, 3, 5)} <= texts


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_report_html_and_file_names_escape_the_text(hostile_file: pd.DataFrame, text: str):
    scores = score_responses(hostile_file, PULSE)
    chosen = hostile_file.loc[hostile_file["respondent"] == text[:64], "response_id"].iloc[0]
    page = report.response_document(scores, hostile_file, chosen, PULSE)
    for raw in ("<script>alert", "<img src=x", "<script>alert(2)"):
        assert raw not in page
    written = text[:REFLECTION_MAX_LENGTH]
    assert html.escape(written, quote=True) in page
    assert html.escape(text[:64], quote=True) in page
    name = export.download_name(text[:64], pd.Timestamp("2026-03-14"), "report")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name


def test_chart_html_embeds_text_only_as_escaped_json():
    hostile = "</script><script>alert(2)</script><img src=x onerror=alert(1)>"
    strategies = pd.DataFrame(
        {
            "strategy": ["why", "goals"],
            "strategy_name": [hostile, "[x](javascript:alert(1))"],
            "purpose": [80.0, 40.0],
            "performance": [50.0, 70.0],
            "gap": [-30.0, 30.0],
            "alignment": [70.0, 70.0],
            "quadrant": ["intent_gap", "hollow"],
        }
    )
    for figure in (charts.radar_chart(strategies, title=hostile), charts.gap_chart(strategies)):
        page = images.chart_bytes(figure, "html").decode("utf-8")
        assert "<script>alert(2)" not in page and "<img src=x" not in page
        # Names are HTML-escaped for plotly (which renders tags), then JSON-escaped in the page.
        assert "&lt;script&gt;alert(2)" in page
    radar = images.chart_bytes(charts.radar_chart(strategies, title=hostile), "html").decode()
    assert "\\u003cscript\\u003ealert(2)" in radar  # a title as given: JSON-escaped


# ---------------------------------------------------------------------------------------------
# What the Results page shows


def results_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    at.run()
    at.switch_page("views/results.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_no_raw_html(at: AppTest) -> None:
    # st.html is only for the session code (ui.big_code) and the date field's fixed style.
    assert {element.proto.body for element in at.get("html")} <= {ui.DATE_FIELD_STYLE}
    for kind in ("markdown", "caption", "title", "header", "subheader", "text"):
        for element in at.get(kind):
            assert not getattr(element.proto, "allow_html", False), (kind, element.value)
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning"):
        for element in at.get(kind):
            bare = re.sub(r"\\.", "", element.value, flags=re.DOTALL)  # escaped text is literal
            for raw in ("<", "](", "&amp;"):
                assert raw not in bare, (kind, element.value)


ALIAS = "<img src=x onerror=alert(1)> [a](javascript:b) **c** &amp;"
WRITTEN = "\n".join(t for t in HOSTILE if len(t) < 100)


def test_results_show_a_hostile_alias_and_reflection_as_plain_text():
    rows = build_response(PULSE, ALIAS, answers(), {REFLECTION: WRITTEN})
    append_rows(responses_path(), rows)
    at = results_page()
    assert_no_raw_html(at)
    assert f"Responses of **{ui.plain(ALIAS)}**" in [c.value for c in at.caption]
    texts = [t.value for t in at.text]  # st.text: shown verbatim, never parsed
    assert clean_reflection(WRITTEN) in texts


def test_imported_hostile_cells_are_kept_as_text_shown_plainly_and_exported_safely():
    source = list(
        csv.reader(
            io.StringIO(
                (PROJECT_ROOT / "tests/fixtures/import/google-forms-pulse.csv").read_text("utf-8")
            )
        )
    )
    header, first = source[0], source[1]
    name, reflection = header.index("Your name or alias"), len(header) - 1
    rows = []
    # A zero byte makes the whole file binary (refused, tested in test_importing); other
    # control characters are removed from the text.
    imported = [t.replace("\x00", "") for t in HOSTILE]
    for n, text in enumerate(imported):
        # Each text once as the alias (with a plain reflection), once as the reflection.
        for block, (alias, written) in enumerate(
            [(text if len(text) < 64 else f"long {n}", text), (f"writer {n}", text)]
        ):
            cells = list(first)
            cells[0] = f"2026/03/02 9:{n:02d}:{block:02d} AM GMT+1"
            cells[name], cells[reflection] = alias, written
            rows.append(cells)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    table = importing.read_table(buffer.getvalue().encode("utf-8"))
    plan = importing.plan_import(
        table, importing.auto_mapping(table, PULSE), PULSE, existing_ids=set()
    )
    refused = {p.row for p in plan.problems}
    for n, text in enumerate(imported):
        alias = (text if len(text) < 64 else f"long {n}").strip()
        # An alias with control characters is a problem of its row; its reflection is fine.
        assert (table.lines[2 * n] in refused) == bool(CONTROL.search(alias) or "\n" in alias)
        assert table.lines[2 * n + 1] not in refused
    importing.import_responses(responses_path(), plan)
    frame = load_responses(responses_path()).frame
    assert frame["response_id"].nunique() == plan.responses["response_id"].nunique() > 5
    texts = frame.loc[frame["item_id"] == REFLECTION, "text"].tolist()
    assert "<script>alert(1)</script>" in texts
    assert "[31m" in texts  # control characters removed, the rest kept
    assert "a" * REFLECTION_MAX_LENGTH in texts  # cut to the limit, with a note
    assert not any(CONTROL.search(t) for t in texts)
    assert "<script>alert(1)</script>" in set(frame["respondent"])
    _assert_neutral_csv(export.responses_csv(frame), len(frame))

    # Keep one person in the file so Results shows them without a choice to make.
    keep = frame.loc[frame["respondent"] == "<script>alert(1)</script>", "response_id"].iloc[0]
    delete_responses(responses_path(), set(frame["response_id"]) - {keep})
    at = results_page()
    assert_no_raw_html(at)
    assert f"Responses of **{ui.plain('<script>alert(1)</script>')}**" in [
        c.value for c in at.caption
    ]
    assert "<script>alert(1)</script>" in [t.value for t in at.text]
