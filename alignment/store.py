"""The append-only responses CSV (DESIGN.md contract) and its crash-safe commit protocol.

Every response is appended whole, in one write, under a file lock. After the bytes are on disk a
small sidecar (`<file>.commit`) records how many bytes are committed. Readers only read up to
that mark, so they never see half a response, even while a writer is busy or after a writer was
killed mid-write. The next append sets any uncommitted tail aside in a `.interrupted-*` file (so
nothing is ever thrown away) and truncates the data file back to the mark.

A file without a valid sidecar (sample data, a file copied in by hand) is read whole, except a
torn last line, which is skipped and reported with the rest of its response.
"""

from __future__ import annotations

import csv
import functools
import glob
import io
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from filelock import FileLock, Timeout

# Arrow's own pool (mimalloc) keeps the pages of freed parse blocks for later; the C allocator
# gives them back. At a million answer rows that lowers the peak of load + score by ~40 MB.
# (Process-wide on purpose: the strings a load leaves in the frame live in this pool too.)
pa.set_memory_pool(pa.system_memory_pool())

RESPONSE_COLUMNS = [
    "response_id",
    "submitted_at",
    "respondent",
    "session",
    "questionnaire_id",
    "questionnaire_version",
    "item_id",
    "value",
    "text",
]
_HEADER = (",".join(RESPONSE_COLUMNS) + "\n").encode()
LOCK_TIMEOUT_SECONDS = 30
READER_WAIT_SECONDS = 5
STREAM_BYTES = 4 << 20  # larger committed files are parsed block by block


class StoreError(Exception):
    """The data file cannot be read or written; the message says what to do."""


@dataclass(frozen=True)
class Committed:
    """Where a read of committed bytes stopped: the mark's size, the file it describes and the
    bytes just before it (an inode number is reused after rewrites; those bytes are not)."""

    size: int
    inode: int
    ending: bytes

    @classmethod
    def of(cls, fd: int, size: int, inode: int) -> Committed:
        """The first `size` bytes of the file open as `fd`."""
        start = max(0, size - _ENDING_BYTES)
        return cls(size, inode, os.pread(fd, size - start, start))

    def held_by(self, fd: int, inode: int, size: int) -> bool:
        """Whether the file open as `fd` (`inode`, `size` bytes committed) is this one, grown
        by appends or not: the same file, no shorter, the same bytes where these ended."""
        start = self.size - len(self.ending)
        return (
            inode == self.inode
            and size >= self.size
            and os.pread(fd, len(self.ending), start) == self.ending
        )

    def grown(self, size: int, appended: bytes) -> Committed:
        """Where the read stops once `appended` (the bytes after this) has been read too."""
        return Committed(size, self.inode, (self.ending + appended)[-_ENDING_BYTES:])


@dataclass(frozen=True)
class LoadedResponses:
    """The committed responses of a file, plus what was skipped and why.

    `committed` says where the read stopped, so what a save appends later can be read on its
    own (`read_committed_after`); None when the read had problems.
    """

    path: Path
    frame: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    committed: Committed | None = None

    @property
    def response_count(self) -> int:
        return int(self.frame["response_id"].nunique())


def empty_responses() -> pd.DataFrame:
    """No responses, typed as a load types them (a copy: pandas copies on write)."""
    return _empty_responses().copy(deep=False)


@functools.cache
def _empty_responses() -> pd.DataFrame:
    """Made once: building it costs ~4 ms, and every idle live refresh returns one."""
    kinds = {
        "submitted_at": "datetime64[us, UTC]",
        "questionnaire_version": "Int64",
        "value": "float64",
    }
    return pd.DataFrame({c: pd.Series(dtype=kinds.get(c, "str")) for c in RESPONSE_COLUMNS})


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _commit_path(path: Path) -> Path:
    return path.with_name(path.name + ".commit")


def file_identity(path: str | Path) -> tuple[str, int, int]:
    """(path, size, mtime) — changes whenever the file does; the key for caching a load."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (str(path), -1, -1)
    return (str(path), stat.st_size, stat.st_mtime_ns)


def responses_identity(path: str | Path) -> tuple[str, int, int, int, int]:
    """The file's identity and its commit mark's: a save's bytes land before its commit does,
    so a load cached between the two must not outlive the commit (each commit is a new file)."""
    try:
        mark = _commit_path(Path(path)).stat()
    except FileNotFoundError:
        return (*file_identity(path), -1, -1)
    return (*file_identity(path), mark.st_ino, mark.st_mtime_ns)


# ---------------------------------------------------------------------------------------------
# The commit mark


def _read_mark(path: Path) -> dict[str, int] | None:
    try:
        mark = json.loads(_commit_path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return None
    if isinstance(mark, dict) and isinstance(mark.get("size"), int):
        return mark
    return None


def _write_mark(path: Path, size: int, inode: int) -> None:
    target = _commit_path(path)
    temporary = target.with_name(target.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"size": size, "inode": inode}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def _committed_size(mark: dict[str, int] | None, stat: os.stat_result) -> int | None:
    """Bytes committed by our writers, or None when the mark does not describe this file."""
    if mark is None or mark.get("inode") != stat.st_ino or mark["size"] > stat.st_size:
        return None
    return mark["size"]


def _last_record_end(data: bytes) -> int:
    """Offset just past the last newline that ends a CSV record (not one inside quotes).

    A newline ends a record when an even number of quotes stands before it; the quotes are
    counted once and the tail's subtracted as the search walks back.
    """
    quotes_before = data.count(b'"')
    position = len(data)
    while True:
        newline = data.rfind(b"\n", 0, position)
        if newline < 0:
            return 0
        quotes_before -= data.count(b'"', newline, position)
        position = newline
        if quotes_before % 2 == 0:
            return newline + 1


# ---------------------------------------------------------------------------------------------
# Writing


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the store's lock; every writer (append, rewrite) goes through here."""
    lock = FileLock(lock_path(path), timeout=LOCK_TIMEOUT_SECONDS)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout as exc:
        raise StoreError(
            f"{path}: another save has held the data file for over {LOCK_TIMEOUT_SECONDS} s; "
            "please try again"
        ) from exc
    except PermissionError as exc:
        raise StoreError(f"{path.parent}: permission denied; nothing was saved") from exc
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot write there ({exc.strerror})") from exc
    try:
        yield
    finally:
        lock.release()


def rows_to_csv_bytes(rows: pd.DataFrame) -> bytes:
    """Rows in the contract's column order, without header, as the store writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = [_cells(rows[column]) for column in RESPONSE_COLUMNS]
    with_return = np.zeros(len(rows), dtype=bool)
    for texts, codes in columns:
        has_return = np.array([*("\r" in text for text in texts[:-1]), False])
        with_return |= has_return[codes]
    records = zip(*(texts[codes] for texts, codes in columns), strict=True)
    if not with_return.any():
        writer.writerows(records)
        return buffer.getvalue().encode("utf-8")
    for record, needs_quoting in zip(records, with_return.tolist(), strict=True):
        if needs_quoting:
            # Python 3.11's writer quotes only for the "\n" terminator, so a lone carriage
            # return would go out bare and end the record early for every CSV reader.
            buffer.write(",".join(_quoted(cell) for cell in record) + "\n")
        else:
            writer.writerow(record)
    return buffer.getvalue().encode("utf-8")


def _cells(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's distinct cells as text (the last one empty, for missing values) and each row's
    index into them: an import of 20,000 responses formats a few thousand texts, not 3.7 million
    cells."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    texts = np.array([*(_format_cell(value) for value in distinct), ""], dtype=object)
    return texts, codes


def _quoted(cell: str) -> str:
    """One cell as the csv writer quotes it (minimal quoting), and also for a carriage return."""
    if any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _format_cell(value: object) -> str:
    if isinstance(value, datetime | pd.Timestamp):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _set_aside(path: Path, tail: bytes) -> Path:
    """Keep an interrupted save's leftovers beside the file (never deleted) before going on."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    keep = path.with_name(f"{path.name}.interrupted-{stamp}")
    try:
        keep.write_bytes(tail)
    except OSError as exc:
        keep.unlink(missing_ok=True)
        raise StoreError(
            f"{path}: could not set aside what an interrupted save left ({exc.strerror}); "
            "nothing was changed"
        ) from exc
    return keep


_HEAD_BYTES = 256  # the header with a byte-order mark, every name quoted and a CRLF end


def _is_header(head: bytes) -> bool:
    """Whether the first line of `head` is the contract's header, written by us (LF) or by a
    spreadsheet or Python's csv module: a byte-order mark, a CRLF end, names in quotes."""
    first_line = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").removesuffix(b"\r")
    if first_line == _HEADER.rstrip(b"\n"):
        return True
    try:
        return next(csv.reader([first_line.decode("utf-8")])) == RESPONSE_COLUMNS
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return False


def _check_header(path: Path, fd: int) -> None:
    head = os.pread(fd, _HEAD_BYTES, 0)
    if not _is_header(head):
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
        raise StoreError(
            f"{path}: the first line should be the header '{_HEADER.decode().strip()}' but is "
            f"'{first}'. Nothing was saved; move that file aside or fix its header."
        )


def append_rows(path: str | Path, rows: pd.DataFrame) -> bool:
    """Append one response's rows whole, or nothing at all.

    Idempotent per response: when the response id was saved already (a double click, a retried
    request) nothing is written and False is returned. Raises StoreError with a plain message
    (disk full, permission denied, a foreign file); the file is then exactly as it was.
    """
    if rows["response_id"].nunique() != 1:
        raise ValueError("append_rows takes the rows of exactly one response")
    return append_responses(path, rows) == 1


def append_responses(path: str | Path, rows: pd.DataFrame) -> int:
    """Append whole responses (one or many, e.g. an import) in one write: all or none.

    Responses whose id the committed file holds already (anywhere in it) are left out, checked
    under the lock, so a double click, a retried request or two imports of one file at the same
    time save each response once. Returns how many were written.
    """
    path = Path(path)
    with locked(path):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError as exc:
            raise StoreError(f"{path}: permission denied; nothing was saved") from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the data file ({exc.strerror})") from exc
        try:
            return _append_locked(path, fd, rows)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------------------
# Which responses are saved already

_ENDING_BYTES = 64


@dataclass
class _SavedIds:
    """The response ids in the committed bytes a save of this process last saw."""

    committed: Committed
    ids: set[str]


# What this process saw at its last save to each data file (by real path). Bytes before the
# commit mark never change in place, so the next save under the lock only reads what was
# committed since (by any process): at a million rows a single response reads kilobytes, not
# the 100 MB file. Only touched while the file's lock is held.
_saved_ids: dict[str, _SavedIds] = {}


def _ids_in(data: bytes, path: Path) -> set[str]:
    """The response ids of committed bytes (header first), reading only that one column."""
    if _is_header(data[:_HEAD_BYTES]):
        try:
            reader = pa_csv.open_csv(
                pa.BufferReader(pa.py_buffer(data)),
                read_options=pa_csv.ReadOptions(
                    column_names=RESPONSE_COLUMNS, skip_rows=1, block_size=4 << 20
                ),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=["response_id"],
                    column_types={"response_id": pa.dictionary(pa.int32(), pa.string())},
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            ids: set[str] = set()
            for batch in reader:
                ids.update(batch.column(0).dictionary.to_pylist())
            return ids
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # malformed lines: the careful parse reads past them
    frame, _ = _parse(data, path)
    return set(frame["response_id"].astype("str"))


def _committed_ids(path: Path, fd: int, committed: int, inode: int) -> set[str]:
    """Every response id of the committed bytes, reading only those committed since this
    process last looked (the whole file the first time, or after a rewrite)."""
    key = os.path.realpath(path)
    known = _saved_ids.get(key)
    if (
        known is None
        or known.committed.size == 0
        or not known.committed.held_by(fd, inode, committed)
    ):
        ids = _ids_in(os.pread(fd, committed, 0), path)
    elif committed > known.committed.size:
        since = os.pread(fd, committed - known.committed.size, known.committed.size)
        ids = known.ids | _ids_in(_HEADER + since, path)
    else:
        ids = known.ids
    _saved_ids[key] = _SavedIds(Committed.of(fd, committed, inode), ids)
    return ids


def _remember_ids(path: Path, committed: Committed, ids: set[str]) -> None:
    """Record what a save or rewrite of this process left."""
    _saved_ids[os.path.realpath(path)] = _SavedIds(committed, ids)


def response_ids(path: str | Path) -> set[str]:
    """The id of every committed response in `path`: what an import plans against.

    Read without the lock (a plan is a preview); the save checks again under it.
    """
    path = Path(path)
    try:
        data, committed, _ = _read_consistent(path)
    except FileNotFoundError:
        return set()
    except PermissionError as exc:
        raise StoreError(f"{path}: permission denied; cannot read the responses") from exc
    if committed is None:
        data = data[: _last_record_end(data)]
    return _ids_in(data, path) if data.strip() else set()


def _append_locked(path: Path, fd: int, rows: pd.DataFrame) -> int:
    stat = os.fstat(fd)
    committed = _committed_size(_read_mark(path), stat)
    if committed is None:
        committed = stat.st_size
        if committed:
            os.lseek(fd, 0, os.SEEK_SET)
            existing = os.read(fd, committed)
            committed = _last_record_end(existing) if not existing.endswith(b"\n") else committed
    if committed:
        _check_header(path, fd)
    if stat.st_size > committed:
        os.lseek(fd, committed, os.SEEK_SET)
        _set_aside(path, os.read(fd, stat.st_size - committed))
        os.ftruncate(fd, committed)
    saved = _committed_ids(path, fd, committed, stat.st_ino) if committed else set()
    fresh = [i for i in dict.fromkeys(rows["response_id"].astype("str")) if i not in saved]
    if not fresh:
        return 0
    payload = rows_to_csv_bytes(rows[rows["response_id"].astype("str").isin(fresh)])
    if committed == 0:
        payload = _HEADER + payload
    os.lseek(fd, committed, os.SEEK_SET)
    try:
        written = 0
        while written < len(payload):
            written += os.write(fd, payload[written:])
        os.fsync(fd)
    except OSError as exc:
        os.ftruncate(fd, committed)
        reason = "the disk is full" if exc.errno == 28 else exc.strerror
        raise StoreError(
            f"{path}: could not save the response ({reason}); nothing was saved"
        ) from exc
    try:
        _write_mark(path, committed + len(payload), stat.st_ino)
    except OSError as exc:
        os.ftruncate(fd, committed)
        raise StoreError(
            f"{path}: could not record the save ({exc.strerror}); nothing was saved"
        ) from exc
    _remember_ids(path, Committed.of(fd, committed + len(payload), stat.st_ino), saved | set(fresh))
    return len(fresh)


# ---------------------------------------------------------------------------------------------
# Deleting


@dataclass(frozen=True)
class Deleted:
    responses: int
    rows: int
    backup: Path | None  # the file as it was before, when asked for; kept until the next delete


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".backup")


def delete_responses(
    path: str | Path, response_ids: Iterable[str], *, keep_backup: bool = False
) -> Deleted:
    """Remove these responses: an atomic rewrite under the store's lock.

    Without `keep_backup` (a person deleting their own answers) no copy of them is left in any
    file the store writes: they are also taken out of the backup of an earlier delete and of
    interrupted saves' leftovers. With it (a facilitator's delete) the file as it was is kept as
    the one backup, until the next delete.

    Appends wait for the lock, so none is lost; they land in the rewritten file. Readers see
    the old file or the new one, never a mix (the new file replaces the old in one rename).
    An interrupted save's leftovers are set aside first, as an append would.
    """
    path = Path(path)
    doomed = set(response_ids)
    with locked(path):
        if not path.exists() or not doomed:
            return Deleted(0, 0, None)
        data, committed, size = _read_consistent(path)
        if committed is None and data and not data.endswith(b"\n"):
            committed = _last_record_end(data)
            data = data[:committed]
        if committed is not None and size > committed:
            with open(path, "rb") as handle:
                handle.seek(committed)
                leftover = handle.read()
            if not keep_backup:
                leftover = _without_responses(leftover, doomed)
            if leftover:
                _set_aside(path, leftover)
        frame, _ = _parse(data, path) if data.strip() else (empty_responses(), [])
        gone = frame["response_id"].isin(doomed)
        if not gone.any():
            if not keep_backup:
                _remove_copies(path, doomed)
            return Deleted(0, 0, None)
        kept = frame.loc[~gone]
        payload = _HEADER + rows_to_csv_bytes(kept)
        backup = backup_path(path) if keep_backup else None
        try:
            if backup is not None:
                write_whole(backup, path.read_bytes())
            write_whole(path, payload)
        except OSError as exc:
            raise StoreError(
                f"{path}: could not delete ({exc.strerror}); nothing was changed"
            ) from exc
        if not keep_backup:
            _remove_copies(path, doomed)
        inode = path.stat().st_ino
        try:
            _write_mark(path, len(payload), inode)
        except OSError as exc:  # the file is whole; readers take it as it is without a mark
            kept_as = f" (backup: {backup.name})" if backup else ""
            raise StoreError(
                f"{path}: the responses were deleted{kept_as}, but the change could not be "
                f"recorded ({exc.strerror}); the data file itself is complete"
            ) from exc
        ending = payload[-_ENDING_BYTES:]
        _remember_ids(
            path,
            Committed(len(payload), inode, ending),
            set(map(str, kept["response_id"].unique())),
        )
    return Deleted(int(frame.loc[gone, "response_id"].nunique()), int(gone.sum()), backup)


def _remove_copies(path: Path, doomed: set[str]) -> None:
    """Take the `doomed` responses out of the backup (and what a killed write of it left) and
    the interrupted saves' leftovers.

    Privacy comes before keeping a copy: a file that cannot be rewritten is removed, and only
    when that fails too does the delete report that a copy is left.
    """
    leftovers = path.parent.glob(glob.escape(path.name) + ".interrupted-*")
    backup = backup_path(path)
    for copy in [backup, _temporary_path(backup), *sorted(leftovers)]:
        try:
            data = copy.read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            data = None  # unreadable: it may hold them, so it goes
        if data is not None and not _may_hold(data, doomed):
            continue
        left = b"" if data is None else _without_responses(data, doomed)
        if left == data:
            continue  # an id only inside someone's text
        try:
            if left.lstrip(b"\xef\xbb\xbf") in (b"", _HEADER):
                copy.unlink()
            else:
                write_whole(copy, left)
        except OSError:
            try:
                copy.unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"{path}: the responses were deleted, but {copy.name} beside it still holds "
                    f"a copy and cannot be changed ({exc.strerror}); delete that file by hand"
                ) from exc


_QUICK_LOOKS = 16


def _may_hold(data: bytes, doomed: set[str]) -> bool:
    """Whether `data` may hold rows of `doomed` responses. A few ids (one person's) are looked
    for directly, far faster than reading a large backup record by record; many ids would make
    that slower than reading it, so then the answer is yes."""
    written = (key.replace('"', '""').encode() for key in doomed)  # as the CSV quotes them
    return len(doomed) > _QUICK_LOOKS or any(key in data for key in written)


def _without_responses(data: bytes, doomed: set[str]) -> bytes:
    """CSV records (with or without the header, perhaps torn at the end) without those of the
    `doomed` responses; every other byte stays as it was."""
    kept: list[bytes] = []
    start = position = quotes = 0
    while start < len(data):
        newline = data.find(b"\n", position)
        end = len(data) if newline < 0 else newline + 1
        quotes += data.count(b'"', position, end)
        position = end
        if newline >= 0 and quotes % 2:
            continue  # that line break is inside a quoted text
        record = data[start:end]
        if _response_of(record) not in doomed:
            kept.append(record)
        start, quotes = end, 0
    return b"".join(kept)


def _response_of(record: bytes) -> str:
    """The response id a CSV record starts with (quoted when it holds a comma or a quote)."""
    if not record.startswith(b'"'):
        return record.split(b",", 1)[0].decode("utf-8", "replace")
    return next(csv.reader([record.decode("utf-8", "replace")]))[0]


def _temporary_path(target: Path) -> Path:
    return target.with_name(target.name + ".tmp")


def write_whole(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one rename, after the bytes are on disk."""
    temporary = _temporary_path(target)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Reading


class _Span(io.RawIOBase):
    """The first `length` bytes of an open data file, read as a stream (large files are parsed
    block by block instead of being held whole). Bytes before the commit mark never change in
    place: appends go after it and rewrites replace the file, so the open handle stays valid."""

    def __init__(self, handle: io.BufferedReader, length: int) -> None:
        super().__init__()
        self._handle, self.length, self._left = handle, length, length
        self.inode = os.fstat(handle.fileno()).st_ino
        handle.seek(0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        count = self._handle.readinto(memoryview(buffer)[: min(len(buffer), self._left)])
        self._left -= count or 0
        return count or 0

    def peek_at(self, start: int, count: int) -> bytes:
        """`count` bytes from `start` (within the span), without moving the stream."""
        here = self._handle.tell()
        self._handle.seek(start)
        data = self._handle.read(max(0, min(count, self.length - start)))
        self._handle.seek(here)
        return data

    def whole(self) -> bytes:
        self._handle.seek(0)
        return self._handle.read(self.length)

    def close(self) -> None:
        self._handle.close()
        super().close()


def _read_consistent(
    path: Path, *, keep_open: bool = False
) -> tuple[bytes | _Span, int | None, int]:
    """The committed bytes, the commit mark's size (None without one) and the file's size.

    With `keep_open` the bytes come as an open `_Span` (the caller closes it) instead.
    """
    for _attempt in range(5):
        mark = _read_mark(path)
        handle = open(path, "rb")  # noqa: SIM115 - handed over as a _Span or closed below
        try:
            stat = os.fstat(handle.fileno())
            if _read_mark(path) != mark:
                handle.close()
                continue  # a writer committed meanwhile; read a consistent pair again
            committed = _committed_size(mark, stat)
            length = stat.st_size if committed is None else committed
            if keep_open:
                return _Span(handle, length), committed, stat.st_size
            data = handle.read(length)
        except BaseException:
            handle.close()
            raise
        handle.close()
        return data, committed, stat.st_size
    raise StoreError(f"{path}: the file kept changing while being read; please reload")


def _read_committed(path: Path, *, keep_open: bool = False) -> tuple[bytes | _Span, list[str]]:
    """Committed bytes; bytes past the mark are only called interrupted once no save is at work.

    While another save holds the lock, its bytes are already in the file but not yet committed:
    that is a save in progress, not a problem, so the reader waits for it (briefly) and reads
    again under the lock. With `keep_open` the bytes come as an open `_Span` to stream.
    """
    data, committed, size = _read_consistent(path, keep_open=keep_open)
    if committed is None or size <= committed:
        return data, []
    try:
        with FileLock(lock_path(path), timeout=READER_WAIT_SECONDS):
            again, committed, size = _read_consistent(path, keep_open=keep_open)
    except Timeout:
        return data, []  # a slow save is still at work; its bytes will be committed
    except OSError:
        pass  # cannot take the lock here (read-only folder): no save can be at work either
    else:
        if isinstance(data, _Span):
            data.close()
        data = again
    if committed is not None and size > committed:
        return data, [
            f"An interrupted save left {size - committed} bytes at the end of {path.name}; "
            "they are ignored and will be set aside at the next save."
        ]
    return data, []


def _drop_torn_tail(data: bytes, path: Path) -> tuple[bytes, str | None, list[str]]:
    """Cut a torn last line off; return the fragment's response id (if known)."""
    if not data or data.endswith(b"\n"):
        return data, None, []
    end = _last_record_end(data)
    fragment = data[end:]
    response_id = fragment.split(b",", 1)[0].decode("utf-8", "replace")
    complete = b"," in fragment
    line = data.count(b"\n", 0, end) + 1
    return (
        data[:end],
        response_id if complete else f"prefix:{response_id}",
        [
            f"{path.name} line {line} is incomplete (a save was interrupted); that response is "
            "skipped."
        ],
    )


# Columns whose few distinct values repeat on every answer row: read as categoricals, so a
# million rows keep one copy of each text and compare, filter and group on small integer codes.
# (The respondent stays plain text: a name is the column people and code rewrite.)
CATEGORICAL_COLUMNS = ("response_id", "session", "questionnaire_id", "item_id")
# Columns typed once per distinct text rather than once per row.
_PARSED_COLUMNS = ("submitted_at", "questionnaire_version", "value")


def _parse_fast(data: bytes | _Span) -> pd.DataFrame | None:
    """The common case, read by Arrow straight into dictionary columns; None when unsure."""
    head = data.peek_at(0, _HEAD_BYTES) if isinstance(data, _Span) else data[:_HEAD_BYTES]
    if not _is_header(head):
        return None  # a foreign header: the careful path words the error
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {
        c: pa.string() if c in ("respondent", "text") else dictionary for c in RESPONSE_COLUMNS
    }
    try:
        # Streamed in small blocks, so parsing needs little beyond the bytes and the result.
        reader = pa_csv.open_csv(
            data if isinstance(data, _Span) else pa.BufferReader(pa.py_buffer(data)),
            read_options=pa_csv.ReadOptions(
                column_names=RESPONSE_COLUMNS, skip_rows=1, block_size=1 << 20, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        table = reader.read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # malformed lines or bad bytes: the careful path says which
    large = table.nbytes > STREAM_BYTES
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table, reader
    if large:  # hand the parse buffers back to the system (a trim costs ~50 ms at any size)
        pa.default_memory_pool().release_unused()
    for column in CATEGORICAL_COLUMNS:
        values = frame[column]
        categories = values.cat.categories
        if not categories.is_monotonic_increasing:  # sort like text sorts
            frame[column] = values.cat.reorder_categories(categories.sort_values())
    return frame


def with_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A few rows with their categorical columns as plain text again: a small slice of a long
    history (one session's rows) then stops carrying every id of the history along, and adding
    rows to it (pd.concat) keeps the text dtype."""
    if not any(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns):
        return frame
    return frame.assign(
        **{
            c: frame[c].astype("str")
            for c in frame.columns
            if isinstance(frame[c].dtype, pd.CategoricalDtype)
        }
    )


def _parse(data: bytes, path: Path) -> tuple[pd.DataFrame, list[str]]:
    fast = _parse_fast(data)
    if fast is not None:
        return fast, []
    problems: list[str] = []
    options = {"dtype": str, "keep_default_na": False, "na_filter": False, "encoding": "utf-8"}
    try:
        frame = pd.read_csv(io.BytesIO(data), **options)
    except pd.errors.ParserError:
        bad: list[int] = []

        def skip(fields: list[str]) -> None:
            bad.append(len(fields))

        frame = pd.read_csv(io.BytesIO(data), engine="python", on_bad_lines=skip, **options)
        problems.append(f"{len(bad)} malformed line(s) in {path.name} were skipped")
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path}: not UTF-8 text at byte {exc.start}") from exc
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    if list(frame.columns) != RESPONSE_COLUMNS:
        raise StoreError(
            f"{path}: expected the columns {', '.join(RESPONSE_COLUMNS)} but found "
            f"{', '.join(map(str, frame.columns))}"
        )
    for column in CATEGORICAL_COLUMNS:
        frame[column] = frame[column].astype(
            pd.CategoricalDtype(pd.Index(frame[column].unique(), dtype="str").sort_values())
        )
    return frame, problems


def _per_distinct(values: pd.Series, convert) -> pd.Series:
    """`convert` applied once per distinct text, then spread over the rows (codes index it)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, distinct = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, distinct = pd.factorize(values.to_numpy(), use_na_sentinel=True)
        distinct = pd.Index(distinct, dtype="str")
    converted = convert(pd.Series(distinct, dtype="str"))
    spread = converted.array.take(codes, allow_fill=True)  # code -1 (no value) becomes missing
    return pd.Series(spread, index=values.index, name=values.name)


def text_in_one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each Arrow text column in one chunk (a shallow copy when any is joined).

    To take a few rows of a text column in many chunks (the reader's blocks, one more per
    appended save), Arrow first joins every chunk: 6-10 ms per column of a million rows, on
    every page that picks out someone's responses. Joined once here, a take costs its rows.
    """
    joined = frame
    for name in frame.columns:
        column = frame[name]
        if not isinstance(column.array, pd.arrays.ArrowStringArray):
            continue
        chunks = pa.array(column.array)
        if isinstance(chunks, pa.ChunkedArray) and chunks.num_chunks > 1:
            if joined is frame:
                joined = frame.copy(deep=False)
            one = pd.array(chunks.combine_chunks(), dtype=column.dtype)
            joined[name] = pd.Series(one, index=frame.index, name=name)
    return joined


def _typed(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    problems: list[str] = []
    frame = frame.copy(deep=False)
    frame["submitted_at"] = _per_distinct(
        frame["submitted_at"],
        lambda t: pd.to_datetime(t, utc=True, format="ISO8601", errors="coerce"),
    )
    frame["questionnaire_version"] = _per_distinct(
        frame["questionnaire_version"],
        lambda v: pd.to_numeric(v, errors="coerce").astype("Int64"),
    )
    raw_value = frame["value"]
    frame["value"] = _per_distinct(
        raw_value, lambda v: pd.to_numeric(v.where(v != ""), errors="coerce").astype("float64")
    )
    unreadable_value = (raw_value != "") & frame["value"].isna()
    if unreadable_value.any():
        problems.append(
            f"{int(unreadable_value.sum())} answer(s) in {path.name} are not numbers and count "
            "as unanswered"
        )
    broken = (frame["response_id"] == "") | frame["submitted_at"].isna()
    if broken.any():
        lines = ", ".join(str(i + 2) for i in frame.index[broken][:5])
        problems.append(
            f"{int(broken.sum())} row(s) in {path.name} without a response id or a readable "
            f"time were skipped (line {lines}{'…' if broken.sum() > 5 else ''})"
        )
        frame = frame.loc[~broken]
        for column in CATEGORICAL_COLUMNS:
            frame[column] = frame[column].cat.remove_unused_categories()
    return text_in_one_chunk(frame.reset_index(drop=True)), problems


def load_responses(path: str | Path) -> LoadedResponses:
    """Every committed, whole response in `path` with typed columns.

    A missing or empty file is simply no responses. Problems that made rows unusable are listed
    in `problems`; a file that is not a responses CSV at all raises StoreError.
    """
    path = Path(path)
    try:
        span, problems = _read_committed(path, keep_open=True)
    except FileNotFoundError:
        return LoadedResponses(path, empty_responses())
    except PermissionError as exc:
        raise StoreError(f"{path}: permission denied; cannot read the responses") from exc
    with span:
        committed = _where_committed(path, span)
        # A large file of whole records streams into Arrow without being held whole.
        if span.length > STREAM_BYTES and span.peek_at(span.length - 1, 1) == b"\n":
            frame = _parse_fast(span)
            if frame is not None:
                frame, type_problems = _typed(frame, path)
                problems += type_problems
                return LoadedResponses(path, frame, problems, None if problems else committed)
        data = span.whole()
    if not data.strip():
        return LoadedResponses(path, empty_responses(), problems)
    data, torn_id, torn_problems = _drop_torn_tail(data, path)
    problems += torn_problems
    frame, parse_problems = _parse(data, path)
    del data  # the text is parsed; let its memory go before typing
    problems += parse_problems
    if torn_id is not None and not frame.empty:
        if torn_id.startswith("prefix:"):
            last = frame["response_id"].iloc[-1]
            torn_id = last if last.startswith(torn_id.removeprefix("prefix:")) else None
        if torn_id is not None:
            frame = frame.loc[frame["response_id"] != torn_id]
    frame, type_problems = _typed(frame, path)
    problems += type_problems
    return LoadedResponses(path, frame, problems, None if problems else committed)


def _where_committed(path: Path, span: _Span) -> Committed | None:
    """Where the span ends: at this file's commit mark, or at the end of a file without a mark
    of its own (the next save marks it, and growth is then read from here)."""
    mark = _read_mark(path)
    if mark is not None and mark.get("inode") == span.inode and mark["size"] != span.length:
        return None
    start = max(0, span.length - _ENDING_BYTES)
    return Committed(span.length, span.inode, span.peek_at(start, span.length - start))


def read_committed_after(
    path: str | Path, committed: Committed
) -> tuple[pd.DataFrame, Committed] | None:
    """The responses committed after `committed` (a load's end) and where they end, or None
    when the file is not that file grown by appends (rewritten, replaced, shrunk, without a
    mark, or with rows that need the careful reader): then only a whole load will do."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            mark = _read_mark(path)
            stat = os.fstat(handle.fileno())
            end = _committed_size(mark, stat)
            if end is None or not committed.held_by(handle.fileno(), stat.st_ino, end):
                return None
            if end == committed.size:
                return empty_responses(), committed
            handle.seek(committed.size)
            chunk = handle.read(end - committed.size)
    except OSError:
        return None
    frame = _parse_fast(_HEADER + chunk)
    if frame is None:
        return None
    frame, problems = _typed(frame, path)
    if problems:
        return None
    return frame, committed.grown(end, chunk)
