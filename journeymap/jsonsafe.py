"""Plain, JSON-safe data from results: the one conversion every JSON writer uses.

Every JSON the library, the CLI and the HTTP API produce goes through
:func:`to_jsonable` and then ``json.dumps(..., allow_nan=False)``, so a number is
written the same way whichever front end wrote it: full double precision, and
``null`` for a number that could not be computed (docs/api.md, "Conventions").

>>> import math
>>> import numpy as np
>>> to_jsonable({"a": (np.float64(1.5), math.nan), "b": np.arange(2), np.int64(3): -0.0})
{'a': [1.5, None], 'b': [0, 1], 3: -0.0}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["to_jsonable"]

#: Dictionary keys ``json.dumps`` writes itself (``True`` → ``"true"``, ``1.5`` → ``"1.5"``).
_JSON_KEYS = (str, int, float, bool, type(None))


def to_jsonable(obj: Any) -> Any:
    """Make an object JSON-safe without changing any number that JSON can carry.

    Parameters
    ----------
    obj
        Nested ``dict`` / ``list`` / ``tuple`` / NumPy arrays of numbers, strings,
        booleans and ``None`` (typically a result's records).

    Returns
    -------
    Any
        The same structure as plain Python data:

        - NaN and ±infinity become ``None`` (``null``): JSON has no NaN, and a figure
          that could not be computed is "no value", never a made-up number;
        - NumPy scalars become the Python ``int`` / ``float`` / ``bool`` of the same
          value, NumPy arrays become (nested) lists;
        - tuples become lists (JSON arrays);
        - dictionary keys stay as they are when ``json.dumps`` writes them itself
          (``str``, ``int``, ``float``, ``bool``, ``None``); NumPy scalar keys become
          Python scalars and any other key (e.g. a tuple) its ``str()``;
        - floats keep full double precision and their sign, so ``-0.0`` stays
          ``-0.0``: the JSON is the exact computed value; signs are tidied only where
          numbers are formatted for people.
    """
    if isinstance(obj, dict):
        return {_key(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _key(key: Any) -> Any:
    if isinstance(key, np.generic):
        key = key.item()
    return key if isinstance(key, _JSON_KEYS) else str(key)
