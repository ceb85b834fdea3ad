"""journeymap.jsonsafe.to_jsonable: the one JSON-safe conversion of the library and the API."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from journeymap.jsonsafe import to_jsonable


def test_nan_and_infinities_become_null_at_any_depth() -> None:
    got = to_jsonable({"a": [1.0, math.nan, {"b": (math.inf, -math.inf)}],
                       "c": np.float64("nan")})
    assert got == {"a": [1.0, None, {"b": [None, None]}], "c": None}


def test_numpy_scalars_become_python_scalars_of_the_same_value() -> None:
    got = to_jsonable([np.float64(0.1), np.int64(7), np.bool_(True), np.float32(0.5)])
    assert got == [0.1, 7, True, 0.5]
    assert [type(v) for v in got] == [float, int, bool, float]


def test_numpy_arrays_become_nested_lists_with_nan_as_null() -> None:
    got = to_jsonable(np.array([[1.0, np.nan], [np.inf, 2.5]]))
    assert got == [[1.0, None], [None, 2.5]]


def test_tuples_become_lists() -> None:
    assert to_jsonable(("a", (1, 2))) == ["a", [1, 2]]


def test_full_precision_and_negative_zero_are_kept() -> None:
    x = 0.1 + 0.2  # 0.30000000000000004
    got = to_jsonable({"x": x, "z": -0.0})
    assert got["x"] == x
    assert math.copysign(1.0, got["z"]) == -1.0
    assert json.dumps(got) == '{"x": 0.30000000000000004, "z": -0.0}'


def test_keys_json_writes_itself_are_kept_and_others_become_strings() -> None:
    got = to_jsonable({"s": 1, 2: 2, np.int64(3): 3, ("a", "b"): 4, True: 5})
    assert got == {"s": 1, 2: 2, 3: 3, "('a', 'b')": 4, True: 5}
    assert json.dumps(got) == '{"s": 1, "2": 2, "3": 3, "(\'a\', \'b\')": 4, "true": 5}'


@pytest.mark.parametrize("value", ["text", 3, None, True, 1e-300])
def test_plain_values_pass_through_unchanged(value: object) -> None:
    assert to_jsonable(value) == value


def test_the_result_always_serialises_with_allow_nan_false() -> None:
    rng = np.random.default_rng(5)
    arr = rng.normal(size=20)
    arr[[2, 7]] = np.nan
    arr[11] = np.inf
    text = json.dumps(to_jsonable({"arr": arr, "mean": np.nanmean(arr)}), allow_nan=False)
    back = json.loads(text)
    assert back["arr"][2] is None
    assert back["arr"][11] is None
    assert back["arr"][0] == float(arr[0])
