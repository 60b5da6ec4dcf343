"""Faults and abuse: many writers, killed writers, full disks, refused files, fuzzed input."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import random
import signal
import string
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment import importing
from alignment.questionnaire import (
    Issue,
    LoadedQuestionnaire,
    Questionnaire,
    load_questionnaire,
    parse_questionnaire,
)
from alignment.response import build_response
from alignment.store import (
    StoreError,
    append_responses,
    append_rows,
    delete_responses,
    load_responses,
    rows_to_csv_bytes,
)
from tests.conftest import PROJECT_ROOT
from tests.test_hostile_text import HOSTILE as HOSTILE_TEXTS
from tests.test_store import PULSE, pulse_response

QUESTIONNAIRE = PULSE.read_text(encoding="utf-8")
REFLECTION = "reflect-pulse"
IMPORT_FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "import"


def whole_responses(path: Path, rows_per_response: int | dict[str, int]) -> pd.Series:
    """Rows per visible response; fails unless the file loads cleanly and every one is whole."""
    loaded = load_responses(path)
    counts = loaded.frame.groupby("response_id", observed=True).size()
    expected = (
        rows_per_response
        if isinstance(rows_per_response, int)
        else counts.index.map(rows_per_response)
    )
    assert (counts == expected).all(), counts[counts != expected]
    return counts


# ---------------------------------------------------------------------------------------------
# 16 writers at once


_PULSE = load_questionnaire(PULSE)


def _response(alias: str, value: int = 4, reflection: str = "") -> pd.DataFrame:
    answers = {item.id: value for item in _PULSE.active_items}
    return build_response(_PULSE, alias, answers, {REFLECTION: reflection} if reflection else None)


def _append_all(path: str, responses: list[pd.DataFrame], start: multiprocessing.Barrier) -> None:
    start.wait()  # every writer begins at the same moment
    for rows in responses:
        if not append_rows(path, rows):
            raise SystemExit(f"{rows['response_id'].iloc[0]} was not saved")


def test_sixteen_processes_times_fifty_responses_each_saved_exactly_once(tmp_path: Path):
    path = tmp_path / "responses.csv"
    batches = [
        [_response(f"w{worker}-{n}", value=1 + (worker + n) % 5) for n in range(50)]
        for worker in range(16)
    ]
    sent = [rows["response_id"].iloc[0] for batch in batches for rows in batch]
    # fork: the writers start in milliseconds with everything imported and built already.
    context = multiprocessing.get_context("fork")
    start = context.Barrier(16)
    writers = [
        context.Process(target=_append_all, args=(str(path), batch, start)) for batch in batches
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert [w.exitcode for w in writers] == [0] * 16  # every save acknowledged
    assert len(set(sent)) == 16 * 50

    loaded = load_responses(path)
    assert loaded.problems == []
    counts = whole_responses(path, 20)
    assert sorted(counts.index) == sorted(sent)  # each exactly once, none extra
    # Every response's rows sit together (no interleaving) and keep their own alias.
    frame = loaded.frame
    assert (frame.groupby("response_id", observed=True)["respondent"].nunique() == 1).all()
    blocks = (frame["response_id"] != frame["response_id"].shift()).sum()
    assert blocks == 16 * 50
    # A plain reader that knows nothing of the commit protocol reads it too.
    plain = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(plain) == 16 * 50 * 20
    assert list(tmp_path.glob("responses.csv.interrupted-*")) == []


# ---------------------------------------------------------------------------------------------
# A writer killed with SIGKILL mid-append


def _killable_writer(path: str, acks: str, seed: int) -> None:
    """Append batches until killed; acknowledge each id only after its save returned.

    Writes go out in small pieces and fsync is slow (both legal for a disk), so kills land
    inside a save as well as between saves.
    """
    real_write, real_fsync = os.write, os.fsync
    ack = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def short_write(fd: int, data: bytes) -> int:
        return real_write(fd, data if fd == ack else bytes(data[:2048]))

    def slow_fsync(fd: int) -> None:
        time.sleep(0.001)
        real_fsync(fd)

    os.write, os.fsync = short_write, slow_fsync
    chooser = random.Random(seed)
    n = 0
    while True:
        batch = pd.concat(
            [
                _response(
                    f"s{seed}-{n}-{k}", reflection=chooser.choice(string.ascii_letters) * 3000
                )
                for k in range(chooser.randint(1, 3))
            ],
            ignore_index=True,
        )
        n += 1
        append_responses(path, batch)
        ids = batch["response_id"].unique()
        real_write(ack, ("\n".join(ids) + "\n").encode())


def _acknowledged(acks: Path) -> set[str]:
    text = acks.read_text() if acks.exists() else ""
    return set(text[: text.rfind("\n") + 1].split())  # a torn last line is not an ack


def test_writer_killed_fifty_times_never_loses_or_shows_half_a_response(tmp_path: Path):
    path, acks = tmp_path / "responses.csv", tmp_path / "acks.txt"
    context = multiprocessing.get_context("fork")  # pandas already imported: ~ms per start
    delays = random.Random(20261124)
    torn_saves = 0
    repaired = 0
    for kill in range(50):
        writer = context.Process(target=_killable_writer, args=(str(path), str(acks), kill))
        writer.start()
        time.sleep(delays.uniform(0.01, 0.12))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        assert writer.exitcode == -signal.SIGKILL

        acknowledged = _acknowledged(acks)
        loaded = load_responses(path)
        assert all("interrupted" in p for p in loaded.problems), loaded.problems
        torn_saves += bool(loaded.problems)
        counts = loaded.frame.groupby("response_id", observed=True).size()
        assert acknowledged <= set(counts.index), kill  # every acknowledged save is there
        assert (counts == 21).all(), kill  # and nothing is half there

        # The next save repairs the tail: it sets the leftover aside and is seen whole.
        leftovers = len(list(tmp_path.glob("responses.csv.interrupted-*")))
        rows = _response(f"after-{kill}", reflection="repaired")
        assert append_rows(path, rows)
        after = load_responses(path)
        assert after.problems == []
        assert rows["response_id"].iloc[0] in set(after.frame["response_id"])
        assert (after.frame.groupby("response_id", observed=True).size() == 21).all()
        now = len(list(tmp_path.glob("responses.csv.interrupted-*")))
        assert now == leftovers + bool(loaded.problems)
        repaired += now - leftovers
    assert torn_saves == repaired
    assert torn_saves >= 3, "no kill landed inside a save: the test proved nothing"
    assert len(_acknowledged(acks)) >= 50
    # A plain CSV reader sees a whole table too.
    plain = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(plain) == len(load_responses(path).frame)


# ---------------------------------------------------------------------------------------------
# Disk full and permission denied


def _saved(path: Path) -> tuple[Path, bytes, set[str]]:
    for alias in ("Ana", "Ben", "Cy"):
        append_rows(path, pulse_response(alias, reflections={REFLECTION: f"{alias} wrote"}))
    return path, path.read_bytes(), set(load_responses(path).frame["response_id"])


def _failing_writes(monkeypatch: pytest.MonkeyPatch, error: OSError, after: int) -> None:
    """os.write lands `after` bytes of the payload, then fails."""
    real_write = os.write
    budget = {"left": after}

    def write(fd: int, data: bytes) -> int:
        if budget["left"] <= 0:
            raise error
        written = real_write(fd, bytes(data[: budget["left"]]))
        budget["left"] -= written
        return written

    monkeypatch.setattr(os, "write", write)


ENOSPC = OSError(28, "No space left on device")
EACCES = PermissionError(13, "Permission denied")


@pytest.mark.parametrize("landed", [0, 1, 1000])
@pytest.mark.parametrize("operation", ["append_rows", "append_responses"])
def test_disk_full_mid_append_saves_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str, landed: int
):
    path, before, ids = _saved(tmp_path / "responses.csv")
    batch = (
        pulse_response("Dee")
        if operation == "append_rows"
        else pd.concat([pulse_response(a) for a in ("Dee", "Eve", "Fay")], ignore_index=True)
    )
    _failing_writes(monkeypatch, ENOSPC, landed)
    with pytest.raises(StoreError, match=r"the disk is full.*nothing was saved"):
        (append_rows if operation == "append_rows" else append_responses)(path, batch)
    monkeypatch.undo()
    assert path.read_bytes() == before
    loaded = load_responses(path)
    assert loaded.problems == [] and set(loaded.frame["response_id"]) == ids
    # Space is back: the same save now goes through.
    assert append_responses(path, batch) == batch["response_id"].nunique()


def test_disk_full_while_committing_saves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path, before, ids = _saved(tmp_path / "responses.csv")
    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the commit mark's, after the data's
            raise ENOSPC
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StoreError, match=r"could not record the save.*nothing was saved"):
        append_rows(path, pulse_response("Dee"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert set(load_responses(path).frame["response_id"]) == ids


@pytest.mark.parametrize("operation", ["append_rows", "append_responses", "delete_responses"])
@pytest.mark.parametrize("where", ["lock", "data file"])
def test_permission_denied_is_a_clear_message_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str, where: str
):
    path, before, ids = _saved(tmp_path / "responses.csv")
    real_open = os.open
    lock = str(path) + ".lock"

    def denied(file, flags, *args, **kwargs):  # tests run as root, which file modes do not stop
        if (where == "lock") == (str(file) == lock) and flags & (os.O_WRONLY | os.O_RDWR):
            raise EACCES
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    if operation == "delete_responses":
        # The rewrite opens its files with open(); refuse those too.
        real_builtin = open

        def refused(file, mode="r", *args, **kwargs):
            if "w" in mode and where == "data file":
                raise EACCES
            return real_builtin(file, mode, *args, **kwargs)

        monkeypatch.setattr("alignment.store.open", refused, raising=False)
    calls = {
        "append_rows": lambda: append_rows(path, pulse_response("Dee")),
        "append_responses": lambda: append_responses(
            path, pd.concat([pulse_response("Dee"), pulse_response("Eve")])
        ),
        "delete_responses": lambda: delete_responses(path, set(list(ids)[:1])),
    }
    with pytest.raises(StoreError, match=r"(?i)permission denied") as raised:
        calls[operation]()
    assert str(path.parent if where == "lock" else path) in str(raised.value)
    assert "nothing was" in str(raised.value)
    monkeypatch.undo()
    assert path.read_bytes() == before
    loaded = load_responses(path)
    assert loaded.problems == [] and set(loaded.frame["response_id"]) == ids


@pytest.mark.parametrize(
    ("keep_backup", "failing_fsync"),
    [(True, 1), (True, 2), (False, 1)],
    ids=["backup", "data file after the backup", "data file"],
)
def test_disk_full_during_delete_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_backup: bool, failing_fsync: int
):
    path, before, ids = _saved(tmp_path / "responses.csv")
    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == failing_fsync:
            raise ENOSPC
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StoreError, match="could not delete \\(No space left on device\\)"):
        delete_responses(path, set(list(ids)[:1]), keep_backup=keep_backup)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert set(load_responses(path).frame["response_id"]) == ids
    assert list(tmp_path.glob("*.tmp")) == []


def test_a_carriage_return_in_stored_text_stays_inside_its_field(tmp_path: Path):
    """Cleaned input never has one, but a hand-edited file read back and rewritten can."""
    path = tmp_path / "responses.csv"
    rows = pulse_response("Ana", reflections={REFLECTION: "placeholder"})
    rows["respondent"] = "Ana\rBen"  # no comma, quote or line feed that would quote it anyway
    rows.loc[rows["item_id"] == REFLECTION, "text"] = '=1+1\r=2+2\r\nend, "quoted"\r'
    data = rows_to_csv_bytes(rows)
    assert data.count(b'"Ana\rBen"') == 21
    assert b'"=1+1\r=2+2\r\nend, ""quoted""\r"' in data
    append_rows(path, rows)
    append_rows(path, pulse_response("Cy"))
    loaded = load_responses(path)
    assert loaded.problems == []
    counts = loaded.frame.groupby("response_id", observed=True).size()
    assert sorted(counts.tolist()) == [20, 21]
    assert set(loaded.frame["respondent"]) == {"Ana\rBen", "Cy"}
    text = loaded.frame.loc[loaded.frame["item_id"] == REFLECTION, "text"].iloc[0]
    assert text == '=1+1\r=2+2\r\nend, "quoted"\r'
    plain = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    assert len(plain) == 1 + 21 + 20 and {len(r) for r in plain} == {9}
    assert len(pd.read_csv(path, dtype=str, keep_default_na=False)) == 41


# ---------------------------------------------------------------------------------------------
# Fuzzing the questionnaire loader


FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Fuzzing cells: the hostile texts of test_hostile_text (short ones; long text is slow to shrink)
# plus the characters that make CSV itself tricky.
HOSTILE = [text for text in HOSTILE_TEXTS if len(text) < 100] + ['"', ",", "", " "]


def _check_loaded(loaded: LoadedQuestionnaire) -> None:
    assert isinstance(loaded, LoadedQuestionnaire)
    assert all(isinstance(i, Issue) for i in loaded.issues)
    if loaded.questionnaire is None:
        assert loaded.errors, "an invalid questionnaire must say why"
    else:
        assert isinstance(loaded.questionnaire, Questionnaire)
        assert loaded.errors == []
    for issue in loaded.issues:
        assert str(issue)  # every issue can be shown


@FUZZ
@given(st.text(max_size=400))
def test_questionnaire_loader_survives_any_text(text: str):
    _check_loaded(parse_questionnaire(text, "fuzz.yaml"))


@FUZZ
@given(
    st.lists(
        st.sampled_from(
            [
                "id: x\n",
                "version: 1\n",
                "title: T\n",
                "scales:\n",
                "  a: {min: 1, max: 5}\n",
                "items:\n",
                "  - {id: i, strategy: why, dimension: purpose, scale: a, text: t}\n",
                "- ",
                "&a ",
                "*a",
                "!!python/object:os.system ",
                "{",
                "[",
                "'",
                '"',
                ": ",
                "\t",
                "? ",
                "---\n",
                "...\n",
                "%YAML 1.1\n",
                "\ufeff",
                "<<: *a\n",
                "1e999",
                "\x85",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_questionnaire_loader_survives_yaml_shaped_noise(text: str):
    _check_loaded(parse_questionnaire(text, "fuzz.yaml"))


_VALID = yaml.safe_load(QUESTIONNAIRE)
_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(HOSTILE),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            found += _paths(value, (*prefix, index))
    return found


_PATHS = _paths(_VALID)


@st.composite
def almost_valid(draw: st.DrawFn) -> dict:
    import copy

    data = copy.deepcopy(_VALID)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_PATHS))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()):
                if isinstance(parent, dict):
                    parent.pop(path[-1], None)
                elif isinstance(parent, list) and path[-1] < len(parent):
                    parent.pop(path[-1])
            else:
                parent[path[-1]] = draw(_ODD_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this spot
    return data


@FUZZ
@given(almost_valid())
def test_questionnaire_loader_reports_almost_valid_files(data: dict):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    loaded = parse_questionnaire(text, "fuzz.yaml")
    _check_loaded(loaded)
    for issue in loaded.errors:
        assert issue.file == "fuzz.yaml"


def test_the_unmutated_questionnaire_is_valid():
    """The fuzzers above start from a valid file, so their findings are about the mutations."""
    text = yaml.safe_dump(_VALID, allow_unicode=True, sort_keys=False)
    assert parse_questionnaire(text).questionnaire is not None


# ---------------------------------------------------------------------------------------------
# Fuzzing CSV import


_PULSE_Q = parse_questionnaire(QUESTIONNAIRE).questionnaire
_FORMS_HEADER = next(
    csv.reader(
        io.StringIO((IMPORT_FIXTURES / "google-forms-pulse.csv").read_text(encoding="utf-8"))
    )
)


def _import_all_or_nothing(data: bytes) -> None:
    """Read, map, plan and import `data`: only ImportProblem may stop it, and the data file
    ends up with whole responses or exactly as it was."""
    problem = ""
    try:
        table = importing.read_table(data)
        mapping = importing.auto_mapping(table, _PULSE_Q)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "responses.csv"
            append_rows(path, _response("Already here"))
            before = path.read_bytes()
            plan = importing.plan_import(
                table, mapping, _PULSE_Q, existing_ids=importing.existing_response_ids(path)
            )
            expected = plan.responses.groupby("response_id", observed=True).size().to_dict()
            try:
                added = importing.import_responses(path, plan)
            except StoreError:
                assert path.read_bytes() == before
                return
            loaded = load_responses(path)
            assert loaded.problems == []
            counts = loaded.frame.groupby("response_id", observed=True).size()
            assert added == len(expected) and counts.size == 1 + added
            for response_id, rows in expected.items():
                assert counts[response_id] == rows
            if expected:
                saved = loaded.frame[loaded.frame["response_id"].isin(expected)]
                assert saved["text"].tolist() == plan.responses["text"].tolist()
                assert saved["respondent"].tolist() == plan.responses["respondent"].tolist()
    except importing.ImportProblem as refused:
        problem = str(refused) or "(no message)"
    assert problem != "(no message)"  # a refusal always says why


@FUZZ
@given(st.binary(max_size=600))
def test_import_survives_any_bytes(data: bytes):
    _import_all_or_nothing(data)


_CELLS = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(["1", "3", "5", "Strongly agree", "Never", "2026-03-14 09:05:12", "x" * 5000]),
    st.text(max_size=20),
)


@FUZZ
@given(
    st.lists(st.lists(_CELLS, min_size=0, max_size=len(_FORMS_HEADER) + 2), max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_import_of_google_forms_rows_with_hostile_cells(rows, delimiter, ending):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=ending)
    writer.writerow(_FORMS_HEADER)
    for n, cells in enumerate(rows):
        # Most rows start like a real submission, so planning goes past the first checks.
        if n % 2 == 0:
            cells = ["2026-03-14 09:05:12", "", *cells]
        writer.writerow(cells)
    _import_all_or_nothing(buffer.getvalue().encode("utf-8"))


def test_the_import_fuzzer_reaches_saving():
    """A well-formed row goes all the way into the file (so the fuzzers exercise the save)."""
    answers = ["3"] * (len(_FORMS_HEADER) - 3)
    rows = [_FORMS_HEADER, ["2026-03-14 09:05:12", "", "<b>Ana</b>", *answers]]
    text = "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows)
    table = importing.read_table(text.encode())
    plan = importing.plan_import(
        table, importing.auto_mapping(table, _PULSE_Q), _PULSE_Q, existing_ids=set()
    )
    assert plan.responses["response_id"].nunique() == 1
    _import_all_or_nothing(text.encode())
