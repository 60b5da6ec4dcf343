"""The response store: round trip, concurrent writers, torn and interrupted writes."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from alignment import store
from alignment.config import SAMPLE_RESPONSES
from alignment.questionnaire import load_questionnaire
from alignment.response import ResponseError, build_response
from alignment.store import (
    RESPONSE_COLUMNS,
    Deleted,
    StoreError,
    append_responses,
    append_rows,
    backup_path,
    delete_responses,
    file_identity,
    load_responses,
    lock_path,
    responses_identity,
)
from tests.conftest import PROJECT_ROOT, assert_text_in_one_chunk

PULSE = PROJECT_ROOT / "questionnaires" / "pulse.yaml"


def pulse_response(alias: str = "Ana", value: int = 4, **kwargs) -> pd.DataFrame:
    q = load_questionnaire(PULSE)
    answers = {item.id: value for item in q.active_items}
    return build_response(q, alias, answers, **kwargs)


def test_round_trip_keeps_every_field(tmp_path: Path):
    path = tmp_path / "responses.csv"
    rows = pulse_response(
        "  Ana  ", reflections={"reflect-pulse": 'Line one\nline two, with "quotes"'}
    )
    append_rows(path, rows)
    loaded = load_responses(path)
    assert loaded.problems == []
    frame = loaded.frame
    assert list(frame.columns) == RESPONSE_COLUMNS
    assert len(frame) == 21  # 20 items and one reflection
    assert frame["respondent"].unique().tolist() == ["Ana"]  # trimmed
    assert frame["questionnaire_version"].dtype == "Int64"
    assert str(frame["submitted_at"].dtype).startswith("datetime64")
    scale_rows = frame[frame["item_id"] != "reflect-pulse"]
    assert (scale_rows["value"] == 4).all()
    text = frame.loc[frame["item_id"] == "reflect-pulse", "text"].iloc[0]
    assert text == 'Line one\nline two, with "quotes"'
    assert path.read_text().splitlines()[0] == ",".join(RESPONSE_COLUMNS)


def test_missing_and_empty_files_are_no_responses(tmp_path: Path):
    assert load_responses(tmp_path / "absent.csv").frame.empty
    (tmp_path / "empty.csv").write_text("")
    assert load_responses(tmp_path / "empty.csv").frame.empty


def test_file_identity_changes_on_append(tmp_path: Path):
    path = tmp_path / "responses.csv"
    before = file_identity(path)
    append_rows(path, pulse_response())
    middle = file_identity(path)
    append_rows(path, pulse_response())
    assert len({before, middle, file_identity(path)}) == 3


def _append_many(args: tuple[str, int, int]) -> list[str]:
    path, worker, count = args
    ids = []
    for n in range(count):
        rows = pulse_response(f"worker-{worker}", value=1 + (n % 5))
        append_rows(path, rows)
        ids.append(rows["response_id"].iloc[0])
    return ids


def test_eight_processes_appending_at_once_lose_nothing(tmp_path: Path):
    path = tmp_path / "responses.csv"
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        results = pool.map(_append_many, [(str(path), w, 12) for w in range(8)])
    expected = {rid for ids in results for rid in ids}
    assert len(expected) == 96
    loaded = load_responses(path)
    assert loaded.problems == []
    counts = loaded.frame.groupby("response_id").size()
    assert set(counts.index) == expected
    assert (counts == 20).all()  # every response whole, none doubled or interleaved
    # A plain reader with no knowledge of our protocol parses it too.
    plain = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(plain) == 96 * 20


def test_torn_last_line_is_skipped_with_its_response_and_reported(tmp_path: Path):
    path = tmp_path / "responses.csv"
    first, second = pulse_response("Ana"), pulse_response("Ben")
    # A file copied in by hand (no commit mark) whose last write was cut off mid-line.
    complete = (",".join(RESPONSE_COLUMNS) + "\n").encode()
    for rows in (first, second):
        buffer = rows.to_csv(index=False, header=False, lineterminator="\n").encode()
        complete += buffer
    torn = complete[: complete.rfind(b"\n", 0, len(complete) - 1) + 12]
    path.write_bytes(torn)
    loaded = load_responses(path)
    assert loaded.frame["respondent"].unique().tolist() == ["Ana"]  # Ben's half response hidden
    assert any("incomplete" in p for p in loaded.problems)


def test_torn_line_inside_quoted_multiline_text(tmp_path: Path):
    path = tmp_path / "responses.csv"
    rows = pulse_response("Ana", reflections={"reflect-pulse": "first line\nsecond line"})
    data = (",".join(RESPONSE_COLUMNS) + "\n").encode()
    data += rows.to_csv(index=False, header=False, lineterminator="\n").encode()
    cut = data.index(b"first line\n") + len(b"first line\n") + 3  # inside the quoted field
    path.write_bytes(data[:cut])
    loaded = load_responses(path)
    assert loaded.frame.empty  # Ana's only response is incomplete
    assert loaded.problems


def test_interrupted_append_is_invisible_then_set_aside(tmp_path: Path):
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response("Ana"))
    committed = path.read_bytes()
    # A writer that died mid-append: half a response after the commit mark, ending on a newline.
    half = pulse_response("Ghost").iloc[:7].to_csv(index=False, header=False, lineterminator="\n")
    with open(path, "ab") as handle:
        handle.write(half.encode())
    loaded = load_responses(path)
    assert loaded.frame["respondent"].unique().tolist() == ["Ana"]
    assert any("interrupted" in p for p in loaded.problems)

    append_rows(path, pulse_response("Ben"))
    loaded = load_responses(path)
    assert loaded.problems == []
    assert sorted(loaded.frame["respondent"].unique()) == ["Ana", "Ben"]
    assert path.read_bytes().startswith(committed)
    kept = list(tmp_path.glob("responses.csv.interrupted-*"))
    assert len(kept) == 1 and kept[0].read_text() == half


def _save_in_progress(path: Path, rows: pd.DataFrame) -> FileLock:
    """A writer caught between writing its bytes and committing them: it holds the lock."""
    lock = FileLock(lock_path(path))
    lock.acquire()
    with open(path, "ab") as handle:
        handle.write(rows.to_csv(index=False, header=False, lineterminator="\n").encode())
    return lock


def test_a_save_in_progress_is_not_reported_as_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response("Ana"))
    monkeypatch.setattr("alignment.store.READER_WAIT_SECONDS", 0.2)
    writer = _save_in_progress(path, pulse_response("Ben"))
    try:
        loaded = load_responses(path)
    finally:
        writer.release()
    assert loaded.frame["respondent"].unique().tolist() == ["Ana"]  # Ben is not committed yet
    assert loaded.problems == []


def test_the_cache_key_changes_when_a_save_commits(tmp_path: Path):
    """Bytes land before the commit mark: a load keyed between the two must not be reused."""
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response("Ana"))
    pending = pulse_response("Ben")
    writer = _save_in_progress(path, pending)
    writer.release()
    between = responses_identity(path)
    committed_size = path.stat().st_size
    # The writer now commits exactly the bytes already in the file (as append_rows does).
    fresh_mark = tmp_path / "new.commit"
    fresh_mark.write_text(f'{{"size": {committed_size}, "inode": {path.stat().st_ino}}}')
    fresh_mark.replace(tmp_path / "responses.csv.commit")
    assert responses_identity(path) != between
    assert sorted(load_responses(path).frame["respondent"].unique()) == ["Ana", "Ben"]


def test_foreign_file_is_refused_and_left_untouched(tmp_path: Path):
    path = tmp_path / "responses.csv"
    path.write_text("name,score\nAna,3\n")
    with pytest.raises(StoreError, match="header"):
        append_rows(path, pulse_response())
    assert path.read_text() == "name,score\nAna,3\n"
    with pytest.raises(StoreError, match="expected the columns"):
        load_responses(path)


def test_permission_denied_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response())
    before = path.read_bytes()

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    # Simulated: CI runs as root, which file modes do not stop.
    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(StoreError, match="permission denied"):
        append_rows(path, pulse_response())
    monkeypatch.undo()
    assert path.read_bytes() == before


@pytest.mark.parametrize("aliases", [["Ben"], ["Ben", "Cy", "Dee"]], ids=["one", "import"])
def test_append_failure_leaves_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aliases: list[str]
):
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response("Ana"))
    before = path.read_bytes()
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            real_write(fd, data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    batch = pd.concat([pulse_response(alias) for alias in aliases], ignore_index=True)
    with pytest.raises(StoreError, match="disk is full"):
        append_responses(path, batch)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_responses(path).frame["respondent"].unique().tolist() == ["Ana"]


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("", "enter a name"),
        ("   ", "enter a name"),
        ("x" * 65, "65 characters"),
        ("Ana\tB", "control characters"),
        ("Ana\u200bB", "control characters"),
    ],
)
def test_bad_aliases_are_refused(alias: str, message: str):
    with pytest.raises(ResponseError, match=message):
        pulse_response(alias)


def test_incomplete_answers_are_refused_with_the_missing_items():
    q = load_questionnaire(PULSE)
    answers = {item.id: 3 for item in q.active_items[1:]}
    with pytest.raises(ResponseError, match=q.active_items[0].id):
        build_response(q, "Ana", answers)
    with pytest.raises(ResponseError, match="between 1 and 5"):
        build_response(q, "Ana", {**answers, q.active_items[0].id: 6})


# ---------------------------------------------------------------------------------------------
# Many responses in one write (imports) and deleting


def test_a_file_streamed_block_by_block_loads_its_text_in_one_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "responses.csv"
    note = {"reflect-pulse": "A reflection long enough to fill the blocks. " * 20}
    one = pulse_response("Leader", reflections=note)
    batch = pd.concat(
        [one.assign(response_id=str(uuid.uuid4()), respondent=f"Leader {n}") for n in range(400)],
        ignore_index=True,
    )
    append_responses(path, batch)
    assert path.stat().st_size > 1 << 20  # more than one block of the streaming reader
    whole = load_responses(path).frame
    monkeypatch.setattr(store, "STREAM_BYTES", 0)
    streamed = load_responses(path).frame
    pd.testing.assert_frame_equal(streamed, whole)
    assert_text_in_one_chunk(streamed)


def test_many_responses_append_in_one_write_and_only_once(tmp_path: Path):
    path = tmp_path / "responses.csv"
    batch = pd.concat([pulse_response(alias) for alias in ("Ana", "Ben", "Cy")], ignore_index=True)
    assert append_responses(path, batch) == 3
    before = path.read_bytes()
    assert append_responses(path, batch) == 0  # the same import again adds nothing
    assert path.read_bytes() == before
    assert sorted(load_responses(path).frame["respondent"].unique()) == ["Ana", "Ben", "Cy"]


def test_a_facilitator_delete_keeps_the_file_as_it_was_as_one_backup(tmp_path: Path):
    path = tmp_path / "responses.csv"
    ana = pulse_response("Ana", reflections={"reflect-pulse": 'Kept, "quoted"\nover two lines'})
    ben_first, ben_second = pulse_response("Ben"), pulse_response("Ben", value=2)
    for rows in (ana, ben_first, ben_second):
        append_rows(path, rows)
    original = path.read_bytes()
    ben_ids = {ben_first["response_id"].iloc[0], ben_second["response_id"].iloc[0]}

    deleted = delete_responses(path, ben_ids, keep_backup=True)
    assert (deleted.responses, deleted.rows) == (2, len(ben_first) + len(ben_second))
    assert deleted.backup is not None and deleted.backup.read_bytes() == original
    loaded = load_responses(path)
    assert loaded.problems == []
    assert loaded.frame["respondent"].unique().tolist() == ["Ana"]
    kept = loaded.frame.loc[loaded.frame["item_id"] == "reflect-pulse", "text"].iloc[0]
    assert kept == 'Kept, "quoted"\nover two lines'
    # The file goes on as usual: an append after the delete is seen, and a second delete
    # replaces the backup (one backup, not a pile of them).
    append_rows(path, pulse_response("Cy"))
    assert sorted(load_responses(path).frame["respondent"].unique()) == ["Ana", "Cy"]
    after_cy = path.read_bytes()
    delete_responses(path, {ana["response_id"].iloc[0]}, keep_backup=True)
    assert backup_path(path).read_bytes() == after_cy
    assert list(tmp_path.glob("responses.csv.backup*")) == [backup_path(path)]


def _half_response(rows: pd.DataFrame, count: int = 7) -> bytes:
    """The first rows of a response as a writer that died mid-save leaves them."""
    return rows.iloc[:count].to_csv(index=False, header=False, lineterminator="\n").encode()


def _files_holding(folder: Path, text: bytes) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and text in p.read_bytes())


def test_deleting_ones_own_answers_leaves_no_copy_in_any_file(tmp_path: Path):
    path = tmp_path / "responses.csv"
    words = "Ben Quietly's own words"
    ana, cy, dee = pulse_response("Ana"), pulse_response("Cy"), pulse_response("Dee")
    ben = [pulse_response("Ben Quietly", reflections={"reflect-pulse": words}) for _ in range(2)]
    for rows in (ana, *ben, cy):
        append_rows(path, rows)
    # A facilitator deleted Ana earlier and kept the file as it was (Ben's answers included);
    # a later one was killed while writing the backup.
    delete_responses(path, {ana["response_id"].iloc[0]}, keep_backup=True)
    killed = tmp_path / "responses.csv.backup.tmp"
    killed.write_bytes(backup_path(path).read_bytes()[:-100])
    # A save of Ben's first response was interrupted once (and retried): its leftover is kept
    # beside the file with the half of Dee's that the same crash left.
    with open(path, "ab") as handle:
        handle.write(_half_response(ben[0]) + _half_response(dee))
    append_rows(path, pulse_response("Eve"))
    # And a save is interrupted right now, with more of Ben's rows past the commit mark.
    with open(path, "ab") as handle:
        handle.write(_half_response(ben[1], 3) + _half_response(dee, 2))
    assert _files_holding(tmp_path, b"Ben Quietly") == sorted(
        [path.name, backup_path(path).name, killed.name]
        + [p.name for p in tmp_path.glob("*.interrupted-*")]
    )

    deleted = delete_responses(path, {rows["response_id"].iloc[0] for rows in ben})

    assert (deleted.responses, deleted.backup) == (2, None)
    assert _files_holding(tmp_path, b"Ben Quietly") == []
    assert _files_holding(tmp_path, words.encode()) == []
    for rows in ben:
        assert _files_holding(tmp_path, rows["response_id"].iloc[0].encode()) == []
    # Everyone else's rows are where they were: the facilitator's backup (without Ben) and
    # the leftovers of Dee's interrupted saves.
    assert set(load_responses(backup_path(path)).frame["respondent"]) == {"Ana", "Cy"}
    leftovers = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("*.interrupted-*")))
    assert leftovers == _half_response(dee) + _half_response(dee, 2)
    assert set(load_responses(path).frame["respondent"]) == {"Cy", "Eve"}


def test_an_id_saved_quoted_is_taken_out_of_the_backup_too(tmp_path: Path):
    path = tmp_path / "responses.csv"
    for response_id in ("q,r", "plain", 'with "quotes"'):
        append_rows(path, with_id(response_id, alias=f"Owner of {response_id}"))
    delete_responses(path, {"plain"}, keep_backup=True)
    delete_responses(path, {'with "quotes"'})
    delete_responses(path, {"q,r"})
    assert load_responses(backup_path(path)).frame["response_id"].unique().tolist() == ["plain"]
    assert _files_holding(tmp_path, b"Owner of q,r") == []
    assert _files_holding(tmp_path, b"Owner of with") == []


def test_a_copy_that_cannot_be_rewritten_is_removed_rather_than_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "responses.csv"
    ana, ben = pulse_response("Ana"), pulse_response("Ben")
    for rows in (ana, ben, pulse_response("Cy")):
        append_rows(path, rows)
    delete_responses(path, {ana["response_id"].iloc[0]}, keep_backup=True)
    real_write_whole = store.write_whole

    def disk_full_for_the_backup(target: Path, data: bytes) -> None:
        if target == backup_path(path):
            raise OSError(28, "No space left on device")
        real_write_whole(target, data)

    monkeypatch.setattr(store, "write_whole", disk_full_for_the_backup)
    delete_responses(path, {ben["response_id"].iloc[0]})
    assert not backup_path(path).exists()
    assert set(load_responses(path).frame["respondent"]) == {"Cy"}


def test_deleting_nothing_changes_nothing(tmp_path: Path):
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response("Ana"))
    before = path.read_bytes()
    assert delete_responses(path, {"not-there"}) == Deleted(0, 0, None)
    assert path.read_bytes() == before
    assert not backup_path(path).exists()


def _append_slowly(args: tuple[str, int, int]) -> list[str]:
    path, worker, count = args
    ids = []
    for n in range(count):
        rows = pulse_response(f"Writer{worker}-{n}")
        append_rows(Path(path), rows)
        ids.append(rows["response_id"].iloc[0])
    return ids


def test_delete_while_others_append_loses_no_append(tmp_path: Path):
    path = tmp_path / "responses.csv"
    append_rows(path, pulse_response("Staying"))
    context = multiprocessing.get_context("spawn")
    rewrites = 0
    with context.Pool(4) as pool:
        pending = pool.map_async(_append_slowly, [(str(path), w, 15) for w in range(4)])
        while not pending.ready() or rewrites < 5:
            # Someone answers and then deletes their answers, again and again: each delete
            # rewrites the whole file while the four writers keep appending.
            leaving = pulse_response("Leaving")
            append_rows(path, leaving)
            rewrites += delete_responses(path, {leaving["response_id"].iloc[0]}).responses
        appended = {rid for ids in pending.get(timeout=120) for rid in ids}
    loaded = load_responses(path)
    assert loaded.problems == []
    assert rewrites >= 5
    assert "Leaving" not in set(loaded.frame["respondent"])
    counts = loaded.frame[loaded.frame["respondent"] != "Staying"].groupby("response_id").size()
    assert set(counts.index) == appended  # every append survived the rewrites
    assert (counts == len(pulse_response())).all()


# ---------------------------------------------------------------------------------------------
# A response is saved once, however far back its first copy is


def with_id(response_id: str, alias: str = "Ana") -> pd.DataFrame:
    return pulse_response(alias).assign(response_id=response_id)


def test_saved_ids_are_compared_whole_even_with_commas_in_them(tmp_path: Path):
    path = tmp_path / "responses.csv"
    for response_id in ("abc", "q,r", "xyz"):
        append_rows(path, with_id(response_id))
    batch = pd.concat([with_id(i) for i in ("abc", "new", "q,r", "xy", "abc", "xyz")])
    # "xy" only begins a saved id; "q,r" was saved quoted, as the writer does it.
    assert append_responses(path, batch) == 2
    counts = load_responses(path).frame.groupby("response_id", observed=True).size()
    assert counts.to_dict() == {i: len(with_id(i)) for i in ("abc", "new", "q,r", "xy", "xyz")}


def _many(count: int) -> pd.DataFrame:
    """`count` responses of 20 rows each (about 1.8 KB in the file)."""
    one = pulse_response()
    return pd.concat(
        [one.assign(response_id=str(uuid.uuid4()), respondent=f"P{n}") for n in range(count)],
        ignore_index=True,
    )


_APPEND_IN_ANOTHER_PROCESS = """
import sys
from alignment.store import append_rows, load_responses
print(append_rows(sys.argv[1], load_responses(sys.argv[2]).frame))
"""


def append_elsewhere(path: Path, rows: pd.DataFrame) -> bool:
    """`append_rows` in a fresh process, which has seen nothing of this file before."""
    carrier = path.with_name("carrier.csv")
    carrier.write_bytes(store._HEADER + store.rows_to_csv_bytes(rows))
    done = subprocess.run(
        [sys.executable, "-c", _APPEND_IN_ANOTHER_PROCESS, str(path), str(carrier)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    carrier.unlink()
    return done.stdout.strip() == "True"


def test_a_repeat_older_than_a_mebibyte_is_still_refused(tmp_path: Path):
    path = tmp_path / "responses.csv"
    first = pulse_response("Ana")
    append_rows(path, first)
    start = path.stat().st_size
    append_responses(path, _many(600))
    assert path.stat().st_size - start > 1 << 20
    before = path.read_bytes()

    assert append_rows(path, first) is False  # by this process, which saved it
    assert append_elsewhere(path, first) is False  # by one that reads the file afresh
    assert path.read_bytes() == before


def test_a_save_reads_only_what_was_committed_since_this_process_last_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "responses.csv"
    append_responses(path, _many(300))
    append_rows(path, pulse_response("Warm"))
    assert path.stat().st_size > 500_000
    theirs = pulse_response("Saved by another process")
    assert append_elsewhere(path, theirs) is True

    read = {"bytes": 0}
    real_pread, real_read = os.pread, os.read

    def counted_pread(fd: int, count: int, offset: int) -> bytes:
        data = real_pread(fd, count, offset)
        read["bytes"] += len(data)
        return data

    def counted_read(fd: int, count: int) -> bytes:
        data = real_read(fd, count)
        read["bytes"] += len(data)
        return data

    monkeypatch.setattr(os, "pread", counted_pread)
    monkeypatch.setattr(os, "read", counted_read)
    assert append_rows(path, pulse_response("Next")) is True
    assert read["bytes"] < 3 * len(store.rows_to_csv_bytes(theirs))  # not the 500 KB file
    assert append_rows(path, theirs) is False  # the other process's save was read
    monkeypatch.undo()
    assert load_responses(path).response_count == 303


def test_a_file_rewritten_in_place_is_read_again(tmp_path: Path):
    """Only bytes before the commit mark are taken as known; a file replaced by other bytes
    under the same inode number (numbers are reused) is read again in full."""
    path = tmp_path / "responses.csv"
    ana, ben = pulse_response("Ana"), pulse_response("Ben")
    append_rows(path, ana)
    append_rows(path, ben)
    other = store._HEADER + store.rows_to_csv_bytes(_many(3))
    with open(path, "r+b") as handle:
        handle.write(other)
        handle.truncate()
    store._write_mark(path, len(other), path.stat().st_ino)

    assert append_rows(path, ana) is True  # the file does not hold Ana any more
    assert append_rows(path, pulse_response("Cy")) is True
    assert load_responses(path).response_count == 5


# ---------------------------------------------------------------------------------------------
# Files written the way spreadsheets and Python's csv module write them stay on the fast path


def _spreadsheet_style(lf: bytes) -> bytes:
    """The same file with CRLF line ends and a byte-order mark, as Excel saves CSV UTF-8."""
    return b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r\n")


def test_a_crlf_file_with_a_bom_loads_on_the_fast_path_as_its_lf_twin_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    lf = SAMPLE_RESPONSES.read_bytes()
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(_spreadsheet_style(lf))
    careful: list[int] = []
    monkeypatch.setattr(store.pd, "read_csv", lambda *a, **k: careful.append(1))
    loaded = load_responses(crlf)
    assert careful == [], "the CRLF file took the slow careful path"
    expected = load_responses(SAMPLE_RESPONSES).frame
    pd.testing.assert_frame_equal(
        loaded.frame.astype(str), expected.astype(str), check_categorical=False
    )
    assert loaded.problems == []


def test_a_header_with_every_name_quoted_loads_on_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    lf = SAMPLE_RESPONSES.read_bytes()
    header, rest = lf.split(b"\n", 1)
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b",".join(b'"' + name + b'"' for name in header.split(b",")) + b"\n" + rest)
    careful: list[int] = []
    monkeypatch.setattr(store.pd, "read_csv", lambda *a, **k: careful.append(1))
    loaded = load_responses(quoted)
    monkeypatch.undo()
    assert careful == []
    pd.testing.assert_frame_equal(loaded.frame, load_responses(SAMPLE_RESPONSES).frame)


def test_a_spreadsheet_file_taken_as_the_data_file_is_appended_to(tmp_path: Path):
    """Excel's CRLF and byte-order mark are not a foreign header: the next save goes on."""
    path = tmp_path / "responses.csv"
    path.write_bytes(_spreadsheet_style(SAMPLE_RESPONSES.read_bytes()))
    before = load_responses(path).frame
    added = pulse_response("After Excel")
    assert append_rows(path, added)
    after = load_responses(path)
    assert after.problems == []
    assert len(after.frame) == len(before) + len(added)
    assert after.frame["respondent"].iloc[-1] == "After Excel"
    pd.testing.assert_frame_equal(
        store.with_text_columns(after.frame.iloc[: len(before)]), store.with_text_columns(before)
    )
