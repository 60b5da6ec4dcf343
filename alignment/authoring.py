"""Looking after the questionnaire files: their status, a preview, and saving an upload safely.

Pure functions for the Data page and for authors (no Streamlit). An upload is validated in full
before a byte is written, and it is written whole (a temporary file in the same folder, then an
atomic rename) or not at all, so an invalid upload never reaches `questionnaires/`.

`python -m alignment.authoring schema` regenerates `questionnaires/schema.json`.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from alignment.assessment import assessment_steps
from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import (
    SCHEMA_COMMENT,
    SCHEMA_FILE_NAME,
    Issue,
    Questionnaire,
    key_line,
    load_catalog,
    load_questionnaire_file,
    parse_questionnaire_bytes,
    questionnaire_json_schema_text,
    read_questionnaire_bytes,
    write_schema,
)

FileState = Literal["valid", "warnings", "invalid"]
# Lowercase, so two names never differ only in case (they would be one file on macOS/Windows).
_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\.ya?ml")
REFLECTIONS_HEADING = "Your reflections (optional)"


# ---------------------------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True)
class FileStatus:
    """One questionnaire file as an author needs to see it."""

    path: Path
    state: FileState
    questionnaire: Questionnaire | None
    issues: list[Issue]

    @property
    def name(self) -> str:
        return self.path.name


def catalog_status(directory: str | Path) -> list[FileStatus]:
    """Every questionnaire file in `directory` (sorted by name) with its state and issues.

    Two valid files with one questionnaire id get a warning each after the first: only one of
    them can be offered.
    """
    statuses: list[FileStatus] = []
    owner_of: dict[str, str] = {}
    for entry in load_catalog(directory):
        issues = list(entry.issues)
        questionnaire = entry.questionnaire
        if questionnaire is not None:
            owner = owner_of.setdefault(questionnaire.id, entry.path.name)
            if owner != entry.path.name:
                issues.append(
                    Issue(
                        str(entry.path),
                        _line_in_file(entry.path, "id"),
                        "id",
                        f"id '{questionnaire.id}' is also used by {owner}; "
                        "only one of the two files is offered",
                        "warning",
                    )
                )
        if questionnaire is None:
            state: FileState = "invalid"
        elif any(i.severity == "warning" for i in issues):
            state = "warnings"
        else:
            state = "valid"
        statuses.append(FileStatus(entry.path, state, questionnaire, issues))
    return statuses


def _line_in_file(path: Path, *key: str | int) -> int | None:
    try:
        return key_line(read_questionnaire_bytes(path).decode("utf-8"), *key)
    except (OSError, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------------------------------------
# A preview as a participant sees it


def preview_items(questionnaire: Questionnaire) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """The questions step by step, as the assessment asks them: `(heading, [(text, labels)])`.

    One entry per strategy (its name; purpose items first, retired items left out) with the
    worded points of each question's scale, then the reflections, whose labels are empty
    because they are answered in free text.
    """
    preview: list[tuple[str, list[tuple[str, list[str]]]]] = []
    for step in assessment_steps(questionnaire):
        if step.strategy is not None:
            questions = []
            for item in step.items:
                scale = questionnaire.scale_of(item)
                questions.append((item.text, [scale.label(p) for p in scale.points]))
            preview.append((step.strategy.name, questions))
        elif questionnaire.reflections:
            preview.append((REFLECTIONS_HEADING, [(r.text, []) for r in questionnaire.reflections]))
    return preview


# ---------------------------------------------------------------------------------------------
# Saving an upload


@dataclass(frozen=True)
class SaveOutcome:
    """What became of an upload.

    `issues`: the errors that stopped it (nothing was written), or, once saved, the validator's
    warnings. `warnings`: notes on the change itself (an item deleted instead of retired, …).
    """

    saved: bool
    path: Path | None
    issues: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


def file_name_problem(file_name: str) -> str | None:
    """Why `file_name` cannot name a questionnaire file, or None when it can."""
    if not file_name:
        return "the file has no name"
    if "/" in file_name or "\\" in file_name or file_name in {".", ".."}:
        return "the file name must be a plain name without folders, e.g. 'team-check.yaml'"
    if file_name.startswith("."):
        return "the file name must not start with '.' (such files are hidden and never listed)"
    if not file_name.endswith((".yaml", ".yml")):
        return "the file name must end in .yaml or .yml"
    if not _FILE_NAME.fullmatch(file_name):
        return (
            "the file name may use only lowercase letters, digits, '-' and '_' (at most 64 "
            "before the extension), e.g. 'team-check.yaml'"
        )
    return None


def save_uploaded_questionnaire(
    directory: str | Path, file_name: str, data: bytes, *, replace: bool = False
) -> SaveOutcome:
    """Validate an uploaded questionnaire and, only when nothing is wrong, save it as given.

    The file is refused (and nothing written) when its name is not a plain `*.yaml`/`*.yml`
    name, it fails the same checks as `load_questionnaire_file` (size, UTF-8, validation), its
    id belongs to another file, the file exists and `replace` is false, or it replaces a file
    that holds another questionnaire or the same questionnaire at a higher version. The exact
    uploaded bytes are kept, comments included.
    """
    directory = Path(directory)
    errors: list[Issue] = []
    name_problem = file_name_problem(file_name)
    if name_problem:
        errors.append(Issue(file_name, None, "", name_problem))
    loaded = parse_questionnaire_bytes(data, file_name)
    new = loaded.questionnaire
    if new is None:
        errors.extend(loaded.issues)
    if errors or new is None:
        return SaveOutcome(False, None, errors)
    text = data.decode("utf-8")  # cannot fail: the bytes were decoded to validate them

    target = directory / file_name
    for entry in load_catalog(directory) if directory.is_dir() else []:
        other = entry.questionnaire
        if entry.path.name != file_name and other is not None and other.id == new.id:
            errors.append(
                Issue(
                    file_name,
                    key_line(text, "id"),
                    "id",
                    f"id '{new.id}' is already used by {entry.path.name}; give this "
                    f"questionnaire another id, or upload it as {entry.path.name} to replace it",
                )
            )

    warnings: list[str] = []
    if target.exists() and not replace:
        errors.append(
            Issue(
                file_name,
                None,
                "",
                f"{file_name} already exists; choose to replace it, or use another file name",
            )
        )
    elif target.exists():
        existing = load_questionnaire_file(target)
        old = existing.questionnaire
        if existing.declared_id not in (None, new.id):
            # Answers are stored by questionnaire id: another id here would orphan them all.
            errors.append(
                Issue(
                    file_name,
                    key_line(text, "id"),
                    "id",
                    f"{file_name} holds questionnaire '{existing.declared_id}' and its answers "
                    f"are stored by that id, so this file keeps id '{existing.declared_id}'; a "
                    f"new questionnaire '{new.id}' needs a new file name, e.g. {new.id}.yaml",
                )
            )
        elif old is not None and new.version < old.version:
            errors.append(
                Issue(
                    file_name,
                    key_line(text, "version"),
                    "version",
                    f"version {new.version} is lower than the saved version {old.version} "
                    f"of '{old.id}'; a replacement keeps or raises the version",
                )
            )
        elif old is not None:
            warnings.extend(replacement_warnings(old, new))
    if errors:
        return SaveOutcome(False, None, errors, warnings)

    if not text.lstrip("\ufeff").startswith(SCHEMA_COMMENT):
        warnings.append(
            f"the file does not start with '{SCHEMA_COMMENT}'; with that first line, "
            "editors complete and check the file"
        )
    write_problem = _write_new_bytes(target, data, replace=replace)
    if write_problem:
        return SaveOutcome(False, None, [Issue(file_name, None, "", write_problem)], warnings)
    return SaveOutcome(True, target, list(loaded.issues), warnings)


def replacement_warnings(old: Questionnaire, new: Questionnaire) -> list[str]:
    """What replacing `old` with `new`, a later form of the same questionnaire, does to answers
    already given."""
    notes: list[str] = []
    removed = [item.id for item in old.items if item.id not in new.item_by_id]
    if removed:
        notes.append(
            f"items removed instead of retired: {', '.join(removed)}; earlier answers to them "
            "no longer score. Keep them in the file with `retired: true`"
        )
    for item in old.items:
        now = new.item_by_id.get(item.id)
        if now is None:
            continue
        changed = [
            f"{key} {getattr(item, key)!r} → {getattr(now, key)!r}"
            for key in ("strategy", "dimension", "scale", "reverse")
            if getattr(item, key) != getattr(now, key)
        ]
        if changed:
            notes.append(
                f"item '{item.id}' changed its meaning ({', '.join(changed)}), so earlier "
                "answers would be read differently; retire it and add the new question under "
                "a new id"
            )
    old_items = {i.id: i.model_dump() for i in old.items}
    new_items = {i.id: i.model_dump() for i in new.items}
    if old_items != new_items and new.version == old.version:
        notes.append(
            f"items changed but version is still {old.version}; set `version: "
            f"{old.version + 1}` so answers before and after the change can be told apart"
        )
    return notes


def _write_new_bytes(target: Path, data: bytes, *, replace: bool) -> str | None:
    """Write `data` to `target` whole or not at all; a problem as text, or None."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A dot-name ending in .tmp: never listed as a questionnaire while it is being written.
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, target)
            return None
        try:
            # Unlike a rename, a link never overwrites a file that appeared in the meantime.
            os.link(temporary, target)
        except FileExistsError:
            return f"{target.name} already exists; choose to replace it, or use another file name"
        except OSError:  # a file system without hard links
            if target.exists():
                return f"{target.name} already exists"
            os.replace(temporary, target)
        return None
    except OSError as exc:
        return f"cannot write {target.name}: {exc.strerror or exc}"
    finally:
        temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# python -m alignment.authoring schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alignment.authoring",
        description="Tools for questionnaire authors.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    schema = commands.add_parser(
        "schema", help="write the questionnaire JSON Schema (questionnaires/schema.json)"
    )
    schema.add_argument("--out", type=Path, default=SHIPPED_QUESTIONNAIRES / SCHEMA_FILE_NAME)
    schema.add_argument(
        "--check", action="store_true", help="exit 1 if the file is out of date; write nothing"
    )
    args = parser.parse_args(argv)

    if args.check:
        try:
            current = args.out.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != questionnaire_json_schema_text():
            print(f"{args.out} is out of date: run python -m alignment.authoring schema")
            return 1
        print(f"{args.out} is up to date")
        return 0
    print(f"wrote {write_schema(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
