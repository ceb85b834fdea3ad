"""Tests of journeymap.formatting: one set of number rules for the CLI, map, card and web."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pytest

from journeymap import formatting
from journeymap.formatting import ci, count, fixed, money, signed


def oracle(x: float, digits: int, plus: bool) -> str:
    """Independent: the exact binary value rounded half-even with Decimal."""
    q = Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    if q == 0:
        return f"{Decimal(0):.{digits}f}"
    text = f"{q:.{digits}f}"
    if plus and q > 0:
        text = "+" + text
    return text.replace("-", "\u2212")


# ====================================================================== signed
@pytest.mark.parametrize("x", [-0.0, 0.0, -0.004, 0.004, -1e-300, np.float64(-0.0)])
def test_values_that_round_to_zero_print_as_unsigned_zero(x: float) -> None:
    assert signed(x) == "0.0"
    assert signed(x, 2) == "0.00"
    assert fixed(x, 1) == "0.0"


def test_signs_are_a_plus_and_a_true_minus() -> None:
    assert signed(1.25, 2) == "+1.25"
    assert signed(-1.25, 2) == "\u22121.25"
    assert signed(-3) == "\u22123.0"
    assert signed(np.int64(4), 0) == "+4"


@pytest.mark.parametrize(("x", "digits", "expected"), [
    (0.25, 1, "+0.2"),     # an exact half: to even
    (0.35, 1, "+0.3"),     # stored as 0.34999…
    (0.45, 1, "+0.5"),     # stored as 0.45000…01
    (-2.5, 0, "\u22122"),  # an exact half: to even
    (-0.05, 1, "\u22120.1"),  # stored as −0.05000…03: not zero
    (0.049999, 1, "0.0"),
    (1.005, 2, "+1.00"),   # stored as 1.00499…
])
def test_half_cases_round_the_stored_binary_value(x: float, digits: int,
                                                  expected: str) -> None:
    assert signed(x, digits) == expected
    assert signed(x, digits) == oracle(x, digits, plus=True)


def test_signed_and_fixed_agree_with_an_exact_decimal_rounding_on_random_values() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        x = rng.choice([rng.uniform(-3, 3), round(rng.uniform(-3, 3), 3),
                        rng.uniform(-1e-3, 1e-3)])
        digits = rng.randint(0, 3)
        assert signed(x, digits) == oracle(x, digits, plus=True), (x, digits)
        assert fixed(x, digits) == oracle(x, digits, plus=False), (x, digits)


@pytest.mark.parametrize("missing", [None, math.nan, np.float32("nan"), pd.NA])
def test_missing_values_are_an_en_dash(missing: object) -> None:
    assert signed(missing) == "\u2013"
    assert fixed(missing) == "\u2013"
    assert count(missing) == "\u2013"
    assert money(missing) == "\u2013"


# ====================================================================== the others
def test_intervals_use_the_signed_rule_on_both_ends() -> None:
    assert ci((-3.14, 2.0)) == "\u22123.1 to +2.0"
    assert ci((-0.01, 0.26), 1) == "0.0 to +0.3"
    assert ci(None) == "\u2013"
    assert ci((None, 1.0)) == "\u2013 to +1.0"


def test_counts_and_money_separate_thousands() -> None:
    assert count(1960) == "1,960"
    assert count(np.int64(1_234_567)) == "1,234,567"
    assert money(12345.5) == "12,346"  # an exact half: to even → 12,346 (…5.5 → 6)
    assert money(-0.4) == "0"
    assert money(-1500) == "\u22121,500"


# ====================================================================== one copy
def test_the_cli_map_card_and_web_use_the_same_functions() -> None:
    from journeymap.analysis import roles
    from journeymap.cli import _tables
    from journeymap.render import card, graph

    assert graph._signed is card._signed is roles.signed is _tables.signed \
        is formatting.signed
    assert graph._ci is card._ci is _tables.ci is formatting.ci
    web = pytest.importorskip("journeymap_api.web._core")
    assert web.signed is formatting.signed
    assert web.fixed is formatting.fixed
    assert web.count is formatting.count
