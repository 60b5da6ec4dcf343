"""Questionnaire files: what a valid one looks like, and how every kind of mistake is reported.

Each invalid case is a whole YAML file written out below so the line an issue must point at can
be counted by eye; the offending line carries a `# <- line N` comment to make that easy.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from alignment import questionnaire as questionnaire_module
from alignment.questionnaire import (
    STANDARD_STRATEGY_IDS,
    Issue,
    LoadedQuestionnaire,
    QuestionnaireError,
    Scale,
    key_line,
    load_catalog,
    load_questionnaire,
    load_questionnaire_file,
    parse_questionnaire,
)

QUESTIONNAIRES = Path(__file__).parents[1] / "questionnaires"

VALID = dedent("""\
    id: mini
    version: 1
    title: Mini check
    description: A two-strategy questionnaire for tests.
    scales:
      agree:
        min: 1
        max: 5
        labels: {1: Strongly disagree, 5: Strongly agree}
      often:
        min: 1
        max: 5
        labels: {1: Never, 5: Always}
    scoring:
      threshold: 60
    strategies:
      - id: s1
        name: First strategy
        actions:
          - Do the first thing.
      - id: s2
        name: Second strategy
    items:
      - id: a1
        strategy: s1
        dimension: purpose
        scale: agree
        text: The first strategy matters to me.
      - id: a2
        strategy: s1
        dimension: performance
        scale: often
        text: I skip the first strategy.
        reverse: true
      - id: b1
        strategy: s2
        dimension: purpose
        scale: agree
        text: The second strategy is a waste of time.
        reverse: true
      - id: b2
        strategy: s2
        dimension: performance
        scale: often
        text: I act on the second strategy.
    reflections:
      - id: r1
        text: What will you change?
    """)


def issues_at(loaded: LoadedQuestionnaire, line: int) -> list[Issue]:
    return [i for i in loaded.issues if i.line == line]


def describe(loaded: LoadedQuestionnaire) -> str:
    return "\n".join(str(i) for i in loaded.issues) or "(no issues)"


# ---------------------------------------------------------------------------------------------
# A valid file


def test_valid_questionnaire_parses_without_issues():
    loaded = parse_questionnaire(VALID, "q.yaml")

    assert loaded.is_valid, describe(loaded)
    assert loaded.issues == []
    q = loaded.questionnaire
    assert q is not None
    assert q.id == "mini"
    assert q.version == 1
    assert [s.id for s in q.strategies] == ["s1", "s2"]
    assert [i.id for i in q.active_items] == ["a1", "a2", "b1", "b2"]
    assert [i.id for i in q.items if i.reverse] == ["a2", "b1"]
    assert [r.id for r in q.reflections] == ["r1"]
    assert q.threshold == 60
    assert q.scales["agree"].points == [1, 2, 3, 4, 5]
    assert q.scales["agree"].label(5) == "Strongly agree"
    assert q.scales["agree"].label(3) == "3"
    assert q.strategy_by_id["s1"].actions == ["Do the first thing."]
    assert [i.id for i in q.items_for("s2")] == ["b1", "b2"]


# ---------------------------------------------------------------------------------------------
# Invalid files: one problem each, located by line and field

INVALID_CASES = [
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini: check   # <- line 3, a second ': ' on one line
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        3,
        "",
        "column 12",
        id="yaml-syntax-error",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - id: a1
                strategy: s1
                dimension: purpose
                scale: agree
                text: I care.
              - id: a2
                strategy: s1
                dimension: performance
                scale: agree
                text: I skip it.
                revers: true   # <- line 19
            """),
        19,
        "items[1] (a2).revers",
        "unknown key 'revers'",
        id="unknown-key",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
              - {id: a1, strategy: s1, dimension: performance, scale: agree, text: R}  # <- line 11
            """),
        11,
        "items[2] (a1).id",
        "duplicate id 'a1' (first used at items[0])",
        id="duplicate-item-id",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
              - {id: s1, name: Second}   # <- line 8
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        8,
        "strategies[1] (s1).id",
        "duplicate id 's1' (first used at strategies[0])",
        id="duplicate-strategy-id",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            reflections:
              - {id: r1, text: First prompt}
              - id: a2   # <- line 13
                text: Second prompt
            """),
        13,
        "reflections[1] (a2).id",
        "id 'a2' is already an item id",
        id="reflection-id-equals-item-id",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            title: Mini check again   # <- line 6
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        6,
        "title",
        "duplicate key 'title'",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
              - id: a3
                strategy: s9   # <- line 12
                dimension: purpose
                scale: agree
                text: R
            """),
        12,
        "items[2] (a3).strategy",
        "unknown strategy 's9' (known: s1)",
        id="unknown-strategy",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - id: a2
                strategy: s1
                dimension: performance
                scale: agreee   # <- line 13
                text: Q
            """),
        13,
        "items[1] (a2).scale",
        "unknown scale 'agreee' (known: agree)",
        id="unknown-scale",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
              - id: a3
                strategy: s1
                dimension: behaviour   # <- line 13
                scale: agree
                text: R
            """),
        13,
        "items[2] (a3).dimension",
        "'purpose' or 'performance'",
        id="unknown-dimension",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
              often:   # <- line 6
                min: 5
                max: 5
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: often, text: Q}
            """),
        6,
        "scales.often",
        "min (5) must be less than max (5)",
        id="scale-min-equals-max",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 5, max: 1}   # <- line 5
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        5,
        "scales.agree",
        "min (5) must be less than max (1)",
        id="scale-min-above-max",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - id: a2
                strategy: s1
                dimension: performance
                scale: agree
                text: Q
                weight: 0   # <- line 15
            """),
        15,
        "items[1] (a2).weight",
        "greater than 0",
        id="weight-zero",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P, weight: -2}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        9,  # the first item, with weight -2
        "items[0] (a1).weight",
        "greater than 0",
        id="weight-negative",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            scoring:
              threshold: 0   # <- line 7
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        7,
        "scoring.threshold",
        "greater than 0",
        id="threshold-0",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            scoring:
              threshold: 100   # <- line 7
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        7,
        "scoring.threshold",
        "less than 100",
        id="threshold-100",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            scoring: {threshold: 150}   # <- line 11
            """),
        11,
        "scoring.threshold",
        "less than 100",
        id="threshold-150",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
              - {id: s2, name: Second}   # <- line 8
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
              - {id: b2, strategy: s2, dimension: performance, scale: agree, text: R}
            """),
        8,
        "strategies[1] (s2).id",
        "strategy 's2' needs at least one active purpose item",
        id="strategy-without-purpose-item",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - id: s1   # <- line 7
                name: First
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q, retired: true}
            """),
        7,
        "strategies[0] (s1).id",
        "strategy 's1' needs at least one active performance item",
        id="only-performance-item-retired",
    ),
    pytest.param(
        "",
        1,
        "",
        "the file is empty",
        id="empty-file",
    ),
    pytest.param(
        dedent("""\
            # Only a comment, no questionnaire.
            """),
        1,
        "",
        "the file is empty",
        id="comment-only-file",
    ),
    pytest.param(
        dedent("""\
            - id: mini
            - version: 1
            - title: Mini check
            """),
        1,
        "",
        "expected a mapping of keys",
        id="list-not-mapping",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        1,
        "title",
        "missing required key 'title'",
        id="missing-title",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1.5   # <- line 2
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        2,
        "version",
        "version must be a whole number",
        id="version-float",
    ),
    pytest.param(
        dedent("""\
            id: mini
            title: Mini check
            version: "1"   # <- line 3
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        3,
        "version",
        "version must be a whole number",
        id="version-string",
    ),
    pytest.param(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - id: A2   # <- line 10
                strategy: s1
                dimension: performance
                scale: agree
                text: Q
            """),
        10,
        "items[1] (A2).id",
        "should match pattern",
        id="id-uppercase",
    ),
    pytest.param(
        dedent("""\
            id: mini check   # <- line 1
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
              - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
            """),
        1,
        "id",
        "should match pattern",
        id="id-with-space",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "phrase"), INVALID_CASES)
def test_invalid_questionnaire_is_reported_at_line_and_field(text, line, field, phrase):
    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    assert loaded.questionnaire is None
    assert loaded.errors, "an invalid file must carry at least one error"
    matching = [
        i
        for i in loaded.issues
        if i.line == line and i.field == field and phrase in i.message and i.severity == "error"
    ]
    assert matching, f"expected line {line}, field {field!r}, '{phrase}' in:\n{describe(loaded)}"
    assert str(matching[0]).startswith(f"q.yaml:{line}:")


def test_yaml_syntax_error_names_line_and_column():
    # Line 4 is indented with a tab, which YAML forbids.
    text = "id: mini\nversion: 1\nscales:\n\tagree: {min: 1, max: 5}\n"

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert issue.line == 4
    assert "YAML syntax error" in issue.message
    assert "column 1" in issue.message


# ---------------------------------------------------------------------------------------------
# How an issue reads


def test_issue_string_names_file_line_field_and_message():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
          - id: a2
            strategy: s1
            dimension: performance
            scale: agree
            text: Q
            weight: 0   # <- line 15
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    [issue] = loaded.issues
    assert str(issue).startswith("q.yaml:15:")
    assert str(issue) == "q.yaml:15: items[1] (a2).weight: Input should be greater than 0"


def test_issue_string_without_line_or_field():
    assert str(Issue("q.yaml", None, "", "file not found")) == "q.yaml: file not found"
    assert str(Issue("q.yaml", 3, "", "broken")) == "q.yaml:3: broken"
    warning = Issue("q.yaml", 8, "strategies[0] (s1).id", "unbalanced", "warning")
    assert str(warning) == "q.yaml:8: strategies[0] (s1).id: warning: unbalanced"


def test_issues_are_sorted_by_line():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P, weight: 0}
          - {id: a2, strategy: s1, dimension: performance, scale: nope, text: Q}
        scoring: {threshold: 0}
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert [i.line for i in loaded.issues] == [9, 10, 11]


# ---------------------------------------------------------------------------------------------
# Warnings leave the file usable


def test_unbalanced_strategy_is_a_warning_not_an_error():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}   # <- line 7
          - {id: s2, name: Second}
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
          - {id: a2, strategy: s1, dimension: purpose, scale: agree, text: P2}
          - {id: a3, strategy: s1, dimension: performance, scale: agree, text: Q, reverse: true}
          - {id: b1, strategy: s2, dimension: purpose, scale: agree, text: P, reverse: true}
          - {id: b2, strategy: s2, dimension: performance, scale: agree, text: Q}
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert loaded.is_valid, describe(loaded)
    assert loaded.errors == []
    unbalanced = [w for w in loaded.warnings if "strategy 's1'" in w.message]
    assert len(unbalanced) == 1
    assert "2 purpose and 1 performance" in unbalanced[0].message
    assert unbalanced[0].line == 7
    assert unbalanced[0].field == "strategies[0] (s1).id"
    assert "warning: " in str(unbalanced[0])
    assert not any("strategy 's2'" in w.message for w in loaded.warnings)
    assert all(w.severity == "warning" for w in loaded.issues)


def test_strategy_without_reverse_item_is_a_warning_not_an_error():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
          - {id: s2, name: Second}   # <- line 8
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
          - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q, reverse: true}
          - {id: b1, strategy: s2, dimension: purpose, scale: agree, text: P}
          - {id: b2, strategy: s2, dimension: performance, scale: agree, text: Q}
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert loaded.is_valid, describe(loaded)
    assert loaded.errors == []
    [warning] = loaded.warnings
    assert warning.severity == "warning"
    assert warning.line == 8
    assert "strategy 's2'" in warning.message
    assert "no reverse-keyed item" in warning.message


# ---------------------------------------------------------------------------------------------
# One pass reports everything


def test_several_problems_are_reported_in_one_pass():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
          - id: a2
            strategy: s1
            dimension: performance
            scale: agree
            text: Q
            revers: true   # <- line 15
          - id: a3
            strategy: s7   # <- line 17
            dimension: purpose
            scale: agree
            text: R
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    found = {(i.line, i.field) for i in loaded.errors}
    assert (15, "items[1] (a2).revers") in found, describe(loaded)
    assert (17, "items[2] (a3).strategy") in found, describe(loaded)
    messages = " | ".join(i.message for i in loaded.errors)
    assert "unknown key 'revers'" in messages
    assert "unknown strategy 's7'" in messages


# ---------------------------------------------------------------------------------------------
# Files, catalogues and the raising loader


def test_load_catalog_lists_valid_and_invalid_files(tmp_path):
    (tmp_path / "a-valid.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b-broken.yml").write_text(
        VALID.replace("    dimension: performance\n", "    dimension: perf\n", 1),
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("not a questionnaire", encoding="utf-8")

    catalog = load_catalog(tmp_path)

    assert [entry.path.name for entry in catalog] == ["a-valid.yaml", "b-broken.yml"]
    valid, broken = catalog
    assert valid.is_valid
    assert valid.issues == []
    assert valid.questionnaire is not None
    assert valid.questionnaire.id == "mini"
    assert len(valid.questionnaire.active_items) == 4
    assert not broken.is_valid
    assert broken.questionnaire is None
    assert any(i.field == "items[1] (a2).dimension" and i.line == 31 for i in broken.errors), (
        describe(broken)
    )
    assert all(i.file == str(tmp_path / "b-broken.yml") for i in broken.issues)


def test_load_catalog_of_empty_directory_is_empty(tmp_path):
    assert load_catalog(tmp_path) == []


def test_load_questionnaire_returns_the_questionnaire(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(VALID, encoding="utf-8")

    q = load_questionnaire(path)

    assert q.id == "mini"
    assert [s.id for s in q.strategies] == ["s1", "s2"]


def test_load_questionnaire_raises_with_all_issues(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(
        dedent("""\
            id: mini
            version: 1
            title: Mini check
            scales:
              agree: {min: 1, max: 5}
            strategies:
              - {id: s1, name: First}
            items:
              - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P, weight: 0}
              - {id: a2, strategy: s9, dimension: performance, scale: agree, text: Q}
            """),
        encoding="utf-8",
    )

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    issues = caught.value.issues
    assert {(i.line, i.field) for i in issues} >= {
        (9, "items[0] (a1).weight"),
        (10, "items[1] (a2).strategy"),
    }
    assert all(i.severity == "error" for i in issues)
    assert f"{path}:9: items[0] (a1).weight:" in str(caught.value)


def test_missing_file_is_an_issue_not_an_exception(tmp_path):
    path = tmp_path / "nowhere.yaml"

    loaded = load_questionnaire_file(path)

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert issue.message == "file not found"
    assert issue.file == str(path)
    with pytest.raises(QuestionnaireError, match="file not found"):
        load_questionnaire(path)


def test_non_utf8_file_is_an_issue_mentioning_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: mini\ntitle: Caf\u00e9\n".encode("latin-1"))

    loaded = load_questionnaire_file(path)

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert "UTF-8" in issue.message


def test_utf8_bom_and_windows_line_endings_are_accepted(tmp_path):
    path = tmp_path / "windows.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode("utf-8"))

    loaded = load_questionnaire_file(path)

    assert loaded.is_valid, describe(loaded)


# ---------------------------------------------------------------------------------------------
# The questionnaires that ship with the app


def test_shipped_main_questionnaire_is_valid_and_complete():
    loaded = load_questionnaire_file(QUESTIONNAIRES / "purpose-performance.yaml")

    assert loaded.is_valid, describe(loaded)
    assert loaded.issues == [], "the shipped questionnaire must not even warn"
    q = loaded.questionnaire
    assert q is not None
    assert tuple(s.id for s in q.strategies) == STANDARD_STRATEGY_IDS
    assert len(STANDARD_STRATEGY_IDS) == 10
    assert len(q.active_items) == 40
    for strategy in q.strategies:
        items = q.items_for(strategy.id)
        purpose = [i for i in items if i.dimension == "purpose"]
        performance = [i for i in items if i.dimension == "performance"]
        assert len(purpose) == 2, strategy.id
        assert len(performance) == 2, strategy.id
        assert {i.scale for i in purpose} == {"agreement"}, strategy.id
        assert {i.scale for i in performance} == {"frequency"}, strategy.id
        assert len(strategy.actions) >= 3, strategy.id
    assert sum(i.reverse for i in q.active_items) >= 8
    assert 2 <= len(q.reflections) <= 3


def test_shipped_pulse_questionnaire_is_valid_and_short():
    loaded = load_questionnaire_file(QUESTIONNAIRES / "pulse.yaml")

    assert loaded.is_valid, describe(loaded)
    assert loaded.errors == []
    q = loaded.questionnaire
    assert q is not None
    assert tuple(s.id for s in q.strategies) == STANDARD_STRATEGY_IDS
    assert len(q.active_items) == 20
    for strategy in q.strategies:
        dimensions = sorted(i.dimension for i in q.items_for(strategy.id))
        assert dimensions == ["performance", "purpose"], strategy.id


def test_shipped_catalog_loads_both_questionnaires():
    catalog = load_catalog(QUESTIONNAIRES)

    assert [entry.path.name for entry in catalog] == ["pulse.yaml", "purpose-performance.yaml"]
    assert all(entry.is_valid for entry in catalog)


# ---------------------------------------------------------------------------------------------
# Edge cases that once crashed or misreported


def test_item_and_reflection_without_id_are_reported_not_raised():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {strategy: s1, dimension: purpose, scale: agree, text: P}   # <- line 9
          - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
        reflections:
          - {text: What next}   # <- line 12
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    found = {(i.line, i.field) for i in loaded.errors}
    assert (9, "items[0].id") in found
    assert (12, "reflections[0].id") in found


def test_list_as_item_id_is_reported_not_raised():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {id: [a, b], strategy: s1, dimension: purpose, scale: agree, text: P}  # <- line 9
          - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    assert any(i.line == 9 and i.field == "items[0].id" for i in loaded.errors), describe(loaded)


def test_quoted_true_for_retired_is_an_error_not_a_silent_flag():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P, reverse: true}
          - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q, retired: "true"}
        """)  # the bad value is on line 10

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid, describe(loaded)
    assert any(
        i.line == 10 and i.field == "items[1] (a2).retired" and "boolean" in i.message
        for i in loaded.errors
    ), describe(loaded)


def test_duplicate_key_inside_an_item_uses_readable_field_name():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - id: a1
            strategy: s1
            dimension: purpose
            scale: agree
            text: P
            text: P again   # <- line 14
          - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = [i for i in loaded.issues if "duplicate key 'text'" in i.message]
    assert issue.line == 14
    assert issue.field == "items[0] (a1).text"


def test_error_in_second_of_duplicate_keys_points_at_the_second():
    text = dedent("""\
        id: mini
        version: 1
        title: Mini check
        version: 1.5   # <- line 4: this is the value YAML keeps
        scales:
          agree: {min: 1, max: 5}
        strategies:
          - {id: s1, name: First}
        items:
          - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P}
          - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
        """)

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [whole] = [i for i in loaded.errors if "whole number" in i.message]
    assert whole.line == 4


# ---------------------------------------------------------------------------------------------
# Limits: anyone who can upload writes this file, so every count, length and number is capped.
# The numbers are the ones the README promises; the shipped files stay far below them.


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line holding `fragment`, so expected lines follow the text."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def changed(before: str, after: str, text: str = VALID) -> str:
    """`text` with its first `before` replaced, failing loudly if `before` is not there."""
    assert before in text, before
    return text.replace(before, after, 1)


def repeated(line: str, count: int) -> str:
    """`count` copies of a YAML line with `{n}` numbered from 0, each ending in a newline."""
    return "".join(line.format(n=n) + "\n" for n in range(count))


OVER_A_LIMIT = [
    pytest.param(
        changed("title: Mini check", "title: " + "T" * 121),
        "title:",
        "title",
        "at most 120 characters",
        id="title",
    ),
    pytest.param(
        changed("description: A", "description: " + "d" * 1000 + "A"),
        "description:",
        "description",
        "at most 1000 characters",
        id="description",
    ),
    pytest.param(
        changed("version: 1", "version: 10001"),
        "version:",
        "version",
        "less than or equal to 10000",
        id="version",
    ),
    pytest.param(
        changed("name: First strategy", "name: " + "N" * 121),
        "name: NNN",
        "strategies[0] (s1).name",
        "at most 120 characters",
        id="strategy-name",
    ),
    pytest.param(
        changed("name: Second strategy", "name: Second strategy\n    description: " + "d" * 1001),
        "description: ddd",
        "strategies[1] (s2).description",
        "at most 1000 characters",
        id="strategy-description",
    ),
    pytest.param(
        changed("- Do the first thing.", "- " + "a" * 301),
        "- aaa",
        "strategies[0] (s1).actions[0]",
        "at most 300 characters",
        id="action-text",
    ),
    pytest.param(
        changed("text: The first strategy matters to me.", "text: " + "t" * 301),
        "text: ttt",
        "items[0] (a1).text",
        "at most 300 characters",
        id="item-text",
    ),
    pytest.param(
        changed("text: What will you change?", "text: " + "r" * 301),
        "text: rrr",
        "reflections[0] (r1).text",
        "at most 300 characters",
        id="reflection-text",
    ),
    pytest.param(
        changed("5: Strongly agree}", "5: " + "L" * 61 + "}"),
        "LLL",
        "scales.agree.labels[5]",
        "at most 60 characters",
        id="label",
    ),
    pytest.param(
        changed("strategy: s1", "strategy: " + "s" * 65),
        "strategy: sss",
        "items[0] (a1).strategy",
        "at most 64 characters",
        id="item-strategy-reference",
    ),
    pytest.param(
        changed("scale: agree", "scale: " + "g" * 65),
        "scale: ggg",
        "items[0] (a1).scale",
        "at most 64 characters",
        id="item-scale-reference",
    ),
    pytest.param(
        changed("  often:", "  " + "o" * 65 + ":"),
        "ooo",
        "scales." + "o" * 65,
        "invalid key: String should have at most 64 characters",
        id="scale-name",
    ),
    pytest.param(
        changed(
            "text: I act on the second strategy.",
            "text: I act on the second strategy.\n    weight: 10.5",
        ),
        "weight:",
        "items[3] (b2).weight",
        "less than or equal to 10",
        id="weight",
    ),
    pytest.param(
        changed("min: 1\n    max: 5\n    labels: {1: Never, 5: Always}", "min: -101\n    max: -96"),
        "min: -101",
        "scales.often.min",
        "greater than or equal to -100",
        id="scale-min",
    ),
    pytest.param(
        changed("min: 1\n    max: 5\n    labels: {1: Never, 5: Always}", "min: 100\n    max: 101"),
        "max: 101",
        "scales.often.max",
        "less than or equal to 100",
        id="scale-max",
    ),
    pytest.param(
        changed("max: 5", "max: 50000000"),
        "max: 50000000",
        "scales.agree.max",
        "less than or equal to 100",
        id="scale-of-fifty-million-points",
    ),
    pytest.param(
        changed("max: 5", "max: 12"),
        "agree:",
        "scales.agree",
        "the scale 1–12 has 12 points; a scale has at most 11",
        id="scale-of-twelve-points",
    ),
    pytest.param(
        changed(
            "min: 1\n    max: 5\n    labels: {1: Strongly disagree, 5: Strongly agree}",
            "min: 0\n    max: 10\n    labels: {" + ", ".join(f"{n}: L" for n in range(12)) + "}",
        ),
        "labels: {0",
        "scales.agree.labels",
        "at most 11 items",
        id="labels",
    ),
    pytest.param(
        changed("scoring:", repeated("  s{n}: {{min: 1, max: 5}}", 9) + "scoring:"),
        "scales:",
        "scales",
        "at most 10 items",
        id="scales",
    ),
    pytest.param(
        changed("items:", repeated("  - {{id: x{n}, name: X}}", 19) + "items:"),
        "strategies:",
        "strategies",
        "at most 20 items",
        id="strategies",
    ),
    pytest.param(
        changed(
            "      - Do the first thing.",
            "      - Do the first thing.\n" + repeated("      - Then thing {n}.", 10).rstrip(),
        ),
        "actions:",
        "strategies[0] (s1).actions",
        "at most 10 items",
        id="actions",
    ),
    pytest.param(
        changed(
            "reflections:",
            repeated(
                "  - {{id: x{n}, strategy: s1, dimension: purpose, scale: agree, text: P}}", 197
            )
            + "reflections:",
        ),
        "items:",
        "items",
        "at most 200 items",
        id="items",
    ),
    pytest.param(
        VALID + repeated("  - {{id: x{n}, text: Why}}", 10),
        "reflections:",
        "reflections",
        "at most 10 items",
        id="reflections",
    ),
]


@pytest.mark.parametrize(("text", "fragment", "field", "phrase"), OVER_A_LIMIT)
def test_a_value_over_its_limit_is_an_error_at_its_line(text, fragment, field, phrase):
    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    line = line_of(text, fragment)
    matching = [i for i in loaded.errors if i.line == line and i.field == field]
    assert matching, f"expected line {line}, field {field!r} in:\n{describe(loaded)}"
    assert any(phrase in i.message for i in matching), describe(loaded)
    assert str(matching[0]).startswith(f"q.yaml:{line}: {field}: ")


@pytest.mark.parametrize(("low", "high"), [(0, 10), (-5, 5), (-100, -90), (90, 100)])
def test_a_scale_of_eleven_points_within_the_range_is_valid(low: int, high: int):
    text = changed(
        "min: 1\n    max: 5\n    labels: {1: Never, 5: Always}",
        f"min: {low}\n    max: {high}\n    labels: {{{low}: Never, {high}: Always}}",
    )

    loaded = parse_questionnaire(text, "q.yaml")

    assert loaded.is_valid, describe(loaded)
    assert loaded.questionnaire.scales["often"].points == list(range(low, high + 1))


def questionnaire_at_every_limit() -> dict:
    """A questionnaire that uses every count and length up to its cap, and not one beyond."""

    def ident(prefix: str, n: int) -> str:
        return f"{prefix}{n:03d}-".ljust(64, "x")

    scales = {
        ident("scale", n): {
            "min": -100 + 20 * n,
            "max": -90 + 20 * n,
            "labels": {-100 + 20 * n + p: "L" * 60 for p in range(11)},
        }
        for n in range(10)
    }
    scale_names = list(scales)
    strategies = [
        {
            "id": ident("s", n),
            "name": "N" * 120,
            "description": "D" * 1000,
            "actions": ["A" * 300] * 10,
        }
        for n in range(20)
    ]
    items = [
        {
            "id": ident("i", n),
            "strategy": strategies[n // 10]["id"],
            "dimension": "purpose" if n % 2 else "performance",
            "scale": scale_names[n % 10],
            "text": "T" * 300,
            "reverse": n % 4 < 2,
            "weight": 10,
            "retired": False,
        }
        for n in range(200)
    ]
    return {
        "id": ident("q", 0),
        "version": 10_000,
        "title": "T" * 120,
        "description": "D" * 1000,
        "scales": scales,
        "scoring": {"threshold": 99.5},
        "strategies": strategies,
        "items": items,
        "reflections": [{"id": ident("r", n), "text": "R" * 300} for n in range(10)],
    }


def test_a_questionnaire_at_every_limit_is_valid_and_fits_the_file_size():
    text = yaml.safe_dump(questionnaire_at_every_limit(), sort_keys=False, width=10_000)

    loaded = parse_questionnaire(text, "q.yaml")

    assert loaded.errors == [], describe(loaded)
    assert loaded.is_valid
    # The file cap leaves room for comments beside a questionnaire this full.
    assert len(text.encode("utf-8")) < 256 * 1024 * 0.9


def test_the_limits_are_the_ones_the_readme_states():
    limits = {
        "MAX_FILE_BYTES": 256 * 1024,
        "MAX_YAML_NODES": 10_000,
        "MAX_YAML_DEPTH": 20,
        "MAX_SCALE_POINTS": 11,
        "SCALE_BOUND": 100,
        "MAX_SCALES": 10,
        "MAX_STRATEGIES": 20,
        "MAX_ITEMS": 200,
        "MAX_ACTIONS": 10,
        "MAX_REFLECTIONS": 10,
        "MAX_TITLE": 120,
        "MAX_DESCRIPTION": 1_000,
        "MAX_TEXT": 300,
        "MAX_LABEL": 60,
        "MAX_WEIGHT": 10,
        "MAX_VERSION": 10_000,
    }
    assert {name: getattr(questionnaire_module, name, None) for name in limits} == limits


@pytest.mark.parametrize("path", sorted(QUESTIONNAIRES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_questionnaires_stay_far_below_every_limit(path: Path):
    """Half of each cap at most, so a shipped file can grow without meeting one."""
    q = load_questionnaire(path)
    texts = [s.name for s in q.strategies] + [q.title]
    long_texts = (
        [i.text for i in q.items]
        + [r.text for r in q.reflections]
        + [a for s in q.strategies for a in s.actions]
    )
    assert len(path.read_bytes()) <= 256 * 1024 / 2
    assert len(q.strategies) <= 20 / 2
    assert len(q.items) <= 200 / 2
    assert len(q.reflections) <= 10 / 2
    assert max(len(s.actions) for s in q.strategies) <= 10 / 2
    assert max(map(len, texts)) <= 120 / 2
    assert max(map(len, long_texts)) <= 300 / 2
    assert max(len(d) for d in [q.description, *(s.description for s in q.strategies)]) <= 500
    assert max(len(label) for s in q.scales.values() for label in s.labels.values()) <= 60 / 2
    assert all(len(s.points) <= 11 / 2 for s in q.scales.values())


# The file itself: its size, nesting and number of values are capped before it is built.


def test_text_over_256_kb_is_refused_before_it_is_parsed():
    text = VALID + "# " + "x" * (256 * 1024) + "\n"

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert str(issue) == (
        "q.yaml: the file is larger than 262,144 bytes (256 KB), the most a questionnaire may be"
    )


def test_text_of_256_kb_in_multibyte_characters_counts_its_bytes():
    text = VALID + "# " + "é" * (128 * 1024) + "\n"  # 131,074 characters, 262,000+ bytes

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    assert "larger than 262,144 bytes" in describe(loaded)


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(16 * 1024 * 1024)  # sparse: 16 MB of NUL bytes, written in no time

    tracemalloc.start()
    try:
        loaded = load_questionnaire_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert issue.file == str(path)
    assert "larger than 262,144 bytes (256 KB)" in issue.message
    assert peak < 2 * 1024 * 1024


def test_a_file_of_exactly_256_kb_is_read(tmp_path: Path):
    path = tmp_path / "full.yaml"
    padding = 256 * 1024 - len(VALID.encode("utf-8")) - 3
    path.write_bytes((VALID + "# " + "x" * padding + "\n").encode("utf-8"))
    assert path.stat().st_size == 256 * 1024

    loaded = load_questionnaire_file(path)

    assert loaded.is_valid, describe(loaded)


@pytest.mark.parametrize("depth", [21, 100_000], ids=["just-too-deep", "stack-deep"])
def test_nesting_deeper_than_20_levels_is_refused_at_its_line(depth: int):
    text = VALID + "extra:\n  - " + "[" * depth + "]" * depth + "\n"

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert issue.line == line_of(text, "[[[")
    assert issue.message == (
        "the document is nested more than 20 levels deep; a questionnaire needs 5"
    )


def test_aliases_that_nest_deeper_than_20_levels_are_refused():
    chain = "".join(f"  a{n}: &a{n} [*a{n - 1}]\n" for n in range(1, 25))
    text = VALID + "extra:\n  a0: &a0 [x]\n" + chain

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert "aliases (*name) nest the document more than 20 levels deep" in issue.message


def test_more_than_10000_values_are_refused_at_the_one_too_many():
    text = VALID + "extra:\n" + repeated("  - 1", 10_000)

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert issue.message == (
        "the document holds more than 10,000 values; a full questionnaire holds about 4,000"
    )
    assert issue.line is not None
    assert issue.line > line_of(text, "extra:")


def test_aliases_that_expand_beyond_10000_values_are_refused():
    text = (
        VALID
        + "extra:\n  a: &a ["
        + ", ".join(["x"] * 200)
        + "]\n  b: ["
        + ", ".join(["*a"] * 60)
        + "]\n"
    )

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert "aliases (*name) expand the document to more than 10,000 values" in issue.message


def test_key_line_does_not_read_text_beyond_the_limits():
    assert key_line(VALID, "items", 1, "text") == line_of(VALID, "I skip the first strategy.")
    assert key_line(VALID + "# " + "x" * (256 * 1024), "items") is None
    assert key_line(VALID + "extra: " + "[" * 30 + "]" * 30, "items") is None


def test_points_are_never_built_for_a_scale_that_skipped_validation():
    unchecked = Scale.model_construct(min=1, max=1_000, labels={})

    with pytest.raises(ValueError, match="1–1000 has 1000 points; a scale has at most 11"):
        _ = unchecked.points


@pytest.mark.parametrize(
    "number",
    ["9" * 5_000, "-" + "1" * 5_000, "1" + "_0" * 5_000],
    ids=["digits", "negative", "underscores"],
)
def test_a_number_too_long_to_convert_is_an_issue_not_an_exception(number: str):
    text = changed("version: 1", f"version: {number}")

    loaded = parse_questionnaire(text, "q.yaml")

    assert not loaded.is_valid
    [issue] = loaded.issues
    assert issue.line == 2
    assert "a whole number of more than 4,300 digits cannot be read" in issue.message
