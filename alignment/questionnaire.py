"""Questionnaire schema, loading and validation.

A questionnaire is a YAML file. The pydantic models below are the authority for its shape;
`load_questionnaire` turns a file into a `Questionnaire` or into a list of `Issue`s that each
name the file, the line and the field, so an author can fix the file without guessing.
"""

from __future__ import annotations

import json
import re
import sys
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

# Limits on everything a file may hold. Anyone who can upload writes these files, and one scale
# of 50 million points once took 2 GB to show; so every count, length and number is capped, in
# the model (and so in the JSON Schema editors use) wherever a rule fits one field. The caps sit
# far above what the shipped questionnaires use (the largest value there is in brackets), so an
# honest author never meets one.
MAX_FILE_BYTES = 256 * 1024  # (12.5 KB) a file at every cap below is about 215 KB
MAX_YAML_NODES = 10_000  # (662 values) a file at every cap holds about 4,000
MAX_YAML_DEPTH = 20  # (5) root → scales → agreement → labels → 1
MAX_SCALE_POINTS = 11  # (5) 0–10 is the longest rating scale in common use
SCALE_BOUND = 100  # (1–5) min and max lie within -100…100
MAX_SCALES = 10  # (2)
MAX_STRATEGIES = 20  # (10) twice the ten strategies of the main questionnaire
MAX_ITEMS = 200  # (40) retired items stay in the file, so leave room for years of them
MAX_ACTIONS = 10  # (4) per strategy
MAX_REFLECTIONS = 10  # (3)
MAX_TITLE = 120  # (26) a questionnaire's title and a strategy's name: one line of heading
MAX_DESCRIPTION = 1_000  # (247) a short paragraph
MAX_TEXT = 300  # (111) a question, an action or a reflection prompt: two or three sentences
MAX_LABEL = 60  # (26) the words for one point of a scale
MAX_WEIGHT = 10  # (1) a weight above 10 would let one item drown the others
MAX_VERSION = 10_000  # (1) bumped once a week, this lasts two centuries; fits every store
MAX_ID = 64  # (19) ids, and the scale and strategy names an item refers to

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID)]
# A name that refers to a strategy or scale; whether it exists is the validator's question.
Reference = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
Heading = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]


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
    """A numbered answer scale such as agreement 1–5, of at most 11 points; items name it."""

    min: int = Field(
        ge=-SCALE_BOUND, le=SCALE_BOUND, description="The lowest point of the scale, e.g. 1."
    )
    max: int = Field(
        ge=-SCALE_BOUND,
        le=SCALE_BOUND,
        description=(
            f"The highest point of the scale, e.g. 5; at most {MAX_SCALE_POINTS - 1} above "
            f"`min`, so a scale has 2 to {MAX_SCALE_POINTS} points."
        ),
    )
    labels: dict[int, Annotated[str, Field(max_length=MAX_LABEL)]] = Field(
        default_factory=dict,
        max_length=MAX_SCALE_POINTS,
        description=(
            "Words shown for some or all points, keyed by the point, e.g. "
            "`{1: Never, 5: Always}`; a point without a label is shown as its number."
        ),
        json_schema_extra={"propertyNames": {"pattern": r"^-?[0-9]+$"}},
    )

    @model_validator(mode="after")
    def _check_range(self) -> Scale:
        if problem := _points_problem(self.min, self.max):
            raise ValueError(problem)
        outside = sorted(k for k in self.labels if not self.min <= k <= self.max)
        if outside:
            raise ValueError(f"labels {outside} lie outside the scale {self.min}–{self.max}")
        return self

    @property
    def points(self) -> list[int]:
        """Every point from min to max.

        Refused for a scale built without validation (`model_construct`), which could stand for
        millions of points: a list of them is what once took 2 GB.
        """
        if problem := _points_problem(self.min, self.max):
            raise ValueError(problem)
        return list(range(self.min, self.max + 1))

    def label(self, value: int) -> str:
        """The word for a point, falling back to the number where the author gave none."""
        return self.labels.get(value, str(value))


def _points_problem(low: int, high: int) -> str | None:
    """Why `low`–`high` is not a usable scale, found without building its points."""
    if low >= high:
        return f"min ({low}) must be less than max ({high})"
    count = high - low + 1
    if count > MAX_SCALE_POINTS:
        return (
            f"the scale {low}–{high} has {count} points; a scale has at most "
            f"{MAX_SCALE_POINTS} (e.g. 0–10)"
        )
    return None


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
    name: Heading = Field(description="The name a participant sees, e.g. 'Lead by example'.")
    description: Description = Field(
        default="", description="One or two sentences on what it is about."
    )
    actions: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        default_factory=list,
        max_length=MAX_ACTIONS,
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
    strategy: Reference = Field(description="The `id` of the strategy this item measures.")
    dimension: Dimension = Field(
        description=(
            "`purpose`: how clear and important the intent is; "
            "`performance`: how consistently it is acted on."
        )
    )
    scale: Reference = Field(description="The name of a scale under `scales`, e.g. `agreement`.")
    text: str = Field(
        min_length=1, max_length=MAX_TEXT, description="The question or statement as shown."
    )
    # Strict: `retired: "no"` must be an error, not a silent True.
    reverse: StrictBool = Field(
        default=False,
        description=(
            "true when a high answer means less of the strategy (e.g. 'I skip it'); "
            "its score is mirrored."
        ),
    )
    weight: float = Field(
        default=1.0,
        gt=0,
        le=MAX_WEIGHT,
        description=f"Weight in the strategy's mean, above 0 and at most {MAX_WEIGHT}; default 1.",
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
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="The prompt as shown.")


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
        le=MAX_VERSION,
        description="Whole number; bump it whenever items change (wording, scale, retiring).",
    )
    title: Heading = Field(description="The name shown when choosing a questionnaire.")
    description: Description = Field(
        default="", description="A short introduction for participants."
    )
    scales: dict[Reference, Scale] = Field(
        min_length=1,
        max_length=MAX_SCALES,
        description="Answer scales by name, e.g. `agreement` and `frequency`.",
    )
    scoring: Scoring = Field(
        default_factory=Scoring, description="Optional; the quadrant threshold (default 60)."
    )
    strategies: list[Strategy] = Field(
        min_length=1,
        max_length=MAX_STRATEGIES,
        description="The strategies, in the order they are asked.",
    )
    items: list[Item] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description=(
            "The questions; every strategy needs at least one active purpose and one active "
            "performance item."
        ),
    )
    reflections: list[Reflection] = Field(
        default_factory=list,
        max_length=MAX_REFLECTIONS,
        description="Optional free-text prompts asked at the end.",
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
    """The outcome of reading one file: a questionnaire, or the errors that stop it.

    `declared_id` is the questionnaire id the file names, even when the file is invalid
    otherwise: answers are stored by that id, so a broken file still owns it.
    """

    path: Path
    questionnaire: Questionnaire | None
    issues: list[Issue]
    declared_id: str | None = None

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
# A key written twice: the path of its mapping, the line PyYAML kept, the key.
_Duplicate = tuple[tuple[Any, ...], int, str]


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


def _line_map(root: yaml.Node) -> tuple[dict[_Path, int], list[_Duplicate]]:
    """Map every path in the document to its 1-based line, and collect duplicate keys.

    PyYAML keeps the last of two equal keys without a word; an author deserves to hear of it,
    and the line of a key is that of the occurrence PyYAML kept.
    """
    lines: dict[_Path, int] = {(): root.start_mark.line + 1}
    duplicates: list[_Duplicate] = []

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


class _Unreadable(Exception):
    """The document is too large or too deeply nested to read safely; the message says which."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_TOO_LARGE = (
    f"the file is larger than {MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // 1024} KB), the most "
    "a questionnaire may be"
)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stopped as soon as the document outgrows the caps.

    Composing keeps every node and recurses once per level, so the count and the depth are
    checked node by node as they are read: a hostile file costs what MAX_YAML_NODES nodes cost,
    never its full size, and never the stack.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _Unreadable(
                f"the document holds more than {MAX_YAML_NODES:,} values; a full questionnaire "
                "holds about 4,000",
                self._next_line(),
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise _Unreadable(
                f"the document is nested more than {MAX_YAML_DEPTH} levels deep; a "
                "questionnaire needs 5",
                self._next_line(),
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _next_line(self) -> int:
        return self.peek_event().start_mark.line + 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Python refuses to convert a decimal of more digits than its limit (4,300) with a
        # ValueError, which would escape the validator; report it as a problem in the file.
        try:
            return super().construct_yaml_int(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"a whole number of more than {sys.get_int_max_str_digits():,} digits cannot be "
                "read",
                node.start_mark,
            ) from exc


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


class _AliasCycle(Exception):
    pass


def _alias_problem(root: yaml.Node) -> str | None:
    """Why aliases make the document too large or too deep to walk, or None when they do not.

    An alias (`*name`) repeats a node without copying it, and walking the document expands it:
    a few lines can stand for billions of values, for deeper nesting than the file shows, or for
    a list that contains itself. The loader has bounded the nodes as written; this bounds them as
    expanded. An anchor comes before its aliases, so the walk meets each anchored node first
    where it is written and recurses no deeper than the file is nested.
    """
    shapes: dict[int, tuple[int, int]] = {}  # node → (values, depth) once expanded
    open_nodes: set[int] = set()

    def shape(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in shapes:
            return shapes[key]
        if key in open_nodes:
            raise _AliasCycle
        open_nodes.add(key)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        values, depth = 1, 1
        for child in children:
            child_values, child_depth = shape(child)
            values += child_values
            depth = max(depth, child_depth + 1)
            if values > MAX_YAML_NODES:
                break
        open_nodes.discard(key)
        shapes[key] = (values, depth)
        return values, depth

    try:
        values, depth = shape(root)
    except _AliasCycle:
        return "an alias (*name) refers to the mapping or list that contains it"
    if values > MAX_YAML_NODES:
        return (
            f"aliases (*name) expand the document to more than {MAX_YAML_NODES:,} values; "
            "write the values out instead"
        )
    if depth > MAX_YAML_DEPTH:
        return (
            f"aliases (*name) nest the document more than {MAX_YAML_DEPTH} levels deep; "
            "write the values out instead"
        )
    return None


def _read_yaml(text: str) -> tuple[Any, dict[_Path, int], list[_Duplicate]]:
    """The data of a YAML document, the line of every path in it, and its duplicate keys.

    Reads no more than the caps allow: raises `_Unreadable` for a document that is too large or
    too deep, and `yaml.YAMLError` for text that is not YAML. An empty document is None.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise _Unreadable(_TOO_LARGE)
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}, []
        if problem := _alias_problem(root):
            raise _Unreadable(problem)
        # Lines first: building the data resolves merge keys (`<<`) by rewriting the nodes.
        lines, duplicates = _line_map(root)
        return loader.construct_document(root), lines, duplicates
    finally:
        loader.dispose()


def key_line(text: str, *path: str | int) -> int | None:
    """The 1-based line of `path` (e.g. `"items", 3, "id"`) in YAML text, or of its nearest parent.

    None when the text is not YAML that can be read safely.
    """
    try:
        _, lines, _ = _read_yaml(text)
    except (yaml.YAMLError, _Unreadable):
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


def _is_identifier(text: str) -> bool:
    return len(text) <= MAX_ID and re.fullmatch(ID_PATTERN, text) is not None


def parse_questionnaire(text: str, source: str = "<questionnaire>") -> LoadedQuestionnaire:
    """Validate YAML text; never raises for a bad file, returns its issues instead."""
    path = Path(source)

    def fail(issues: list[Issue]) -> LoadedQuestionnaire:
        return LoadedQuestionnaire(path, None, issues)

    try:
        data, lines, duplicate_keys = _read_yaml(text)
    except _Unreadable as exc:
        return fail([Issue(source, exc.line, "", str(exc))])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "not valid YAML"
        return fail([Issue(source, line, "", f"YAML syntax error{column}: {problem}")])
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML parse error is marked
        return fail([Issue(source, None, "", f"YAML syntax error: {exc}")])

    if data is None:
        return fail([Issue(source, 1, "", "the file is empty; expected a questionnaire mapping")])
    if not isinstance(data, dict):
        kind = type(data).__name__
        return fail(
            [Issue(source, 1, "", f"expected a mapping of keys (id, title, …) but found {kind}")]
        )

    declared = data.get("id")
    declared_id = declared if isinstance(declared, str) and _is_identifier(declared) else None
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
            elif loc and loc[-1] == "[key]":  # pydantic's marker for a mapping key
                loc, message = loc[:-1], f"invalid key: {message}"
            issues.append(Issue(source, _line_for(lines, loc), _field_name(loc, data), message))
    if issues or questionnaire is None:
        return LoadedQuestionnaire(
            path, None, sorted(issues, key=lambda i: i.line or 0), declared_id
        )
    warnings = [
        Issue(source, _line_for(lines, loc), _field_name(loc, data), message, "warning")
        for loc, message in _warnings(questionnaire)
    ]
    return LoadedQuestionnaire(path, questionnaire, warnings, questionnaire.id)


def parse_questionnaire_bytes(data: bytes, source: str = "<questionnaire>") -> LoadedQuestionnaire:
    """Validate a file's bytes, as read or uploaded: the size is checked before they are decoded."""
    if len(data) > MAX_FILE_BYTES:
        return LoadedQuestionnaire(Path(source), None, [Issue(source, None, "", _TOO_LARGE)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8"
        return LoadedQuestionnaire(Path(source), None, [Issue(source, None, "", problem)])
    return parse_questionnaire(text, source)


def read_questionnaire_bytes(path: Path) -> bytes:
    """The file's bytes, but never more than one past MAX_FILE_BYTES: enough to tell that a file
    is too large without reading all of it. Raises OSError."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def load_questionnaire_file(path: str | Path) -> LoadedQuestionnaire:
    """Read and validate one file; unreadable files become issues, not exceptions."""
    path = Path(path)
    try:
        data = read_questionnaire_bytes(path)
    except FileNotFoundError:
        return LoadedQuestionnaire(path, None, [Issue(str(path), None, "", "file not found")])
    except OSError as exc:
        return LoadedQuestionnaire(
            path, None, [Issue(str(path), None, "", f"cannot read: {exc.strerror}")]
        )
    return parse_questionnaire_bytes(data, str(path))


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
