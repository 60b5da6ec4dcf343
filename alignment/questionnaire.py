"""Questionnaire schema, loading and validation.

A questionnaire is a YAML file. The pydantic models below are the authority for its shape;
`load_questionnaire` turns a file into a `Questionnaire` or into a list of `Issue`s that each
name the file, the line and the field, so an author can fix the file without guessing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Dimension = Literal["purpose", "performance"]
DIMENSIONS: tuple[Dimension, Dimension] = ("purpose", "performance")

# The ten strategies every main questionnaire measures, in display order.
STANDARD_STRATEGY_IDS = (
    "why",
    "goals",
    "vision",
    "example",
    "learning",
    "empower",
    "wins",
    "selfcare",
    "feedback",
    "reflect",
)


class _Strict(BaseModel):
    """Unknown keys are errors: a typo such as `revers: true` must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """A numbered answer scale such as agreement 1–5; items refer to it by its name."""

    min: int = Field(description="The lowest point of the scale, e.g. 1.")
    max: int = Field(description="The highest point of the scale, e.g. 5; must be above `min`.")
    labels: dict[int, str] = Field(
        default_factory=dict,
        description=(
            "Words shown for some or all points, keyed by the point, e.g. "
            "`{1: Never, 5: Always}`; a point without a label is shown as its number."
        ),
        json_schema_extra={"propertyNames": {"pattern": r"^-?[0-9]+$"}},
    )

    @model_validator(mode="after")
    def _check_range(self) -> Scale:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be less than max ({self.max})")
        outside = sorted(k for k in self.labels if not self.min <= k <= self.max)
        if outside:
            raise ValueError(f"labels {outside} lie outside the scale {self.min}–{self.max}")
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    def label(self, value: int) -> str:
        """The word for a point, falling back to the number where the author gave none."""
        return self.labels.get(value, str(value))


class Scoring(_Strict):
    """How scores are read: where high purpose or performance begins."""

    threshold: float = Field(
        default=60,
        gt=0,
        lt=100,
        description=(
            "Score (0–100) at or above which purpose or performance counts as high; it splits "
            "strategies into the quadrants aligned, intent gap, hollow and drifting."
        ),
    )


class Strategy(_Strict):
    """A leadership strategy, measured by its items on both dimensions."""

    id: Identifier = Field(
        description="Stable id (lowercase letters, digits, '-'); items name it in `strategy`."
    )
    name: str = Field(
        min_length=1, description="The name a participant sees, e.g. 'Lead by example'."
    )
    description: str = Field(default="", description="One or two sentences on what it is about.")
    actions: list[str] = Field(
        default_factory=list,
        description="Concrete next steps, shown when this strategy needs attention.",
    )


class Item(_Strict):
    """One question, answered on a scale; it belongs to one strategy and one dimension."""

    id: Identifier = Field(
        description=(
            "Stable id stored with every answer: never change its meaning or reuse it; "
            "retire the item instead of deleting it."
        )
    )
    strategy: str = Field(description="The `id` of the strategy this item measures.")
    dimension: Dimension = Field(
        description=(
            "`purpose`: how clear and important the intent is; "
            "`performance`: how consistently it is acted on."
        )
    )
    scale: str = Field(description="The name of a scale under `scales`, e.g. `agreement`.")
    text: str = Field(min_length=1, description="The question or statement as shown.")
    # Strict: `retired: "no"` must be an error, not a silent True.
    reverse: StrictBool = Field(
        default=False,
        description=(
            "true when a high answer means less of the strategy (e.g. 'I skip it'); "
            "its score is mirrored."
        ),
    )
    weight: float = Field(
        default=1.0, gt=0, description="Weight in the strategy's mean; default 1."
    )
    retired: StrictBool = Field(
        default=False,
        description=(
            "true: no longer asked, but kept so that earlier answers still score. "
            "Retire items instead of deleting them."
        ),
    )


class Reflection(_Strict):
    """An optional free-text prompt shown at the end."""

    id: Identifier = Field(
        description="Stable id, distinct from every item id (answers store both as item_id)."
    )
    text: str = Field(min_length=1, description="The prompt as shown.")


class Questionnaire(_Strict):
    """A questionnaire: its answer scales, the strategies it measures and the items."""

    id: Identifier = Field(
        description=(
            "Stable id (lowercase letters, digits, '-'), stored with every response; "
            "unique among the questionnaire files."
        )
    )
    version: int = Field(
        ge=1,
        description="Whole number; bump it whenever items change (wording, scale, retiring).",
    )
    title: str = Field(min_length=1, description="The name shown when choosing a questionnaire.")
    description: str = Field(default="", description="A short introduction for participants.")
    scales: dict[str, Scale] = Field(
        min_length=1, description="Answer scales by name, e.g. `agreement` and `frequency`."
    )
    scoring: Scoring = Field(
        default_factory=Scoring, description="Optional; the quadrant threshold (default 60)."
    )
    strategies: list[Strategy] = Field(
        min_length=1, description="The strategies, in the order they are asked."
    )
    items: list[Item] = Field(
        min_length=1,
        description=(
            "The questions; every strategy needs at least one active purpose and one active "
            "performance item."
        ),
    )
    reflections: list[Reflection] = Field(
        default_factory=list, description="Optional free-text prompts asked at the end."
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_whole(cls, value: Any) -> Any:
        # YAML reads `version: 1.0` as a float; pydantic would accept it silently.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("version must be a whole number such as 1 or 2")
        return value

    @property
    def threshold(self) -> float:
        return self.scoring.threshold

    @property
    def strategy_by_id(self) -> dict[str, Strategy]:
        return {s.id: s for s in self.strategies}

    @property
    def item_by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    @property
    def active_items(self) -> list[Item]:
        """Items a respondent is asked now; retired items only score old answers."""
        return [i for i in self.items if not i.retired]

    def items_for(self, strategy_id: str, *, active_only: bool = True) -> list[Item]:
        items = self.active_items if active_only else self.items
        return [i for i in items if i.strategy == strategy_id]

    def scale_of(self, item: Item) -> Scale:
        return self.scales[item.scale]


@dataclass(frozen=True)
class Issue:
    """One problem (or warning) in a questionnaire file, located for the author."""

    file: str
    line: int | None
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}:{field} {prefix}{self.message}"


class QuestionnaireError(Exception):
    """Raised when a questionnaire file cannot be used; carries every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class LoadedQuestionnaire:
    """The outcome of reading one file: a questionnaire, or the errors that stop it."""

    path: Path
    questionnaire: Questionnaire | None
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def is_valid(self) -> bool:
        return self.questionnaire is not None


# ---------------------------------------------------------------------------------------------
# Where each value sits in the YAML text


_Path = tuple[str, ...]


def _key_text(node: yaml.Node) -> str:
    """The key as pydantic will report it in an error location (always compared as text)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":int"):
            try:
                return str(int(node.value.replace("_", ""), 0))
            except ValueError:
                return node.value
        return node.value
    return "<complex key>"


def _line_map(root: yaml.Node) -> tuple[dict[_Path, int], list[tuple[tuple[Any, ...], int, str]]]:
    """Map every path in the document to its 1-based line, and collect duplicate keys.

    PyYAML keeps the last of two equal keys without a word; an author deserves to hear of it,
    and the line of a key is that of the occurrence PyYAML kept.
    """
    lines: dict[_Path, int] = {(): root.start_mark.line + 1}
    duplicates: list[tuple[tuple[Any, ...], int, str]] = []

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        text_path = tuple(str(p) for p in path)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = _key_text(key_node)
                if key in seen:
                    duplicates.append((path, key_node.start_mark.line + 1, key))
                seen.add(key)
                lines[(*text_path, key)] = key_node.start_mark.line + 1
                walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                lines[(*text_path, str(index))] = child.start_mark.line + 1
                walk(child, (*path, index))

    walk(root, ())
    return lines, duplicates


def _line_for(lines: dict[_Path, int], path: Iterable[Any]) -> int | None:
    """The line of the deepest part of `path` that exists in the file."""
    parts = tuple(str(p) for p in path)
    for end in range(len(parts), -1, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


def _field_name(path: Iterable[Any], data: Any) -> str:
    """A readable field path such as `items[3] (why-p2).dimension`."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                out += f" ({node['id']})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


# Aliases (`*name`) repeat a node without copying it; walking the document expands them, so a
# few lines can stand for billions of values, or for a list that contains itself.
_MAX_EXPANDED_NODES = 100_000


class _AliasCycle(Exception):
    pass


def _alias_problem(root: yaml.Node | None) -> str | None:
    """Why the document cannot be walked safely, or None when it can."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _AliasCycle
        open_nodes.add(key)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        total = 1
        for child in children:
            total += size(child)
            if total > _MAX_EXPANDED_NODES:
                break
        open_nodes.discard(key)
        sizes[key] = total
        return total

    if root is None:
        return None
    try:
        expanded = size(root)
    except _AliasCycle:
        return "an alias (*name) refers to the mapping or list that contains it"
    if expanded > _MAX_EXPANDED_NODES:
        return (
            f"aliases (*name) expand the document to more than {_MAX_EXPANDED_NODES:,} values; "
            "write the values out instead"
        )
    return None


def key_line(text: str, *path: str | int) -> int | None:
    """The 1-based line of `path` (e.g. `"items", 3, "id"`) in YAML text, or of its nearest parent.

    None when the text is not YAML that can be read safely.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None or _alias_problem(root):
            return None
        lines, _ = _line_map(root)
    except (yaml.YAMLError, RecursionError):
        return None
    return _line_for(lines, path)


# ---------------------------------------------------------------------------------------------
# Rules that need the whole document


def _entries(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """The mapping entries of a list in the raw document (shape errors are pydantic's job)."""
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(n, entry) for n, entry in enumerate(value) if isinstance(entry, dict)]


def _cross_reference_issues(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Rules across sections, checked on the raw document so they show up with schema errors."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    strategies = _entries(data, "strategies")
    items = _entries(data, "items")
    reflections = _entries(data, "reflections")

    def duplicates(kind: str, entries: list[tuple[int, dict[str, Any]]]) -> None:
        first: dict[Any, int] = {}
        for index, entry in entries:
            ident = entry.get("id")
            if isinstance(ident, str) and ident in first:
                problems.append(
                    (
                        (kind, index, "id"),
                        f"duplicate id '{ident}' (first used at {kind}[{first[ident]}])",
                    )
                )
            elif isinstance(ident, str):
                first[ident] = index

    duplicates("strategies", strategies)
    duplicates("items", items)
    duplicates("reflections", reflections)
    # Items and reflections share one namespace: both are stored as `item_id` in responses.
    item_ids = {entry.get("id") for _, entry in items if isinstance(entry.get("id"), str)}
    for index, entry in reflections:
        if isinstance(entry.get("id"), str) and entry["id"] in item_ids:
            problems.append(
                (("reflections", index, "id"), f"id '{entry['id']}' is already an item id")
            )

    strategy_ids = {e.get("id") for _, e in strategies if isinstance(e.get("id"), str)}
    scales = data.get("scales")
    scale_names = set(scales) if isinstance(scales, dict) else set()
    for index, entry in items:
        strategy, scale = entry.get("strategy"), entry.get("scale")
        if isinstance(strategy, str) and strategy not in strategy_ids:
            known = ", ".join(sorted(strategy_ids)) or "none defined"
            problems.append(
                (("items", index, "strategy"), f"unknown strategy '{strategy}' (known: {known})")
            )
        if isinstance(scale, str) and isinstance(scales, dict) and scale not in scale_names:
            known = ", ".join(sorted(map(str, scale_names))) or "none defined"
            problems.append(
                (("items", index, "scale"), f"unknown scale '{scale}' (known: {known})")
            )

    for index, strategy in strategies:
        active = [
            e
            for _, e in items
            if e.get("strategy") == strategy.get("id") and e.get("retired") is not True
        ]
        for dimension in DIMENSIONS:
            if not any(e.get("dimension") == dimension for e in active):
                problems.append(
                    (
                        ("strategies", index, "id"),
                        f"strategy '{strategy.get('id')}' needs at least one active "
                        f"{dimension} item",
                    )
                )
    return problems


def _warnings(q: Questionnaire) -> list[tuple[tuple[Any, ...], str]]:
    """Design smells an author should see, which still leave the file usable."""
    notes: list[tuple[tuple[Any, ...], str]] = []
    per_strategy: dict[str, int] = {}
    for index, strategy in enumerate(q.strategies):
        active = q.items_for(strategy.id)
        counts = Counter(i.dimension for i in active)
        per_strategy[strategy.id] = len(active)
        if counts["purpose"] != counts["performance"]:
            notes.append(
                (
                    ("strategies", index, "id"),
                    f"strategy '{strategy.id}' has {counts['purpose']} purpose and "
                    f"{counts['performance']} performance items; balanced counts weigh both "
                    "dimensions alike",
                )
            )
        if active and not any(i.reverse for i in active):
            notes.append(
                (
                    ("strategies", index, "id"),
                    f"strategy '{strategy.id}' has no reverse-keyed item, so agreeing with "
                    "everything cannot be told from real alignment",
                )
            )
    if len(set(per_strategy.values())) > 1:
        spread = ", ".join(f"{k}={v}" for k, v in per_strategy.items())
        notes.append((("items",), f"strategies have different numbers of active items ({spread})"))
    return notes


# ---------------------------------------------------------------------------------------------
# Loading


def parse_questionnaire(text: str, source: str = "<questionnaire>") -> LoadedQuestionnaire:
    """Validate YAML text; never raises for a bad file, returns its issues instead."""
    path = Path(source)

    def fail(issues: list[Issue]) -> LoadedQuestionnaire:
        return LoadedQuestionnaire(path, None, issues)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        alias_problem = _alias_problem(root)
        if alias_problem:
            return fail([Issue(source, None, "", alias_problem)])
        data = yaml.safe_load(text)
    except RecursionError:
        return fail([Issue(source, None, "", "the document is nested too deeply to read")])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "not valid YAML"
        return fail([Issue(source, line, "", f"YAML syntax error{column}: {problem}")])
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML parse error is marked
        return fail([Issue(source, None, "", f"YAML syntax error: {exc}")])

    if root is None or data is None:
        return fail([Issue(source, 1, "", "the file is empty; expected a questionnaire mapping")])
    if not isinstance(data, dict):
        kind = type(data).__name__
        return fail(
            [Issue(source, 1, "", f"expected a mapping of keys (id, title, …) but found {kind}")]
        )

    lines, duplicate_keys = _line_map(root)
    issues = [
        Issue(source, line, _field_name((*parent, key), data), f"duplicate key '{key}'")
        for parent, line, key in duplicate_keys
    ]

    issues += [
        Issue(source, _line_for(lines, loc), _field_name(loc, data), message)
        for loc, message in _cross_reference_issues(data)
    ]
    questionnaire: Questionnaire | None = None
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key '{loc[-1]}'"
            elif error["type"] == "missing":
                message = f"missing required key '{loc[-1]}'"
            issues.append(Issue(source, _line_for(lines, loc), _field_name(loc, data), message))
    if issues or questionnaire is None:
        return fail(sorted(issues, key=lambda i: i.line or 0))
    warnings = [
        Issue(source, _line_for(lines, loc), _field_name(loc, data), message, "warning")
        for loc, message in _warnings(questionnaire)
    ]
    return LoadedQuestionnaire(path, questionnaire, warnings)


def load_questionnaire_file(path: str | Path) -> LoadedQuestionnaire:
    """Read and validate one file; unreadable files become issues, not exceptions."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedQuestionnaire(path, None, [Issue(str(path), None, "", "file not found")])
    except UnicodeDecodeError as exc:
        return LoadedQuestionnaire(
            path, None, [Issue(str(path), None, "", f"not UTF-8 text ({exc.reason})")]
        )
    except OSError as exc:
        return LoadedQuestionnaire(
            path, None, [Issue(str(path), None, "", f"cannot read: {exc.strerror}")]
        )
    return parse_questionnaire(text, str(path))


def load_questionnaire(path: str | Path) -> Questionnaire:
    """The questionnaire in `path`, or `QuestionnaireError` listing every problem."""
    loaded = load_questionnaire_file(path)
    if loaded.questionnaire is None:
        raise QuestionnaireError(loaded.errors)
    return loaded.questionnaire


def load_catalog(directory: str | Path) -> list[LoadedQuestionnaire]:
    """Every questionnaire file in `directory`, valid or not, sorted by file name.

    An invalid file is listed with its issues so the valid ones keep working.
    """
    directory = Path(directory)
    files = sorted(p for p in directory.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})
    return [load_questionnaire_file(p) for p in files]


# ---------------------------------------------------------------------------------------------
# JSON Schema for editors

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE_NAME = "schema.json"
# The first line of a questionnaire file: YAML-aware editors then complete and check it.
SCHEMA_COMMENT = f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}"


def questionnaire_json_schema() -> dict[str, Any]:
    """The JSON Schema of a questionnaire file, generated from the pydantic models.

    Editors check shape, types, allowed keys and values with it; rules across sections (an
    item's strategy exists, ids are unique, …) are the validator's alone.
    """
    schema = Questionnaire.model_json_schema()
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = "Purpose–Performance Alignment questionnaire"
    return schema


def questionnaire_json_schema_text() -> str:
    """The schema as it is shipped: indented, keys sorted, one trailing newline."""
    return (
        json.dumps(questionnaire_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def write_schema(path: str | Path) -> Path:
    """Write the schema to `path` (normally `questionnaires/schema.json`)."""
    path = Path(path)
    path.write_text(questionnaire_json_schema_text(), encoding="utf-8", newline="\n")
    return path
