"""UN Comtrade files: the Comtrade Plus layout as downloaded, from a small CSV to a bulk file.

Kept apart from :mod:`kztrade.readers` (which re-exports :func:`read_comtrade`) because
Comtrade bulk files are large (all partners, HS-6, monthly: millions of rows) and are read
differently from the small national tables: with Apache Arrow, in a stream of blocks, keeping
only the columns and the rows that survive the filters, so that memory follows the result and
not the file. Codes are handled once per distinct value (Arrow dictionaries), never per row.

:func:`convert` turns a bulk CSV into a partitioned Parquet dataset once; later reads of it
with filters touch only the partitions and columns they need. This module reads and converts;
it does not download anything.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import re
import shutil
import uuid
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from kztrade._io import PathType, csv_file
from kztrade.cleaning import normalize_hs
from kztrade.errors import KztradeWarning, ParameterError, ParseError
from kztrade.filters import WORLD_CODES, parse_codes, parse_flows, parse_level, parse_periods
from kztrade.schema import FLOW_DTYPE, TOTAL, WORLD

__all__ = ["read_comtrade", "convert"]

# --------------------------------------------------------------------------- the layout

_COMTRADE_FLOWS = {"X": "export", "M": "import"}
# Re-exports and re-imports (RX, RM), domestic exports (DX) and foreign imports (FM) are
# parts of X and M in Comtrade: adding them would double count, so they are left out.
_COMTRADE_SUBFLOWS = {"RX", "RM", "DX", "FM"}
_COMTRADE_REQUIRED = (
    "freqCode",
    "period",
    "reporterISO",
    "partnerISO",
    "flowCode",
    "cmdCode",
    "primaryValue",
)
# Breakdown columns and the values that mean "all" (totals over the breakdown).
_TOTAL_CODES = {
    "partner2Code": {"0", "W00", ""},
    "partner2ISO": {"0", "W00", ""},
    "customsCode": {"C00", ""},
    "motCode": {"0", ""},
}
# Columns of numbers in a Comtrade Plus download; everything else is read as text.
_NUMBER_COLUMNS = (
    "qty",
    "altQty",
    "netWgt",
    "grossWgt",
    "cifvalue",
    "fobvalue",
    "primaryValue",
)
_FLOW_CODES = {"export": "X", "import": "M"}
_TEXT = pa.dictionary(pa.int32(), pa.string())
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
# Bytes of CSV per block. Larger blocks parse faster (fewer dictionaries, fewer steps);
# smaller ones keep less in flight, which matters when filters keep few rows: measured on
# 5 million rows, 4 MB blocks read everything in 6.1 s of CPU against 8.2 s with 1 MB, while
# a one-pair filter peaked 190 MB above the interpreter with 4 MB blocks and 68 MB with 1 MB.
_BLOCK = 4 << 20
_BLOCK_FILTERED = 1 << 17
_FIX_CSV = "save it as CSV (UTF-8) and try again"
# convert: rows per Parquet file (bounds the memory of sorting one file), rows per row group
# (the unit a filtered read skips or reads), and the columns each file is sorted by, those
# that are partitions excepted.
_FILE_ROWS = 262_144
_ROW_GROUP = 16_384
_SORT_BY = ("reporterISO", "partnerISO", "flowCode", "period", "cmdCode")
# The schema every file of a dataset written by convert has (Parquet's name for it).
_COMMON = "_common_metadata"
_FILES_KEY = b"kztrade.files"  # in it: the data files it describes, relative to the folder
# Row groups of more rows than this (written elsewhere) are read in slices of _BATCH rows.
_LARGE_GROUP = 131_072
_BATCH = 65_536


# --------------------------------------------------------------------------- opening files


@dataclass
class _Source:
    """What kind of file a path is, and how to scan it."""

    path: Path
    kind: str  # "csv" or "parquet"
    columns: list[str]
    delimiter: str = ","
    compression: str | None = None


def _open_text(path: Path, compression: str | None):
    return gzip.open(path, "rb") if compression == "gzip" else open(path, "rb")


def _inspect(path: PathType) -> _Source:
    """Tell a CSV (plain or gzip) from Parquet and read the header, without reading rows."""
    path = Path(path)
    if path.is_dir():
        dataset = _parquet_dataset(path)
        names = list(dataset.schema.names)  # the first file's columns, and the folder names
        common = path / _COMMON
        # convert writes every file with one schema, which it records; files written
        # elsewhere may differ (a later file may have netWgt), so their footers are read.
        try:
            files = _relative(path, dataset.files)
            recorded = (pq.read_schema(common).metadata or {}) if common.is_file() else {}
            # Trusted only while the folder holds the files convert wrote: a file added by
            # hand may have columns (breakdowns) the record does not.
            trusted = recorded.get(_FILES_KEY) == json.dumps(files).encode()
            for file in [common] if trusted else dataset.files:
                names += [n for n in pq.read_schema(file).names if n not in names]
        except (pa.ArrowException, OSError) as exc:
            raise ParseError(
                f"not a readable Parquet dataset ({exc}); write it again with kztrade convert",
                path=path,
            ) from None
        return _Source(path, "parquet", names)
    path = csv_file(path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == _PARQUET_MAGIC:
        try:
            names = ds.dataset(path, format="parquet").schema.names
        except (pa.ArrowException, OSError) as exc:
            raise ParseError(
                f"not a readable Parquet file ({exc}); write it again with kztrade convert",
                path=path,
            ) from None
        return _Source(path, "parquet", list(names))
    compression = "gzip" if magic[:2] == _GZIP_MAGIC else None
    try:
        with _open_text(path, compression) as fh:
            first = fh.readline(1 << 20).decode("utf-8-sig")
    except (OSError, EOFError) as exc:
        raise ParseError(
            f"not a readable gzip file ({exc}); download it again or unpack it first",
            path=path,
        ) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not a readable UTF-8 CSV file ({exc}); {_FIX_CSV}", path=path) from None
    if not first.strip():
        raise ParseError("the file is empty; download it again", path=path, row=1)
    # Comtrade's bulk files are tab separated, its CSV downloads comma separated.
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    columns = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return _Source(path, "csv", [c.strip() for c in columns], delimiter, compression)


def _parquet_dataset(path: Path, columns: Iterable[str] = ()) -> ds.Dataset:
    """A Parquet dataset with hive partition values read as text ("NA" stays Namibia)."""
    try:
        found = ds.dataset(path, format="parquet", partitioning="hive")
        first = next(iter(found.get_fragments()), None)
        physical = set(first.physical_schema.names) if first is not None else set()
        keys = [name for name in found.schema.names if first is not None and name not in physical]
        if not keys:
            return found
        text = ds.partitioning(pa.schema([(k, pa.string()) for k in keys]), flavor="hive")
        fmt = ds.ParquetFileFormat(
            read_options=ds.ParquetReadOptions(dictionary_columns=list(columns))
        )
        return ds.dataset(path, format=fmt, partitioning=text)
    except (pa.ArrowException, OSError) as exc:
        raise ParseError(
            f"not a readable Parquet dataset ({exc}); write it again with kztrade convert",
            path=path,
        ) from None


_FILTER_OF = {"reporterISO": "reporter", "partnerISO": "partner", "period": "period"}
_FILTER_OF["flowCode"] = "flow"


def _require(source: _Source, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in source.columns]
    parts = [p for p in (source.path, *source.path.parents) if re.fullmatch(r"\w+=.+", p.name)]
    if missing and source.kind == "parquet" and parts:
        # A folder or file inside a hive-partitioned dataset: its folder names hold columns.
        keys = [p.name.split("=", 1) for p in reversed(parts)]
        hint = ", ".join(f"{_FILTER_OF[k]}={v!r}" for k, v in keys if k in _FILTER_OF)
        raise ParseError(
            f"is a part of a partitioned dataset ({'/'.join(p.name for p in reversed(parts))}) "
            f"whose folder names hold column(s) {missing}; read the dataset folder "
            f"{parts[-1].parent}" + (f" with {hint}" if hint else "") + " instead",
            path=source.path,
        )
    if missing:
        raise ParseError(
            f"missing column(s) {missing}; found {source.columns}; this reader expects "
            "a UN Comtrade CSV (columns as downloaded)",
            path=source.path,
        )


def _arrow_error(exc: Exception, path: Path) -> ParseError:
    """Turn an Arrow error on a CSV into a ParseError naming the line and the fix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    match = re.search(r"Row #(\d+)", text)
    row = int(match.group(1)) if match else None
    if "UTF8" in text or "UTF-8" in text:
        fix = f"the file is not UTF-8 text; {_FIX_CSV}"
    elif "columns" in text:
        fix = "a line has the wrong number of fields (a cut or edited file?); download it again"
    elif "gzip" in text.lower() or "compress" in text.lower():
        fix = "the gzip file is damaged or cut short; download it again"
    else:
        fix = _FIX_CSV
    return ParseError(f"not a readable CSV file ({text}); {fix}", path=path, row=row)


def _csv_batches(
    source: _Source,
    columns: list[str],
    types: dict[str, pa.DataType],
    *,
    block_size: int = _BLOCK,
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV in blocks of Arrow record batches, with only ``columns``."""
    invalid: list[str] = []

    def on_invalid(row) -> str:
        invalid.append(row.text)
        return "error"

    try:
        stream = pa.input_stream(source.path, compression=source.compression)
        reader = pv.open_csv(
            stream,
            read_options=pv.ReadOptions(block_size=block_size),
            parse_options=pv.ParseOptions(
                delimiter=source.delimiter, invalid_row_handler=on_invalid
            ),
            convert_options=pv.ConvertOptions(
                include_columns=columns,
                column_types=types,
                # Codes are text and "NA" is Namibia: only empty numbers are missing.
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=True,
            ),
        )
        with stream, reader:
            yield from reader
    except pa.ArrowInvalid as exc:
        if "conversion error to double" in str(exc):
            raise _NotANumber(str(exc)) from None
        error = _arrow_error(exc, source.path)
        if invalid:
            line = _find_line(source, invalid[0])
            error = ParseError(str(error).split(": ", 1)[1], path=source.path, row=line)
        raise error from None
    except (pa.ArrowException, OSError, EOFError) as exc:
        raise _arrow_error(exc, source.path) from None


def _find_line(source: _Source, text: str) -> int | None:
    """The line where the record ``text`` (one Arrow could not parse) starts in the file."""
    first = text.split("\n")[0].rstrip("\r").encode("utf-8", "replace")
    if not first:
        return None
    with _open_text(source.path, source.compression) as fh:
        for number, line in enumerate(fh, start=1):
            if line.rstrip(b"\r\n") == first:
                return number
    return None


class _NotANumber(Exception):
    """A column read as numbers holds text; the caller reads it again as text to say where."""


def _constant(value: object, n: int) -> pa.DictionaryArray:
    """A column of ``n`` rows of one value: a partition value from a folder name."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([str(value)]))


def _absent(name: str, n: int, path: str) -> pa.Array:
    """A column a Parquet file lacks: no weights there, or a file that cannot be read."""
    if name not in _NUMBER_OUT:
        raise ParseError(
            f"a file of the dataset has no column {name!r}; write the dataset again with "
            "kztrade convert",
            path=path,
        )
    return pa.nulls(n, pa.float64())


class _RowGroup:
    """One row group of a Parquet file, read a column at a time when a column is asked for.

    Reading the columns one by one keeps the reader's decoding buffers to one column's worth;
    a column is kept until the row group is done, so it is read once. Partition values
    (from folder names) are served as columns of one value.
    """

    def __init__(
        self, parquet: pq.ParquetFile, group: int, keys: dict[str, object], *, path: str
    ) -> None:
        self.parquet, self.group, self.keys, self.path = parquet, group, keys, path
        self.num_rows = parquet.metadata.row_group(group).num_rows
        self._read: dict[str, pa.Array] = {}

    def column(self, name: str) -> pa.Array:
        if name not in self._read:
            if name in self.keys:
                array = _constant(self.keys[name], self.num_rows)
            elif name not in self.parquet.schema_arrow.names:
                array = _absent(name, self.num_rows, self.path)
            else:
                table = self.parquet.read_row_group(self.group, columns=[name], use_threads=False)
                array = table.column(0)
            self._read[name] = array
        return self._read[name]


class _Batch:
    """A block of rows decoded by Arrow (CSV, or a slice of a large Parquet row group)."""

    def __init__(
        self, batch: pa.RecordBatch, keys: dict[str, object] | None = None, path: str = ""
    ) -> None:
        self.batch, self.num_rows = batch, batch.num_rows
        self.keys, self.path = keys or {}, path

    def column(self, name: str) -> pa.Array:
        if name in self.keys:
            return _constant(self.keys[name], self.num_rows)
        if name not in self.batch.schema.names:
            return _absent(name, self.num_rows, self.path)
        return self.batch.column(name)


def _padded(fragment: ds.ParquetFileFragment, columns: set[str]) -> bool:
    """Whether a row group's smallest or largest code in ``columns`` has spaces around it.

    Statistics hold the codes as stored: a row group of `` CHN`` only would be skipped by a
    filter on ``CHN``, which the reader would keep once the spaces are stripped. Where a
    file shows such a code, its row groups are all read and the filter applied row by row.
    """
    for group in fragment.row_groups:  # statistics Arrow has parsed to choose row groups
        for column in columns:
            stats = group.statistics.get(column) or {}
            for value in (stats.get("min"), stats.get("max")):
                if isinstance(value, str) and value != value.strip():
                    return True
    return False


def _parquet_blocks(
    source: _Source,
    wanted: list[str],
    texts: list[str],
    expression: ds.Expression | None,
    filtered: set[str],
) -> Iterator[_RowGroup | _Batch]:
    """The row groups of a Parquet file or dataset that ``expression`` may match.

    Partitions and row groups are chosen by Arrow from folder names and column statistics
    (:func:`convert` sorts each file by partner, so a partner filter skips most row groups);
    the chosen ones are read one after the other in this thread: Arrow's threaded scanner was
    no faster on a filtered read and held over 100 MB more in its allocator's caches.
    """
    dataset = _parquet_dataset(source.path)
    try:
        for fragment in dataset.get_fragments(filter=expression):
            keys = ds.get_partition_keys(fragment.partition_expression)
            # Without pre-buffering, a column is read from the file when it is decoded:
            # measured, a one-pair read then peaked 17 MB above the warm process, not 25 MB.
            parquet = pq.ParquetFile(
                fragment.path,
                read_dictionary=[c for c in texts if c not in keys],
                pre_buffer=False,
            )
            if expression is None:
                groups = range(parquet.metadata.num_row_groups)
            else:
                pieces = fragment.split_by_row_group(expression, schema=dataset.schema)
                groups = sorted({g.id for piece in pieces for g in piece.row_groups})
                if _padded(fragment, filtered):
                    groups = range(parquet.metadata.num_row_groups)
            stored = [c for c in wanted if c not in keys and c in parquet.schema_arrow.names]
            for group in groups:
                if parquet.metadata.row_group(group).num_rows <= _LARGE_GROUP:
                    yield _RowGroup(parquet, group, keys, path=fragment.path)
                    continue
                # A row group far larger than convert writes (a file written elsewhere):
                # decoded a slice of every column at a time, not a whole column at once.
                for batch in parquet.iter_batches(
                    batch_size=_BATCH, row_groups=[group], columns=stored, use_threads=False
                ):
                    yield _Batch(batch, keys, path=fragment.path)
    except (pa.ArrowException, OSError, KeyError) as exc:
        raise ParseError(
            f"cannot read the Parquet data ({exc}); write it again with kztrade convert",
            path=source.path,
        ) from None


# --------------------------------------------------------------------------- filters


@dataclass
class _Filters:
    """The user's filters as raw codes of the file, ready for a mask or a Parquet scan."""

    reporter: set[str] | None = None
    partner: set[str] | None = None
    period: set[str] | None = None
    flow: set[str] | None = None
    level: int | str | None = None
    given: dict[str, object] = field(default_factory=dict)

    def columns(self) -> set[str]:
        """The file's columns that the filters test."""
        return {c for c, v in self._pairs() if v is not None}

    def _pairs(self):
        return (
            ("reporterISO", self.reporter),
            ("partnerISO", self.partner),
            ("period", self.period),
            ("flowCode", self.flow),
        )

    def expression(self) -> ds.Expression | None:
        parts = [ds.field(c).isin(sorted(v)) for c, v in self._pairs() if v is not None]
        if not parts:
            return None
        expr = parts[0]
        for part in parts[1:]:
            expr = expr & part
        return expr


def _filters(path, reporter, partner, period, flow, level, commodity_level) -> _Filters:
    if level is not None and commodity_level is not None and level != commodity_level:
        raise ParameterError(
            f"level={level!r} and commodity_level={commodity_level!r} disagree; give one"
        )
    chosen = commodity_level if commodity_level is not None else level
    parse_level(chosen)
    given = {
        k: v
        for k, v in (("reporter", reporter), ("partner", partner), ("period", period))
        if v is not None
    }
    if flow is not None:
        given["flow"] = flow
    return _Filters(
        reporter=None if reporter is None else parse_codes(reporter, name="reporter"),
        partner=None if partner is None else parse_codes(partner, name="partner"),
        period=None if period is None else parse_periods(period),
        flow=None if flow is None else {_FLOW_CODES[f] for f in parse_flows(flow)},
        level=chosen,
        given=given,
    )


# --------------------------------------------------------------------------- scanning


def _malloc_trim():
    """The C library's ``malloc_trim`` (glibc), or None where there is none (macOS, musl)."""
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # the symbols already loaded: no library search
    except (ImportError, OSError, AttributeError, TypeError):
        return None


_TRIM = _malloc_trim()
# Rows decoded between two hand-backs of freed memory, at least (see _release_memory).
_RELEASE_ROWS = 16_384


def _release_memory() -> None:
    """Give memory that Arrow's allocator and C's ``malloc`` hold freed back to the system.

    Both allocators keep freed memory for reuse, but not for each other: what Arrow frees
    after decoding a block stays resident while numpy allocates afresh, and the other way
    round. Handing it back between the stages of a read keeps the peak near what the read
    really holds (the same remedy Dask applies to its workers' "unmanaged memory"). Costs
    about a millisecond.
    """
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


def _dictionary(array: pa.Array) -> pa.DictionaryArray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    if array.null_count:  # a null code (possible in Parquet written elsewhere) reads as ""
        array = array.cast(pa.string()).fill_null("").dictionary_encode()
    return array


def _member(array: pa.Array, test) -> np.ndarray:
    """Boolean per row: ``test(value)`` evaluated once per distinct value."""
    array = _dictionary(array)
    ok = np.fromiter((test(v) for v in array.dictionary.to_pylist()), bool)
    return ok[array.indices.to_numpy(zero_copy_only=False)] if len(ok) else np.zeros(0, bool)


def _level_of(code: str) -> int | str | None:
    try:
        normal = normalize_hs([code])[0]
    except ParseError:
        return None  # reported later, with its line, if the row is kept
    return TOTAL if normal == TOTAL else len(normal)


class _Text:
    """A text column of the kept rows: its distinct values (trimmed) and a code per row.

    Blocks are added as they are read; each keeps only an int32 code per kept row, so the
    blocks' own dictionaries are let go at once. Values are matched to codes in Arrow, once
    per distinct value of a block.
    """

    def __init__(self) -> None:
        self._known = pa.array([], pa.string())
        self._chunks: list[np.ndarray] = []

    @property
    def values(self) -> list[str]:
        return self._known.to_pylist()

    def add(self, array: pa.Array, keep: np.ndarray | None) -> None:
        array = _dictionary(array)
        index = array.indices.to_numpy(zero_copy_only=False)
        if keep is not None:
            index = index[keep]
        size = len(array.dictionary)
        used = np.flatnonzero(np.bincount(index, minlength=size))
        words = array.dictionary if len(used) == size else array.dictionary.take(used)
        words = pc.utf8_trim_whitespace(words.cast(pa.string()))
        found = pc.index_in(words, value_set=self._known)
        if found.null_count:
            new = pc.unique(words.filter(pc.is_null(found)))
            self._known = pa.concat_arrays([self._known, new])
            found = pc.index_in(words, value_set=self._known)
        mapping = np.zeros(size, np.int32)
        mapping[used] = found.to_numpy(zero_copy_only=False)
        self._chunks.append(mapping[index])

    def codes(self) -> np.ndarray:
        """Each kept row's code, in order; the blocks are let go."""
        out = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int32)
        self._chunks = []
        return out


# Columns the tidy frame is built from; the others are read only to choose rows.
_TEXT_OUT = ("period", "reporterISO", "partnerISO", "flowCode", "cmdCode")
_NUMBER_OUT = ("primaryValue", "netWgt")


def _relative(folder: Path, files: Iterable[str]) -> list[str]:
    """File paths relative to ``folder``, sorted, with forward slashes."""
    return sorted(Path(f).relative_to(folder).as_posix() for f in files)


def _parquet_held(source: _Source, columns: list[str]) -> dict[str, set[str]]:
    """The distinct values of ``columns`` in a Parquet file or dataset (folder names first)."""
    held: dict[str, set[str]] = {c: set() for c in columns}
    dataset = _parquet_dataset(source.path)
    try:
        for fragment in dataset.get_fragments():
            keys = ds.get_partition_keys(fragment.partition_expression)
            stored = [c for c in columns if c not in keys]
            for column in columns:
                if column in keys:
                    held[column].add(str(keys[column]))
            if stored:
                parquet = pq.ParquetFile(fragment.path)
                stored = [c for c in stored if c in parquet.schema_arrow.names]
                table = parquet.read(columns=stored)
                for column in stored:
                    values = pc.unique(table.column(column)).to_pylist()
                    held[column].update(str(v) for v in values if v is not None)
    except (pa.ArrowException, OSError) as exc:
        raise ParseError(
            f"cannot read the Parquet data ({exc}); write it again with kztrade convert",
            path=source.path,
        ) from None
    return {c: {v.strip() for v in values} for c, values in held.items()}


@dataclass
class _Scan:
    """The rows that survive the filters and the guards, and what was seen on the way."""

    texts: dict[str, _Text]
    numbers: dict[str, list[pa.Array]]
    lines: np.ndarray | None  # file line of each kept row (CSV); None for Parquet
    freqs: set[str]
    flows: set[str]
    matched: int  # rows that passed the user's filters (before the guards)
    rows: int  # rows kept
    # Periods and reporters of the blocks read (CSV: the whole file), for the message when
    # no row matches the filters.
    held: dict[str, set[str]] = field(default_factory=dict)


def _scan(
    source: _Source,
    filters: _Filters,
    *,
    numbers_as_text: bool = False,
) -> _Scan:
    wanted = [*_COMTRADE_REQUIRED]
    wanted += [c for c in ("netWgt", *_TOTAL_CODES) if c in source.columns]
    numbers = [c for c in _NUMBER_OUT if c in wanted]
    texts = [c for c in wanted if c not in numbers]
    level_cache: dict[str, int | str | None] = {}

    def level_ok(code: str) -> bool:
        if code not in level_cache:
            level_cache[code] = _level_of(code)
        return level_cache[code] == filters.level

    if source.kind == "csv":
        types = {c: _TEXT for c in texts}
        types.update({c: pa.string() if numbers_as_text else pa.float64() for c in numbers})
        selective = filters.given or filters.level is not None
        block = _BLOCK_FILTERED if selective else _BLOCK
        blocks = map(_Batch, _csv_batches(source, wanted, types, block_size=block))
    else:
        blocks = _parquet_blocks(source, wanted, texts, filters.expression(), filters.columns())

    out_texts = {c: _Text() for c in _TEXT_OUT}
    out_numbers: dict[str, list[pa.Array]] = {c: [] for c in numbers}
    lines: list[np.ndarray] = []
    freqs: set[str] = set()
    flows: set[str] = set()
    matched = offset = rows = unreleased = 0
    held: dict[str, set[str]] = {"period": set(), "reporterISO": set()}
    try:
        for block in blocks:
            n = block.num_rows
            if n == 0:
                continue
            unreleased += n
            # Handing memory back costs more the more is held: release after at least as
            # an eighth of the rows kept, so a large read releases a few dozen times, not at
            # every block.
            if unreleased >= max(_RELEASE_ROWS, rows // 8):
                _release_memory()
                unreleased = 0
            if source.kind == "csv" and filters.given:
                for column, seen in held.items():
                    seen.update(_dictionary(block.column(column)).dictionary.to_pylist())
            user = np.ones(n, bool)
            for column, values in (
                ("reporterISO", filters.reporter),
                ("partnerISO", filters.partner),
                ("period", filters.period),
            ):
                if values is not None and user.any():
                    user &= _member(block.column(column), lambda v, s=values: v.strip() in s)
            if filters.flow is not None and user.any():
                user &= _member(block.column("flowCode"), lambda v: v.strip() in filters.flow)
            matched += int(user.sum())
            if user.any():
                for column, seen in (("freqCode", freqs), ("flowCode", flows)):
                    arr = _dictionary(block.column(column))
                    index = arr.indices.to_numpy(zero_copy_only=False)[user]
                    used = np.flatnonzero(np.bincount(index, minlength=len(arr.dictionary)))
                    values = arr.dictionary.to_pylist()
                    seen.update(values[i].strip() for i in used)
            else:
                offset += n
                continue
            keep = user & _member(block.column("flowCode"), lambda v: v.strip() in _COMTRADE_FLOWS)
            for column, totals in _TOTAL_CODES.items():
                if column in source.columns and not (
                    column == "partner2ISO" and "partner2Code" in source.columns
                ):
                    keep &= _member(block.column(column), lambda v, t=totals: v.strip() in t)
            if filters.level is not None:
                keep &= _member(block.column("cmdCode"), lambda v: level_ok(v.strip()))
            where = np.flatnonzero(keep)
            if len(where):
                every = len(where) == n
                for column, text in out_texts.items():
                    text.add(block.column(column), None if every else keep)
                mask = None if every else pa.array(keep)
                for column, chunks in out_numbers.items():
                    array = block.column(column)
                    if isinstance(array, pa.ChunkedArray):
                        array = array.combine_chunks()
                    chunks.append(array if mask is None else array.filter(mask))
                if source.kind == "csv":
                    lines.append(where + offset + 2)  # header is line 1
                rows += len(where)
            offset += n
    except _NotANumber:
        # A value that is not a number: read the numbers as text to say where (or to find
        # that it is in a row the filters and guards leave out).
        return _scan(source, filters, numbers_as_text=True)
    except (pa.ArrowException, OSError) as exc:
        raise ParseError(f"cannot read the file ({exc})", path=source.path) from None
    _release_memory()
    return _Scan(
        texts=out_texts,
        numbers=out_numbers,
        lines=(np.concatenate(lines) if lines else np.zeros(0, np.int64))
        if source.kind == "csv"
        else None,
        freqs=freqs,
        flows=flows,
        matched=matched,
        rows=rows,
        held=held if source.kind == "csv" else {},
    )


# --------------------------------------------------------------------------- the tidy frame


class _Codes:
    """A kept text column as its distinct values and, per row, the index of its value."""

    def __init__(self, scan: _Scan, column: str) -> None:
        text = scan.texts.pop(column)
        self.values, self.index = text.values, text.codes()

    def mapped(self, values: list[str]) -> tuple[list[str], np.ndarray]:
        """Map distinct values to new ones; return the new distinct values and indices."""
        codes, uniques = pd.factorize(pd.Series(values, dtype=object))
        return list(uniques), codes.astype(np.int32)[self.index]


def _bad(
    source: _Source, lines: np.ndarray | None, row: int, message: str, column: str | None
) -> ParseError:
    line = None if lines is None else int(lines[row])
    return ParseError(message, path=source.path, row=line, column=column)


def _text_series(values: list[str], index: np.ndarray) -> pd.Series:
    # pandas keeps text as Arrow large_string: built so, the column is not copied again.
    return pa.array(values, pa.large_string()).take(pa.array(index)).to_pandas()


def _numbers(source: _Source, scan: _Scan, column: str) -> np.ndarray:
    """A column of numbers as float64; text (when some value was not a number) is parsed.

    The column's blocks are let go as it is built.
    """
    chunks = scan.numbers.pop(column)

    def numeric(t: pa.DataType) -> bool:
        return pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_null(t)

    if all(numeric(c.type) for c in chunks):
        out = np.empty(scan.rows, np.float64)
        start = 0
        while chunks:
            part = chunks.pop(0).cast(pa.float64()).to_numpy(zero_copy_only=False)
            out[start : start + len(part)] = part
            start += len(part)
        return out
    # Text (a number column read as text, or files of a dataset that disagree): parse it.
    text = pa.chunked_array([c.cast(pa.string()) for c in chunks], pa.string())
    text = pd.Series(text.to_pandas(), dtype=object).fillna("").str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & (text.to_numpy() != "")
    if column == "primaryValue" and bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise _bad(
            source,
            scan.lines,
            first,
            f"value is not a number: {text.iloc[first]!r} ({int(bad.sum())} such row(s)); fix "
            "or remove the row — kztrade does not guess missing values",
            column,
        )
    return values


def _row_keys(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One integer per row from the codes of several columns (code, number of codes)."""
    key = parts[0][0].astype(np.int64)
    for index, size in parts[1:]:
        key *= size
        key += index
    return key


def _build(source: _Source, scan: _Scan, filters: _Filters, source_name: str) -> pd.DataFrame:
    lines, n = scan.lines, scan.rows
    freq = "Y" if scan.freqs == {"A"} else "M"

    period = _Codes(scan, "period")
    pattern = re.compile(r"\d{4}" if freq == "Y" else r"\d{6}")
    for i, value in enumerate(period.values):
        if not pattern.fullmatch(value):
            first = int(np.flatnonzero(period.index == i)[0])
            raise _bad(
                source,
                lines,
                first,
                f"period {value!r} is not {'YYYY' if freq == 'Y' else 'YYYYMM'}",
                "period",
            )
    shown = period.values if freq == "Y" else [f"{v[:4]}-{v[4:]}" for v in period.values]
    try:
        periods = pd.PeriodIndex(shown, freq=freq)
    except (ValueError, TypeError) as exc:
        raise ParseError(f"invalid period ({exc})", path=source.path, column="period") from None

    columns: dict[str, object] = {}
    ordinals = periods.asi8[period.index]
    columns["period"] = pd.Series(pd.arrays.PeriodArray(ordinals, dtype=periods.dtype), copy=False)
    # Duplicates are found on one integer per row built from the key columns' indices.
    parts: list[tuple[np.ndarray, int]] = [(period.index, len(periods))]
    del ordinals

    def add_key(index: np.ndarray, size: int) -> None:
        parts.append((index, size))

    texts: dict[str, tuple[list[str], np.ndarray]] = {}
    for name, column in (("reporter", "reporterISO"), ("partner", "partnerISO")):
        world = name == "partner"
        codes = _Codes(scan, column)
        values = [WORLD if world and v in WORLD_CODES else v for v in codes.values]
        uniques, index = codes.mapped(values)
        for i, value in enumerate(uniques):
            if not re.fullmatch(r"[A-Z]{3}", value):
                first = int(np.flatnonzero(index == i)[0])
                raise _bad(
                    source,
                    lines,
                    first,
                    f"{value!r} is not an ISO 3166 alpha-3 code; fix the row or download the "
                    "file again",
                    column,
                )
        texts[name] = uniques, index
        add_key(index, len(uniques))

    flow = _Codes(scan, "flowCode")
    flow_codes = np.array([FLOW_DTYPE.categories.get_loc(_COMTRADE_FLOWS[v]) for v in flow.values])
    flow_index = flow_codes.astype(np.int8)[flow.index]
    flow_column = pd.Categorical.from_codes(flow_index, dtype=FLOW_DTYPE)
    add_key(flow_index, 2)

    cmd = _Codes(scan, "cmdCode")
    try:
        normal = normalize_hs(cmd.values, path=source.path, column="cmdCode")
    except ParseError as exc:
        for i, value in enumerate(cmd.values):
            if _level_of(value) is None:
                first = int(np.flatnonzero(cmd.index == i)[0])
                raise _bad(
                    source,
                    lines,
                    first,
                    str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc),
                    "cmdCode",
                ) from None
        raise
    uniques, index = cmd.mapped(normal)
    texts["commodity"] = uniques, index
    add_key(index, len(uniques))
    del cmd, flow

    values = _numbers(source, scan, "primaryValue")
    problem = None
    missing = np.isnan(values)
    if missing.any():
        problem = missing, "value is empty"
    elif not np.isfinite(values).all():
        problem = ~np.isfinite(values), "value is not finite"
    elif (values < 0).any():
        problem = values < 0, "value is negative (trade values never are)"
    if problem is not None:
        mask, what = problem
        raise _bad(
            source,
            lines,
            int(np.flatnonzero(mask)[0]),
            f"{what} ({int(mask.sum())} such row(s)); fix or remove the row — kztrade does not "
            "guess missing values",
            "primaryValue",
        )
    weight = None
    if "netWgt" in scan.numbers:
        weight = _numbers(source, scan, "netWgt")
        if np.isnan(weight).all():
            weight = None

    # Duplicates: a sort tells whether there are any; only then find the first, in file order.
    ordered = _row_keys(parts)
    ordered.sort()
    if len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any():
        dup = pd.Series(_row_keys(parts)).duplicated(keep=False).to_numpy()
        first = int(np.flatnonzero(dup)[0])
        raise _bad(
            source,
            lines,
            first,
            f"{int(dup.sum())} rows repeat the same period, reporter, partner, flow and "
            "commodity after keeping totals only (a breakdown column kztrade does not know?); "
            "remove the duplicates",
            None,
        )
    del ordered, period, flow_index
    parts.clear()
    _release_memory()
    for name in ("reporter", "partner"):
        columns[name] = _text_series(*texts.pop(name))
    columns["flow"] = flow_column
    columns["commodity"] = _text_series(*texts.pop("commodity"))
    columns["value_usd"] = values
    columns["source"] = _text_series([source_name], np.zeros(n, np.int32))
    if weight is not None:
        columns["net_weight_kg"] = weight
    return pd.DataFrame(columns, copy=False)


def _holds(periods: list[str], reporters: set[str]) -> str:
    """What a file holds, in words: its periods and its reporters."""
    shown = [f"{p[:4]}-{p[4:]}" if len(p) == 6 else p for p in periods]
    codes = sorted({r.strip() for r in reporters})
    if not shown:
        return "the file holds no data rows"
    span = f"period {shown[0]}" if len(shown) == 1 else f"periods {shown[0]} to {shown[-1]}"
    listed = ", ".join(codes[:8]) + (f" and {len(codes) - 8} more" if len(codes) > 8 else "")
    return f"the file holds {span} of reporter{'s' if len(codes) > 1 else ''} {listed}"


def _empty(freq: str) -> pd.DataFrame:
    """A frame of no rows with the columns and dtypes of a read that found rows."""
    none = np.zeros(0, np.int32)
    columns = {
        "period": pd.Series([], dtype=pd.PeriodDtype(freq)),
        "reporter": _text_series([], none),
        "partner": _text_series([], none),
        "flow": pd.Categorical([], dtype=FLOW_DTYPE),
        "commodity": _text_series([], none),
        "value_usd": np.zeros(0, np.float64),
        "source": _text_series([], none),
    }
    return pd.DataFrame(columns)


def read_comtrade(
    path: PathType,
    *,
    reporter: str | Iterable[str] | None = None,
    partner: str | Iterable[str] | None = None,
    period: str | int | Iterable | None = None,
    flow: str | Iterable[str] | None = None,
    commodity_level: int | str | None = None,
    source: str = "COMTRADE",
    level: int | str | None = None,
) -> pd.DataFrame:
    """Read a UN Comtrade file as downloaded (Comtrade Plus column names), small or bulk.

    Reads a CSV (comma or tab separated, plain or gzip), a Parquet file, or a partitioned
    Parquet dataset folder (see :func:`convert`). Only the columns the tidy frame needs are
    read, in a stream of blocks, and rows that a filter drops are never turned into pandas
    objects: memory follows the result, not the file. From Parquet, the filters are pushed
    into the scan, so partitions and row groups they exclude are not read at all.

    Guards against the double counting that Comtrade downloads invite, without trusting
    ``isAggregate``:

    - flows X and M are kept; RX, RM, DX and FM are parts of them and are left out;
    - only ``partner2`` = World (code 0 / ``W00``), customs procedure ``C00`` (all) and mode of
      transport 0 (all) are kept; breakdowns by them would add the same trade twice;
    - partner World becomes ``WLD`` (kept, marked as an aggregate);
    - commodity codes of several levels (TOTAL, chapters, headings) are all kept; pass
      ``commodity_level`` to keep one, or use :func:`kztrade.cleaning.drop_aggregates`.

    Checks (frequency, flow codes, periods, codes, values, duplicates) apply to the rows that
    pass the filters; rows a filter drops are not looked at.

    Parameters
    ----------
    path : str or path-like
        A CSV file (``.csv``, ``.txt``, optionally gzip-compressed), a Parquet file, or a
        folder holding a (hive-partitioned) Parquet dataset with the same column names.
    reporter, partner : str or list of str, optional
        ISO 3166 alpha-3 codes as in ``reporterISO`` / ``partnerISO`` (``"KAZ"``,
        ``["CHN", "RUS"]``); ``"WLD"`` (or Comtrade's ``"W00"``) selects the world total.
    period : str, int or list of them, optional
        Years (``"2019"``, ``2019``, ``range(2015, 2020)``) or months (``"201904"``,
        ``"2019-04"``). A year selects all its months in a monthly file.
    flow : {"export", "import", "X", "M"} or list of them, optional
    commodity_level : {2, 4, 6, "TOTAL"}, optional
        Keep only commodity codes of this many digits (or only TOTAL). ``level`` is the
        same option under its earlier name.
    source : str, default "COMTRADE"

    Returns
    -------
    DataFrame
        A tidy frame, annual or monthly after ``freqCode``, in the file's row order;
        ``net_weight_kg`` where the file has ``netWgt``. When no row matches the filters, an
        empty frame and a :class:`~kztrade.errors.KztradeWarning`.

    Raises
    ------
    ParseError
        For a file that cannot be read or holds a bad value. For a CSV the message names the
        line of the original file (counting the header as line 1, and assuming no line
        breaks inside quoted fields), also when filters are given; for Parquet, which has no
        lines, the column and the value.
    ParameterError
        For a filter value of the wrong form.

    Notes
    -----
    Only the columns listed above are read from a CSV: text that is not UTF-8 in another
    column (a description, say) does not stop the read; :func:`convert`, which copies every
    column, refuses it. See ``docs/bulk.md`` for measured speed and memory.

    Examples
    --------
    >>> from pathlib import Path
    >>> path = Path(__file__).parents[1] / "tests" / "data" / "comtrade_kaz_2019.csv"
    >>> f = read_comtrade(path, partner="MNG")
    >>> f[["period", "partner", "flow", "value_usd"]]
      period partner    flow    value_usd
    0   2019     MNG  export  58265641.96
    1   2019     MNG  import   1748492.69
    >>> read_comtrade(path, flow="re-export")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: flow must be 'export' or 'import' (or Comtrade's 'X' ...
    """
    if not isinstance(source, str) or not source:
        raise ParameterError(f"source must name the source, e.g. 'COMTRADE', got {source!r}")
    filters = _filters(path, reporter, partner, period, flow, level, commodity_level)
    info = _inspect(path)
    _require(info, _COMTRADE_REQUIRED)
    return _read(info, filters, source)


def _read(info: _Source, filters: _Filters, source: str) -> pd.DataFrame:
    scan = _scan(info, filters)
    if scan.matched == 0:
        if not filters.given:
            raise ParseError(
                "no data rows below the header; download the file again", path=info.path
            )
        held = scan.held if info.kind == "csv" else _parquet_held(info, ["period", "reporterISO"])
        periods = sorted({p.strip() for p in held["period"]})
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.given.items())
        warnings.warn(
            f"{info.path}: no rows match {shown}; {_holds(periods, held['reporterISO'])}",
            KztradeWarning,
            stacklevel=3,
        )
        return _empty("M" if periods and all(len(p) == 6 for p in periods) else "Y")
    if len(scan.freqs) != 1 or not scan.freqs <= {"A", "M"}:
        raise ParseError(
            f"freqCode must be all 'A' (annual) or all 'M' (monthly), found "
            f"{sorted(scan.freqs)}; split the file by frequency",
            path=info.path,
            column="freqCode",
        )
    unknown = sorted(scan.flows - set(_COMTRADE_FLOWS) - _COMTRADE_SUBFLOWS)
    if unknown:
        raise ParseError(
            f"unknown flowCode(s) {unknown}; kztrade reads X, M (and leaves out RX, RM, DX, FM)",
            path=info.path,
            column="flowCode",
        )
    if scan.rows == 0:
        if filters.level is not None or filters.flow is not None:
            shown = f"commodity_level={filters.level!r}, " if filters.level is not None else ""
            shown += ", ".join(f"{k}={v!r}" for k, v in filters.given.items())
            warnings.warn(
                f"{info.path}: no rows match {shown.rstrip(', ')}", KztradeWarning, stacklevel=3
            )
            return _empty("Y" if scan.freqs == {"A"} else "M")
        raise ParseError(
            "no rows are totals over partner2, customs procedure and mode of transport "
            "(partner2Code 0, customsCode C00, motCode 0): the file holds breakdowns only, "
            "which cannot be summed safely; download it with those set to totals",
            path=info.path,
        )
    return _build(info, scan, filters, source)


# --------------------------------------------------------------------------- convert


def convert(
    path: PathType,
    out: PathType,
    *,
    partition_by: Iterable[str] = ("reporterISO", "period"),
    overwrite: bool = False,
) -> Path:
    """Convert a Comtrade CSV (plain or gzip) into a partitioned Parquet dataset, once.

    Every column and row of the file is kept as it is (codes as text, numbers as float64),
    so :func:`read_comtrade` reads the dataset exactly as it reads the CSV, applying the same
    guards, only faster: with filters on partition columns it opens only the matching
    folders. The dataset is written to a temporary folder beside ``out`` and renamed into
    place when complete, so ``out`` is never left half written; the input is only read.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    out : str or path-like
        The folder to create (``reporterISO=KAZ/period=201904/...parquet`` inside, and
        ``_common_metadata``, the schema every file has).
    partition_by : sequence of str, default ("reporterISO", "period")
        Columns to partition by (hive style); ``()`` for one folder of files.
    overwrite : bool, default False
        Replace an existing ``out``; otherwise an existing ``out`` is an error.

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(__file__).parents[1] / "tests" / "data" / "comtrade_kaz_2019.csv"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     dataset = convert(path, Path(tmp) / "kaz.parquet")
    ...     sorted(p.name for p in dataset.iterdir())
    ...     len(read_comtrade(dataset)) == len(read_comtrade(path))
    ['_common_metadata', 'reporterISO=KAZ']
    True
    """
    src, out = Path(path), Path(out)
    partition_by = [partition_by] if isinstance(partition_by, str) else list(partition_by)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} is a file, not a dataset folder; choose another name")
    if out.exists() and not overwrite:
        raise ParameterError(
            f"{out} exists; choose another folder, or pass overwrite=True to replace it"
        )
    try:
        if out.resolve() == src.resolve() or src.resolve() in out.resolve().parents:
            raise ParameterError(f"{out} would overwrite the input; choose another folder")
    except OSError:
        pass
    info = _inspect(src)
    if info.kind != "csv":
        raise ParseError("is already Parquet; read it with read_comtrade", path=src)
    _require(info, _COMTRADE_REQUIRED)
    missing = [c for c in partition_by if c not in info.columns]
    if missing:
        raise ParameterError(
            f"cannot partition by {missing}: not columns of {src}; choose from {info.columns}"
        )
    types = {c: pa.float64() if c in _NUMBER_COLUMNS else pa.string() for c in info.columns}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        batches = _csv_batches(info, info.columns, types)
        try:
            first = next(batches, None)
        except _NotANumber:
            raise _number_error(info) from None
        if first is None:
            raise ParseError("no data rows below the header; download the file again", path=src)
        schema = first.schema

        def stream() -> Iterator[pa.RecordBatch]:
            # Partition values become folder names, which a filter matches exactly: store
            # them without spaces around, as the reader strips them from codes.
            for batch in itertools.chain([first], batches):
                for column in partition_by:
                    i = batch.schema.get_field_index(column)
                    batch = batch.set_column(i, column, pc.utf8_trim_whitespace(batch[i]))
                yield batch

        try:
            ds.write_dataset(
                pa.RecordBatchReader.from_batches(schema, stream()),
                tmp,
                format="parquet",
                partitioning=ds.partitioning(
                    pa.schema([(c, pa.string()) for c in partition_by]), flavor="hive"
                )
                if partition_by
                else None,
                max_partitions=100_000,
                max_rows_per_group=_FILE_ROWS,
                max_rows_per_file=_FILE_ROWS,
            )
        except ParseError:
            raise
        except _NotANumber:
            raise _number_error(info) from None
        except pa.ArrowInvalid as exc:
            raise _arrow_error(exc, src) from None
        except (pa.ArrowException, OSError) as exc:
            raise ParseError(f"cannot write the Parquet dataset ({exc})", path=out) from None
        try:
            _sort_files(tmp, [c for c in _SORT_BY if c not in partition_by])
            stored = pa.schema([f for f in schema if f.name not in partition_by])
            files = _relative(tmp, [str(f) for f in tmp.rglob("*.parquet")])
            stored = stored.with_metadata({_FILES_KEY: json.dumps(files)})
            pq.write_metadata(stored, tmp / _COMMON)
        except (pa.ArrowException, OSError) as exc:
            raise ParseError(f"cannot write the Parquet dataset ({exc})", path=out) from None
        if overwrite and out.exists():
            old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _sort_files(folder: Path, keys: list[str]) -> None:
    """Sort each Parquet file under ``folder`` by ``keys`` and cut it into small row groups.

    Parquet keeps the smallest and largest value of each column per row group; sorted by
    partner, a row group holds one or a few partners, so a partner filter reads only those
    row groups. One file is sorted at a time, so memory is bounded by the file size
    (:data:`_FILE_ROWS` rows at most), not by the dataset.
    """
    for file in sorted(folder.rglob("*.parquet")):
        table = pq.ParquetFile(file).read()  # the file alone: folder names are not columns
        table = table.sort_by([(k, "ascending") for k in keys if k in table.column_names])
        part = file.with_name(file.name + ".part")
        pq.write_table(table, part, row_group_size=_ROW_GROUP)
        del table
        os.replace(part, file)


def _number_error(info: _Source) -> ParseError:
    """Find the first value that is not a number in a column of numbers, with its line."""
    columns = [c for c in info.columns if c in _NUMBER_COLUMNS]
    offset = 0
    for batch in _csv_batches(info, columns, {c: pa.string() for c in columns}):
        for column in columns:
            text = pd.Series(batch.column(column).to_pandas(), dtype=object).str.strip()
            bad = pd.to_numeric(text, errors="coerce").isna().to_numpy() & (text != "").to_numpy()
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                return ParseError(
                    f"value is not a number: {text.iloc[first]!r}; fix or remove the row",
                    path=info.path,
                    row=offset + first + 2,
                    column=column,
                )
        offset += batch.num_rows
    return ParseError("a column of numbers holds text; fix the file", path=info.path)
