"""Questionnaire files for authors: status of each file, a preview, and uploads saved safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from alignment import authoring
from alignment.assessment import assessment_steps
from alignment.authoring import (
    REFLECTIONS_HEADING,
    SaveOutcome,
    catalog_status,
    preview_items,
    save_uploaded_questionnaire,
)
from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import (
    load_catalog,
    load_questionnaire,
    parse_questionnaire,
)

# Balanced, reverse-keyed and with the schema line: valid without a single warning.
MINI = dedent("""\
    # yaml-language-server: $schema=schema.json
    id: mini
    version: 1
    title: Mini check
    scales:
      agree:
        min: 1
        max: 5
        labels: {1: Strongly disagree, 5: Strongly agree}
      often: {min: 1, max: 5, labels: {1: Never, 5: Always}}
    strategies:
      - {id: s1, name: First strategy}
      - {id: s2, name: Second strategy}
    items:
      - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: The first matters.}
      - {id: a2, strategy: s1, dimension: performance, scale: often, text: I skip the first., reverse: true}
      - {id: b2, strategy: s2, dimension: performance, scale: often, text: I act on the second.}
      - {id: b1, strategy: s2, dimension: purpose, scale: agree, text: The second is a waste., reverse: true}
    reflections:
      - {id: r1, text: "What will you change?"}
    """)  # noqa: E501 - one item per line reads best


def line_of(text: str, fragment: str) -> int:
    """The 1-based line holding `fragment`, so expected lines follow the text."""
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return number


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root`, hidden and temporary ones included, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A questionnaire folder inside tmp_path (so '../x.yaml' would still land in tmp_path)."""
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "mini.yaml").write_text(MINI, encoding="utf-8")
    (folder / "schema.json").write_text("{}\n", encoding="utf-8")
    return folder


def describe(outcome: SaveOutcome) -> str:
    return "\n".join([*(str(i) for i in outcome.issues), *outcome.warnings]) or "(nothing)"


# ---------------------------------------------------------------------------------------------
# Status of every file


def test_catalog_status_of_valid_warning_and_invalid_files(folder: Path):
    (folder / "b-warns.yaml").write_text(
        MINI.replace("id: mini", "id: warns").replace(", reverse: true}", "}"), encoding="utf-8"
    )
    broken = MINI.replace("id: mini", "id: broken").replace(
        "dimension: performance, scale: often, text: I act",
        "dimension: perf, scale: often, text: I act",
    )
    (folder / "c-broken.yml").write_text(broken, encoding="utf-8")
    (folder / "notes.txt").write_text("not a questionnaire", encoding="utf-8")

    statuses = catalog_status(folder)

    assert [(s.name, s.state) for s in statuses] == [
        ("b-warns.yaml", "warnings"),
        ("c-broken.yml", "invalid"),
        ("mini.yaml", "valid"),
    ]
    warns, invalid, valid = statuses
    assert valid.issues == []
    assert valid.questionnaire is not None
    assert valid.questionnaire.id == "mini"
    assert warns.questionnaire is not None
    assert warns.issues
    assert all(i.severity == "warning" for i in warns.issues)
    assert any("no reverse-keyed item" in i.message for i in warns.issues)
    assert invalid.questionnaire is None
    assert all(i.severity == "error" for i in invalid.issues)
    line = line_of(broken, "dimension: perf,")
    where = f"{folder / 'c-broken.yml'}:{line}: items[2] (b2).dimension: "
    assert any(str(i).startswith(where) for i in invalid.issues), invalid.issues


def test_catalog_status_ignores_the_schema_and_lists_the_shipped_files():
    statuses = catalog_status(SHIPPED_QUESTIONNAIRES)

    assert [s.name for s in statuses] == ["pulse.yaml", "purpose-performance.yaml"]
    assert all(s.state != "invalid" for s in statuses)
    assert all(s.path.suffix == ".yaml" for s in statuses)


def test_catalog_status_warns_when_two_files_share_an_id(folder: Path):
    (folder / "mini-copy.yaml").write_text(MINI, encoding="utf-8")

    statuses = catalog_status(folder)

    assert [(s.name, s.state) for s in statuses] == [
        ("mini-copy.yaml", "valid"),
        ("mini.yaml", "warnings"),
    ]
    [warning] = statuses[1].issues
    assert warning.field == "id"
    assert warning.line == 2
    assert "also used by mini-copy.yaml" in warning.message


def test_catalog_status_of_an_empty_folder(tmp_path: Path):
    assert catalog_status(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Uploads that must be refused without writing anything

ALIAS_BOMB = MINI + dedent("""\
    extra:
      a: &a [x, x, x, x, x, x, x, x, x, x]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
      h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
      i: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
    """)
SCHEMA_ERROR = MINI.replace("scale: often, text: I act", "scale: oftn, text: I act")

REFUSED = [
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new").replace("title: Mini check", "title: Mini: check"),
        "new.yaml:4: YAML syntax error",
        id="yaml-syntax-error",
    ),
    pytest.param(
        "new.yaml",
        SCHEMA_ERROR.replace("id: mini", "id: new"),
        f"new.yaml:{line_of(SCHEMA_ERROR, 'oftn')}: items[2] (b2).scale: unknown scale 'oftn'",
        id="schema-error",
    ),
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new").replace("version: 1\n", "version: 1\nversion: 2\n"),
        "new.yaml:4: version: duplicate key 'version'",
        id="duplicate-key",
    ),
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new").replace("Mini check", "Caf\u00e9").encode("latin-1"),
        "new.yaml: not UTF-8 text",
        id="not-utf8",
    ),
    pytest.param("new.yaml", b"", "new.yaml:1: the file is empty", id="empty"),
    pytest.param(
        "new.yaml",
        "- just\n- a list\n",
        "new.yaml:1: expected a mapping",
        id="not-a-mapping",
    ),
    pytest.param(
        "../evil.yaml",
        MINI.replace("id: mini", "id: evil"),
        "must be a plain name without folders",
        id="parent-folder",
    ),
    pytest.param(
        "sub/new.yaml",
        MINI.replace("id: mini", "id: new"),
        "must be a plain name without folders",
        id="sub-folder",
    ),
    pytest.param(
        "/tmp/new.yaml",
        MINI.replace("id: mini", "id: new"),
        "must be a plain name without folders",
        id="absolute-path",
    ),
    pytest.param(
        ".hidden.yaml",
        MINI.replace("id: mini", "id: hidden"),
        "must not start with '.'",
        id="dot-file",
    ),
    pytest.param("x.txt", MINI.replace("id: mini", "id: x"), "must end in .yaml or .yml", id="txt"),
    pytest.param(
        "new.YAML", MINI.replace("id: mini", "id: new"), "must end in .yaml or .yml", id="upper-ext"
    ),
    pytest.param(
        "My Check.yaml",
        MINI.replace("id: mini", "id: new"),
        "only lowercase letters, digits, '-' and '_'",
        id="spaces-and-capitals",
    ),
    pytest.param(
        "other.yaml",
        MINI,
        "other.yaml:2: id: id 'mini' is already used by mini.yaml",
        id="colliding-id",
    ),
    pytest.param(
        "mini.yaml",
        MINI.replace("version: 1", "version: 2"),
        "mini.yaml already exists; choose to replace it",
        id="overwrite-without-replace",
    ),
    pytest.param("new.yaml", ALIAS_BOMB, "aliases (*name) expand the document", id="alias-bomb"),
    pytest.param(
        "new.yaml",
        MINI + "extra: &loop [*loop]\n",
        "refers to the mapping or list that contains it",
        id="alias-loop",
    ),
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new") + "# " + "x" * 300_000 + "\n",
        "new.yaml: the file is larger than 262,144 bytes (256 KB)",
        id="larger-than-256-kb",
    ),
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new") + "# " + "x" * 2_000_000 + "\n",
        "new.yaml: the file is larger than 262,144 bytes (256 KB)",
        id="megabytes",
    ),
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new").replace("max: 5", "max: 50000000"),
        f"new.yaml:{line_of(MINI, '    max: 5')}: scales.agree.max: Input should be less than or "
        "equal to 100",
        id="scale-of-fifty-million-points",
    ),
    pytest.param(
        "new.yaml",
        MINI.replace("id: mini", "id: new").replace("max: 5", "max: 12"),
        f"new.yaml:{line_of(MINI, 'agree:')}: scales.agree: the scale 1–12 has 12 points; a scale "
        "has at most 11",
        id="scale-of-twelve-points",
    ),
]


@pytest.mark.parametrize(("file_name", "content", "expected"), REFUSED)
def test_refused_upload_leaves_the_folder_unchanged(
    folder: Path, file_name: str, content: str | bytes, expected: str
):
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    before = snapshot(folder.parent)

    outcome = save_uploaded_questionnaire(folder, file_name, data)

    assert snapshot(folder.parent) == before
    assert not outcome.saved
    assert outcome.path is None
    assert outcome.errors, describe(outcome)
    assert any(expected in str(issue) for issue in outcome.errors), describe(outcome)


def test_replace_does_not_let_a_file_take_another_files_id(folder: Path):
    before = snapshot(folder)

    outcome = save_uploaded_questionnaire(folder, "other.yaml", MINI.encode(), replace=True)

    assert snapshot(folder) == before
    assert not outcome.saved
    assert "already used by mini.yaml" in describe(outcome)


def test_replace_with_a_lower_version_is_refused(folder: Path):
    (folder / "mini.yaml").write_text(MINI.replace("version: 1", "version: 3"), encoding="utf-8")
    before = snapshot(folder)

    outcome = save_uploaded_questionnaire(
        folder, "mini.yaml", MINI.replace("version: 1", "version: 2").encode(), replace=True
    )

    assert snapshot(folder) == before
    assert not outcome.saved
    [issue] = outcome.errors
    assert issue.field == "version"
    assert issue.line == 3
    assert "version 2 is lower than the saved version 3" in issue.message


def test_failed_write_leaves_no_trace(folder: Path, monkeypatch: pytest.MonkeyPatch):
    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(authoring.os, "fsync", broken_fsync)
    before = snapshot(folder)

    outcome = save_uploaded_questionnaire(
        folder, "new.yaml", MINI.replace("id: mini", "id: new").encode()
    )

    assert snapshot(folder) == before
    assert not outcome.saved
    assert "cannot write new.yaml: Input/output error" in describe(outcome)


# ---------------------------------------------------------------------------------------------
# Uploads that are saved


def test_valid_upload_is_saved_byte_for_byte_and_loads(folder: Path):
    # Comments, a byte order mark and Windows line endings all survive as uploaded.
    text = MINI.replace("id: mini", "id: team-check").replace("\n", "  # kept\r\n", 3)
    data = b"\xef\xbb\xbf" + text.encode("utf-8")

    outcome = save_uploaded_questionnaire(folder, "team-check.yaml", data)

    assert outcome.saved, describe(outcome)
    assert outcome.path == folder / "team-check.yaml"
    assert outcome.issues == []
    assert outcome.warnings == []
    assert (folder / "team-check.yaml").read_bytes() == data
    assert sorted(p.name for p in folder.iterdir()) == [
        "mini.yaml",
        "schema.json",
        "team-check.yaml",
    ]
    loaded = {entry.path.name: entry for entry in load_catalog(folder)}
    assert loaded["team-check.yaml"].is_valid
    assert loaded["team-check.yaml"].questionnaire.id == "team-check"


def test_upload_without_the_schema_line_is_saved_with_a_warning(folder: Path):
    data = MINI.replace("id: mini", "id: plain").split("\n", 1)[1].encode()

    outcome = save_uploaded_questionnaire(folder, "plain.yml", data)

    assert outcome.saved, describe(outcome)
    assert (folder / "plain.yml").read_bytes() == data
    [warning] = outcome.warnings
    assert "# yaml-language-server: $schema=schema.json" in warning


def test_validator_warnings_come_back_with_a_saved_upload(folder: Path):
    text = MINI.replace("id: mini", "id: warns").replace(", reverse: true}", "}")

    outcome = save_uploaded_questionnaire(folder, "warns.yaml", text.encode())

    assert outcome.saved, describe(outcome)
    assert outcome.errors == []
    assert outcome.issues
    assert all(i.severity == "warning" and i.file == "warns.yaml" for i in outcome.issues)


def test_upload_into_a_missing_folder_creates_it(tmp_path: Path):
    folder = tmp_path / "new-folder"

    outcome = save_uploaded_questionnaire(folder, "mini.yaml", MINI.encode())

    assert outcome.saved, describe(outcome)
    assert (folder / "mini.yaml").read_text(encoding="utf-8") == MINI


# ---------------------------------------------------------------------------------------------
# Replacing a questionnaire: versions and retired items

RETIRED_A2 = (
    MINI.replace("version: 1", "version: 2")
    .replace("reverse: true}\n", "reverse: true, retired: true}\n", 1)
    .replace(
        "  - {id: b2,",
        "  - {id: a3, strategy: s1, dimension: performance, scale: often, "
        "text: I put the first off., reverse: true}\n"
        "  - {id: b2,",
    )
)


def test_retiring_an_item_and_bumping_the_version_replaces_without_warnings(folder: Path):
    outcome = save_uploaded_questionnaire(folder, "mini.yaml", RETIRED_A2.encode(), replace=True)

    assert outcome.saved, describe(outcome)
    assert outcome.warnings == []
    q = load_questionnaire(folder / "mini.yaml")
    assert q.version == 2
    assert q.item_by_id["a2"].retired
    assert "a2" not in {i.id for i in q.active_items}


def test_removing_an_item_instead_of_retiring_it_warns(folder: Path):
    removed = RETIRED_A2.replace(
        "  - {id: a2, strategy: s1, dimension: performance, scale: often, text: I skip the "
        "first., reverse: true, retired: true}\n",
        "",
    )
    assert "id: a2" not in removed
    assert parse_questionnaire(removed, "mini.yaml").is_valid

    outcome = save_uploaded_questionnaire(folder, "mini.yaml", removed.encode(), replace=True)

    assert outcome.saved, describe(outcome)
    [warning] = outcome.warnings
    assert "items removed instead of retired: a2" in warning
    assert "retired: true" in warning


def test_changing_items_without_bumping_the_version_warns(folder: Path):
    reworded = MINI.replace("The first matters.", "The first strategy matters to me.")

    outcome = save_uploaded_questionnaire(folder, "mini.yaml", reworded.encode(), replace=True)

    assert outcome.saved, describe(outcome)
    [warning] = outcome.warnings
    assert "version is still 1" in warning
    assert "version: 2" in warning


def test_an_item_id_that_changes_meaning_warns(folder: Path):
    flipped = MINI.replace("version: 1", "version: 2").replace(
        "scale: agree, text: The first matters.}",
        "scale: agree, text: The first matters., reverse: true}",
    )

    outcome = save_uploaded_questionnaire(folder, "mini.yaml", flipped.encode(), replace=True)

    assert outcome.saved, describe(outcome)
    [warning] = outcome.warnings
    assert "item 'a1' changed its meaning (reverse False → True)" in warning


def test_same_upload_again_with_replace_is_saved_quietly(folder: Path):
    outcome = save_uploaded_questionnaire(folder, "mini.yaml", MINI.encode(), replace=True)

    assert outcome.saved, describe(outcome)
    assert outcome.warnings == []


def test_replacing_a_broken_file_is_allowed(folder: Path):
    (folder / "mini.yaml").write_text("id: mini\nversion: one\n", encoding="utf-8")

    outcome = save_uploaded_questionnaire(folder, "mini.yaml", MINI.encode(), replace=True)

    assert outcome.saved, describe(outcome)
    assert [s.state for s in catalog_status(folder)] == ["valid"]


def test_replacing_a_file_that_holds_another_questionnaire_is_refused(folder: Path):
    other = MINI.replace("id: mini", "id: other")
    before = snapshot(folder.parent)

    outcome = save_uploaded_questionnaire(folder, "mini.yaml", other.encode(), replace=True)

    assert snapshot(folder.parent) == before
    assert not outcome.saved
    [issue] = outcome.errors
    assert str(issue) == (
        "mini.yaml:2: id: mini.yaml holds questionnaire 'mini' and its answers are stored by "
        "that id, so this file keeps id 'mini'; a new questionnaire 'other' needs a new file "
        "name, e.g. other.yaml"
    )


def test_replacing_a_broken_file_that_names_another_questionnaire_is_refused(folder: Path):
    (folder / "mini.yaml").write_text("id: mini\nversion: one\n", encoding="utf-8")
    before = snapshot(folder.parent)

    outcome = save_uploaded_questionnaire(
        folder, "mini.yaml", MINI.replace("id: mini", "id: other").encode(), replace=True
    )

    assert snapshot(folder.parent) == before
    assert not outcome.saved
    assert "mini.yaml holds questionnaire 'mini'" in describe(outcome)


def test_replacing_a_file_without_a_readable_id_is_allowed(folder: Path):
    (folder / "mini.yaml").write_text("id: [not, an, id]\nversion: one\n", encoding="utf-8")

    outcome = save_uploaded_questionnaire(
        folder, "mini.yaml", MINI.replace("id: mini", "id: other").encode(), replace=True
    )

    assert outcome.saved, describe(outcome)
    assert load_questionnaire(folder / "mini.yaml").id == "other"


def test_replacing_a_shipped_questionnaire_with_another_id_is_refused(tmp_path: Path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shipped = SHIPPED_QUESTIONNAIRES / "pulse.yaml"
    (folder / "pulse.yaml").write_bytes(shipped.read_bytes())
    renamed = shipped.read_text(encoding="utf-8").replace("id: pulse", "id: pulse-2", 1)
    assert renamed != shipped.read_text(encoding="utf-8")

    outcome = save_uploaded_questionnaire(folder, "pulse.yaml", renamed.encode(), replace=True)

    assert not outcome.saved
    assert (folder / "pulse.yaml").read_bytes() == shipped.read_bytes()
    assert "pulse.yaml holds questionnaire 'pulse'" in describe(outcome)


# ---------------------------------------------------------------------------------------------
# Preview


@pytest.mark.parametrize("name", ["purpose-performance.yaml", "pulse.yaml"])
def test_preview_follows_the_assessment_steps(name: str):
    q = load_questionnaire(SHIPPED_QUESTIONNAIRES / name)

    preview = preview_items(q)

    steps = [s for s in assessment_steps(q) if s.strategy is not None]
    assert [heading for heading, _ in preview] == [
        *(s.strategy.name for s in steps),
        REFLECTIONS_HEADING,
    ]
    for (_, questions), step in zip(preview, steps, strict=False):
        assert [text for text, _ in questions] == [item.text for item in step.items]
    _, first_questions = preview[0]
    assert first_questions[0][1] == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    assert preview[-1][1] == [(r.text, []) for r in q.reflections]


def test_preview_puts_purpose_first_and_leaves_out_retired_items():
    q = parse_questionnaire(RETIRED_A2, "mini.yaml").questionnaire
    assert q is not None

    assert preview_items(q) == [
        (
            "First strategy",
            [
                ("The first matters.", ["Strongly disagree", "2", "3", "4", "Strongly agree"]),
                ("I put the first off.", ["Never", "2", "3", "4", "Always"]),
            ],
        ),
        (
            "Second strategy",
            [
                ("The second is a waste.", ["Strongly disagree", "2", "3", "4", "Strongly agree"]),
                ("I act on the second.", ["Never", "2", "3", "4", "Always"]),
            ],
        ),
        (REFLECTIONS_HEADING, [("What will you change?", [])]),
    ]


def test_preview_without_reflections_has_no_reflection_step():
    q = parse_questionnaire(MINI.split("reflections:")[0], "mini.yaml").questionnaire
    assert q is not None

    assert [heading for heading, _ in preview_items(q)] == ["First strategy", "Second strategy"]


def test_authoring_works_without_streamlit():
    code = "import sys, alignment.authoring; print('streamlit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
