"""The JSON Schema shipped for editors: generated from the model, and in step with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent, indent
from typing import Any

import pytest
import yaml

from alignment.authoring import main as authoring_main
from alignment.questionnaire import (
    DIMENSIONS,
    SCHEMA_COMMENT,
    SCHEMA_DIALECT,
    Item,
    Questionnaire,
    Reflection,
    Scale,
    Scoring,
    Strategy,
    parse_questionnaire,
    questionnaire_json_schema,
    questionnaire_json_schema_text,
)

PROJECT_ROOT = Path(__file__).parents[1]
SHIPPED = PROJECT_ROOT / "questionnaires"
SCHEMA_FILE = SHIPPED / "schema.json"
REGENERATE = "python -m alignment.authoring schema"
SHIPPED_YAML = sorted(p for p in SHIPPED.iterdir() if p.suffix in {".yaml", ".yml"})
MODELS = [Questionnaire, Item, Strategy, Scale, Scoring, Reflection]


def shipped_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def as_json(path: Path) -> Any:
    """The document as an editor's schema check sees it: JSON types, keys as text."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))))


def definition(schema: dict[str, Any], model: type) -> dict[str, Any]:
    return schema if model is Questionnaire else schema["$defs"][model.__name__]


def test_shipped_schema_equals_the_generated_schema():
    assert shipped_schema() == questionnaire_json_schema(), (
        f"questionnaires/schema.json is out of date with the model: run `{REGENERATE}`"
    )


def test_shipped_schema_file_is_written_as_the_generator_writes_it():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == questionnaire_json_schema_text(), (
        f"questionnaires/schema.json is formatted by hand: run `{REGENERATE}`"
    )


def test_there_are_shipped_questionnaires():
    assert [p.name for p in SHIPPED_YAML] == ["pulse.yaml", "purpose-performance.yaml"]


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.name)
def test_shipped_questionnaire_starts_with_the_schema_line(path: Path):
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == SCHEMA_COMMENT == "# yaml-language-server: $schema=schema.json"


def test_schema_names_its_dialect_and_title():
    schema = shipped_schema()
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Purpose–Performance Alignment questionnaire"
    assert schema["type"] == "object"
    assert schema["description"]


def test_schema_dimension_is_an_enum_of_the_two_dimensions():
    dimension = shipped_schema()["$defs"]["Item"]["properties"]["dimension"]
    assert dimension["enum"] == list(DIMENSIONS) == ["purpose", "performance"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_keys_and_required_keys_match_the_model(model):
    part = definition(shipped_schema(), model)
    fields = model.model_fields
    assert set(part["properties"]) == set(fields)
    assert set(part.get("required", [])) == {n for n, f in fields.items() if f.is_required()}
    # Unknown keys are errors in the app, so editors must flag them too.
    assert part["additionalProperties"] is False


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_key_has_help_for_editors(model):
    part = definition(shipped_schema(), model)
    assert part.get("description"), f"{model.__name__} needs a docstring"
    missing = [name for name, prop in part["properties"].items() if not prop.get("description")]
    assert missing == [], f"{model.__name__} fields without a Field(description=...)"


def test_schema_requires_the_keys_the_validator_requires():
    schema = shipped_schema()
    assert set(schema["required"]) == {"id", "version", "title", "scales", "strategies", "items"}
    assert set(schema["$defs"]["Item"]["required"]) == {
        "id",
        "strategy",
        "dimension",
        "scale",
        "text",
    }
    assert schema["properties"]["version"]["type"] == "integer"
    assert schema["$defs"]["Item"]["properties"]["retired"]["type"] == "boolean"


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.name)
def test_shipped_questionnaire_keys_are_schema_properties(path: Path):
    schema = shipped_schema()
    document = as_json(path)
    assert set(document) <= set(schema["properties"])
    item_keys = set(schema["$defs"]["Item"]["properties"])
    assert all(set(item) <= item_keys for item in document["items"])


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.name)
def test_shipped_questionnaire_is_valid_under_the_schema(path: Path):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(shipped_schema())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(as_json(path))]
    assert errors == []


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(shipped_schema())


SMALL = """\
id: mini
version: 1
title: Mini
scales:
  agree: {min: 1, max: 5, labels: {1: Low, 5: High}}
strategies:
  - {id: s1, name: First}
items:
  - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P, reverse: true}
  - {id: a2, strategy: s1, dimension: performance, scale: agree, text: Q}
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("reverse: true}", "revers: true}", id="unknown-key"),
        pytest.param("dimension: performance", "dimension: perf", id="unknown-dimension"),
        pytest.param("version: 1", "version: 0", id="version-below-1"),
        pytest.param("version: 1", "version: 1.5", id="version-not-whole"),
        pytest.param("id: mini", "id: Mini", id="id-not-a-slug"),
        pytest.param("reverse: true}", 'reverse: "true"}', id="quoted-boolean"),
        pytest.param("{1: Low, 5: High}", "{one: Low, 5: High}", id="label-key-not-a-number"),
        pytest.param("title: Mini\n", "", id="missing-title"),
        pytest.param("title: Mini", "title: " + "M" * 121, id="title-too-long"),
        pytest.param("text: Q}", "text: " + "Q" * 301 + "}", id="item-text-too-long"),
        pytest.param("5: High}", "5: " + "H" * 61 + "}", id="label-too-long"),
        pytest.param("text: Q}", "text: Q, weight: 10.5}", id="weight-above-10"),
        pytest.param("version: 1", "version: 10001", id="version-above-10000"),
        pytest.param("{min: 1, max: 5,", "{min: 95, max: 101,", id="scale-max-above-100"),
        pytest.param("{min: 1, max: 5,", "{min: -101, max: -96,", id="scale-min-below-minus-100"),
        pytest.param(
            "  - {id: s1, name: First}\n",
            "".join(f"  - {{id: s{n}, name: S}}\n" for n in range(1, 22)),
            id="too-many-strategies",
        ),
    ],
)
def test_schema_and_validator_reject_the_same_mistakes(before: str, after: str):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(shipped_schema())
    assert list(validator.iter_errors(json.loads(json.dumps(yaml.safe_load(SMALL))))) == []
    assert parse_questionnaire(SMALL, "q.yaml").is_valid

    broken = SMALL.replace(before, after, 1)
    assert broken != SMALL

    assert not parse_questionnaire(broken, "q.yaml").is_valid
    assert list(validator.iter_errors(json.loads(json.dumps(yaml.safe_load(broken)))))


# Every cap the model enforces, where an editor finds it in the schema.
SCHEMA_LIMITS = [
    (("properties", "title", "maxLength"), 120),
    (("properties", "description", "maxLength"), 1000),
    (("properties", "version", "maximum"), 10_000),
    (("properties", "scales", "maxProperties"), 10),
    (("properties", "scales", "propertyNames", "maxLength"), 64),
    (("properties", "strategies", "maxItems"), 20),
    (("properties", "items", "maxItems"), 200),
    (("properties", "reflections", "maxItems"), 10),
    (("$defs", "Scale", "properties", "min", "minimum"), -100),
    (("$defs", "Scale", "properties", "max", "maximum"), 100),
    (("$defs", "Scale", "properties", "labels", "maxProperties"), 11),
    (("$defs", "Scale", "properties", "labels", "additionalProperties", "maxLength"), 60),
    (("$defs", "Strategy", "properties", "name", "maxLength"), 120),
    (("$defs", "Strategy", "properties", "description", "maxLength"), 1000),
    (("$defs", "Strategy", "properties", "actions", "maxItems"), 10),
    (("$defs", "Strategy", "properties", "actions", "items", "maxLength"), 300),
    (("$defs", "Item", "properties", "strategy", "maxLength"), 64),
    (("$defs", "Item", "properties", "scale", "maxLength"), 64),
    (("$defs", "Item", "properties", "text", "maxLength"), 300),
    (("$defs", "Item", "properties", "weight", "maximum"), 10),
    (("$defs", "Reflection", "properties", "text", "maxLength"), 300),
]


@pytest.mark.parametrize(
    ("path", "limit"), SCHEMA_LIMITS, ids=lambda v: ".".join(v) if isinstance(v, tuple) else None
)
def test_schema_states_every_limit(path: tuple[str, ...], limit: int):
    node: Any = shipped_schema()
    for key in path:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    assert node == limit


def test_schema_tells_editors_a_scale_has_at_most_11_points():
    scale = shipped_schema()["$defs"]["Scale"]
    assert "at most 11 points" in scale["description"]
    assert "at most 10 above `min`" in scale["properties"]["max"]["description"]


def test_regenerating_writes_the_shipped_file(tmp_path: Path, capsys):
    out = tmp_path / "schema.json"

    assert authoring_main(["schema", "--out", str(out)]) == 0

    assert out.read_bytes() == SCHEMA_FILE.read_bytes()
    assert str(out) in capsys.readouterr().out


def test_check_fails_for_a_stale_schema_and_writes_nothing(tmp_path: Path, capsys):
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")

    assert authoring_main(["schema", "--out", str(stale), "--check"]) == 1

    assert stale.read_text(encoding="utf-8") == "{}\n"
    assert REGENERATE in capsys.readouterr().out


def test_check_passes_for_the_shipped_schema_as_a_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "alignment.authoring", "schema", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def readme_examples() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Writing a questionnaire", 1)[1].split("\n## ", 1)[0]
    return [dedent(block) for block in re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)]


def test_readme_example_is_valid_without_warnings():
    example, retiring = readme_examples()
    assert example.startswith(SCHEMA_COMMENT + "\n")

    loaded = parse_questionnaire(example, "README.md")
    assert loaded.is_valid, [str(i) for i in loaded.issues]
    assert loaded.issues == []

    # The retiring snippet, put in place of the item it retires, still gives a clean file.
    retired_item = example[example.index("  - id: why-q1") : example.index("  - id: wins-p1")]
    changed = example.replace(retired_item, indent(retiring, "  ")).replace(
        "version: 1 ", "version: 2 "
    )
    loaded = parse_questionnaire(changed, "README.md")
    assert loaded.is_valid, [str(i) for i in loaded.issues]
    assert loaded.issues == []
    q = loaded.questionnaire
    assert q is not None
    assert q.version == 2
    assert q.item_by_id["why-q1"].retired
    assert [i.id for i in q.active_items] == ["why-p1", "why-q2", "wins-p1", "wins-q1"]
