"""Check Arrow record batches (Parquet, DuckDB, CSV) without a pandas round trip.

The rules are those of :func:`~journeymap.data.check_frame`; this is only a faster
way to apply them to batches whose columns are plain numbers.  Whenever a batch is
not that simple — text or true/false in a rating column, a value off the scale, a
survey type to filter on, anything this path does not handle — it goes through
:func:`~journeymap.data.check_frame` instead, which accepts it or raises the one
error message it would raise for the same data in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data import (
    SURVEY_TYPES,
    CheckedChunk,
    _check_scale,
    check_frame,
    checked_chunk,
    recode_outcome,
)
from ..exceptions import DataValidationError

if TYPE_CHECKING:
    import pyarrow as pa
    from numpy.typing import NDArray

    from ..model import JourneyMap, Node

__all__ = ["batch_types", "check_batch"]


class _NeedsGeneralPathError(Exception):
    """This batch needs the general (pandas) path."""


def to_frame(batch: pa.RecordBatch, offset: int) -> pd.DataFrame:
    """The batch as a DataFrame indexed by its rows' 0-based numbers in the source."""
    frame: pd.DataFrame = batch.to_pandas()
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def batch_types(batch: pa.RecordBatch) -> set[str] | None:
    """The survey types present in the batch (blank left out; none without a
    ``survey_type`` column), or None when it holds values that are not survey types."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "survey_type" not in batch.schema.names:
        return set()
    try:
        distinct = pc.unique(batch.column("survey_type").cast(pa.string())).drop_null()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    kinds = {str(v).strip().lower() for v in distinct.to_pylist()}
    return kinds if kinds <= set(SURVEY_TYPES) else None


def _parse_numbers(arr: pa.Array) -> NDArray[np.float64]:
    """Text cells as numbers (blank = missing), when every cell is a plain number.

    Arrow parses in C++; whatever it does not accept, and anything it reads differently
    from the general rules (``nan`` text, infinities), goes to the general path, which
    names the cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        numbers = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        try:  # spaces around a number are allowed (as in memory)
            numbers = pc.cast(pc.utf8_trim_whitespace(arr), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise _NeedsGeneralPathError from None
    x = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.float64)
    if int(np.isnan(x).sum()) != arr.null_count or np.isinf(x).any():
        raise _NeedsGeneralPathError
    return x


def check_batch(batch: pa.RecordBatch, journey_map: JourneyMap, *, name: str, offset: int,
                survey_type: str | None = None, kinds: set[str] | None = None
                ) -> CheckedChunk:
    """Check one record batch whose first row is row ``offset`` (0-based) of the source.

    ``kinds`` may pass :func:`batch_types` of the batch when the caller has it.
    """
    try:
        return _check_numbers(batch, journey_map, survey_type, kinds)
    except (_NeedsGeneralPathError, DataValidationError):
        return check_frame(to_frame(batch, offset), journey_map, name=name,
                           survey_type=survey_type)


def _check_numbers(batch: pa.RecordBatch, journey_map: JourneyMap,
                   survey_type: str | None, kinds: set[str] | None) -> CheckedChunk:
    import pyarrow as pa

    if survey_type is not None and survey_type not in SURVEY_TYPES:
        raise _NeedsGeneralPathError
    names = set(batch.schema.names)
    chosen: str | None = None
    if "survey_type" in names:
        kinds = batch_types(batch) if kinds is None else kinds
        if kinds is None or len(kinds) > 1 or (survey_type is not None and kinds
                                               and kinds != {survey_type}):
            raise _NeedsGeneralPathError  # unknown values, a mix, or rows to filter out
        if batch.column("survey_type").null_count and survey_type is not None:
            raise _NeedsGeneralPathError
        chosen = survey_type if survey_type is not None else next(iter(kinds), None)
    elif survey_type is not None:
        raise _NeedsGeneralPathError

    outcome = journey_map.node(journey_map.outcome).columns[0]
    # Without blank LTRs every row is in the checked matrix, so single-column ratings are
    # checked against their scales there, in one pass; otherwise column by column.
    each = outcome not in names or batch.column(outcome).null_count > 0

    def column(col: str, node: Node) -> NDArray[Any]:
        if col not in names:
            raise _NeedsGeneralPathError
        arr = batch.column(col)
        kind = arr.type
        x: NDArray[Any]
        if pa.types.is_integer(kind) and arr.null_count == 0:
            x = arr.to_numpy()  # whole numbers, nothing missing: no float copy
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            x = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
            if np.isinf(x).any():
                raise _NeedsGeneralPathError
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            x = _parse_numbers(arr)  # CSV cells, read as text
        else:
            raise _NeedsGeneralPathError  # text, true/false, decimals …: the general rules
        if node.recode:
            x = recode_outcome(x, col, node)
        if each or node.items or node.kind == "outcome":
            _check_scale(x, col, node)
        return x

    chunk = checked_chunk(journey_map, column, batch.num_rows, chosen, compact=True)
    if not each and chunk.values.shape[0]:
        scales = np.array([n.scale for n in journey_map.measured_nodes], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            low = np.fmin.reduce(chunk.values, axis=0)
            high = np.fmax.reduce(chunk.values, axis=0)
        if not bool(np.all((np.isnan(low) | (low >= scales[:, 0]))
                           & (np.isnan(high) | (high <= scales[:, 1])))):
            raise _NeedsGeneralPathError  # a value off its scale: named by the general path
    return chunk
