"""CSV text of a table at Arrow speed, byte for byte what `DataFrame.to_csv` writes.

`to_csv` formats and quotes every cell in Python: a scores file of a long history (a quarter of a
million rows) took 5 s. Exports repeat a few thousand distinct texts and numbers over millions
of cells, so each column's distinct values are formatted and quoted once, in Python, and Arrow
spreads them over the rows and joins the lines in C.

The output is exactly `frame.to_csv(index=False, float_format=..., lineterminator=...)`: the
same number formatting (a float format for float columns, NumPy's shortest text otherwise),
empty cells for missing values, and the csv module's minimal quoting (a cell is quoted when it
holds the delimiter, a quote or a character of the line ending). A column of a kind this module
does not format (times, mixed objects) sends the whole table to pandas instead, so no table is
ever written differently from `to_csv`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def frame_csv(frame: pd.DataFrame, *, float_format: str | None = None, ending: str = "\n") -> bytes:
    """The CSV of `frame` (header first, no index) in UTF-8, as `to_csv` writes it."""
    special = frozenset(',"' + ending)
    columns = [
        _column_cells(frame.iloc[:, i], float_format, special) for i in range(frame.shape[1])
    ]
    if frame.shape[1] < 2 or any(cells is None for cells in columns):
        # (A row of one empty cell is quoted by the csv module; pandas knows its own dtypes.)
        text = frame.to_csv(index=False, float_format=float_format, lineterminator=ending)
        return text.encode("utf-8")
    header = (",".join(_quoted(str(name), special) for name in frame.columns) + ending).encode()
    if frame.empty:
        return header
    # The line ending joins the last column's distinct cells, so each line is made in one pass.
    *others, (last, last_rows) = columns
    last = pc.binary_join_element_wise(last, _text(ending), _text(""))
    spread = [cells.take(rows) for cells, rows in (*others, (last, last_rows))]
    return b"".join((header, _joined(pc.binary_join_element_wise(*spread, _text(",")))))


def _column_cells(
    column: pd.Series, float_format: str | None, special: frozenset[str]
) -> tuple[pa.Array, pa.Array] | None:
    """One column's cell texts (quoted as needed): each distinct value's, plus an empty last one
    for missing values, and each row's index into them. None for a kind pandas must do."""
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        return _text_cells(pa.array(column.array), special)
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, distinct = column.cat.codes.to_numpy(), column.cat.categories
    elif pd.api.types.is_float_dtype(column.dtype):
        codes, distinct = _distinct_floats(column)
    else:
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
    texts = _texts(pd.Index(distinct), float_format)
    if texts is None:
        return None
    quoted = [_quoted(text, special) for text in texts]
    cells = pa.array([*quoted, ""], type=pa.large_string())
    return cells, pa.array(np.where(codes < 0, len(quoted), codes).astype(np.int32))


def _text_cells(
    values: pa.Array | pa.ChunkedArray, special: frozenset[str]
) -> tuple[pa.Array, pa.Array]:
    """`_column_cells` of an Arrow text column, all in Arrow: each distinct text quoted once."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary.cast(pa.large_string())
    needs_quotes = pc.match_substring_regex(distinct, "[" + "".join(sorted(special)) + "]")
    quote = _text('"')
    quoted = pc.binary_join_element_wise(
        quote, pc.replace_substring(distinct, '"', '""'), quote, _text("")
    )
    cells = pa.concat_arrays(
        [pc.if_else(needs_quotes, quoted, distinct), pa.array([""], pa.large_string())]
    )
    return cells, pc.fill_null(encoded.indices, len(distinct)).cast(pa.int32())


def _distinct_floats(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats told apart by their bits, as their text is: -0.0 is written "-0.0", not "0.0"."""
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    codes, bits = pd.factorize(values.view(np.int64))
    codes[np.isnan(values)] = -1
    return codes, bits.view(np.float64)


def _texts(distinct: pd.Index, float_format: str | None) -> list[str] | None:
    """Distinct values as `to_csv` formats them, or None for a kind it formats by the column."""
    kind = distinct.dtype
    if pd.api.types.is_float_dtype(kind):
        values = distinct.to_numpy(dtype="float64", na_value=np.nan)
        if float_format is not None:
            return [float_format % value for value in values]
        return values.astype(str).tolist()
    if pd.api.types.is_integer_dtype(kind) or pd.api.types.is_bool_dtype(kind):
        return [str(value) for value in distinct.tolist()]
    if pd.api.types.is_string_dtype(kind) and (
        not pd.api.types.is_object_dtype(kind)
        or pd.api.types.infer_dtype(distinct, skipna=True) in ("string", "empty")
    ):
        return distinct.tolist()
    return None


def _quoted(text: str, special: frozenset[str]) -> str:
    """One cell as the csv module's minimal quoting writes it."""
    if special.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _joined(lines: pa.Array) -> pa.Buffer:
    """The lines one after another: the bytes Arrow already holds back to back (not copied)."""
    chunk = pa.concat_arrays([lines]) if lines.offset else lines
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[: len(chunk) + 1]
    return chunk.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
