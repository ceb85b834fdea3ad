"""Headroom and compressed headroom tables against per-respondent computations."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from journeymap.headroom import HeadroomTable, headroom
from journeymap.nps import nps_change


def headroom_by_hand(values: NDArray[np.float64], high: NDArray[np.float64]) -> NDArray[np.float64]:
    """Cell by cell: 0 when not experienced, else min(1, hi − x) (never below 0)."""
    out = np.zeros(values.shape)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            x = values[i, j]
            out[i, j] = 0.0 if np.isnan(x) else max(0.0, min(1.0, high[j] - x))
    return out


def composite_scores(rng: np.random.Generator, n: int, n_items: int,
                     scale: tuple[int, int] = (1, 5)) -> NDArray[np.float64]:
    """Means of ``n_items`` integer items: fractional scores in steps of 1/n_items."""
    items = rng.integers(scale[0], scale[1] + 1, size=(n, n_items))
    return np.asarray(items.mean(axis=1), dtype=np.float64)


def respondents(seed: int, n: int = 3000) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """LTR and headroom on 4 nodes: a 1–5 rating, a 3-item and a 2-item composite,
    and a 1–7 rating; each with missing values."""
    rng = np.random.default_rng(seed)
    ltr = rng.integers(0, 11, size=n)
    x = np.column_stack([
        rng.integers(1, 6, size=n).astype(np.float64),
        composite_scores(rng, n, 3),
        composite_scores(rng, n, 2),
        rng.integers(1, 8, size=n).astype(np.float64),
    ])
    x[rng.random(x.shape) < 0.2] = np.nan
    return ltr, headroom(x, np.array([5.0, 5.0, 5.0, 7.0]))


# --------------------------------------------------------------------- headroom


def test_headroom_hand_examples_on_a_1_to_5_scale() -> None:
    # x = 1 → min(1, 4) = 1; 4 → 1; 4.5 → 0.5; 4 2/3 → 1/3; 5 → 0 (at the top); NaN → 0
    x = np.array([[1.0], [4.0], [4.5], [14 / 3], [5.0], [np.nan]])
    np.testing.assert_allclose(headroom(x, np.array([5.0])).ravel(),
                               [1.0, 1.0, 0.5, 1 / 3, 0.0, 0.0], rtol=1e-12, atol=1e-15)


def test_headroom_equals_the_cell_by_cell_rule() -> None:
    rng = np.random.default_rng(1)
    x = np.column_stack([composite_scores(rng, 500, 3), composite_scores(rng, 500, 2, (1, 7)),
                         rng.uniform(0, 10, 500)])
    x[rng.random(x.shape) < 0.3] = np.nan
    high = np.array([5.0, 7.0, 10.0])
    h = headroom(x, high)
    np.testing.assert_allclose(h, headroom_by_hand(x, high), rtol=0, atol=1e-15)
    assert ((h > 0) & (h < 1)).any()  # fractional headroom occurs
    assert (h[np.isnan(x)] == 0).all()


def test_headroom_leaves_its_input_untouched() -> None:
    x = np.array([[np.nan, 4.5]])
    headroom(x, np.array([5.0, 5.0]))
    assert np.isnan(x[0, 0])
    assert x[0, 1] == 4.5


# ------------------------------------------------------------------- the table


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_table_nps_points_equal_the_per_respondent_computation(seed: int) -> None:
    ltr, h = respondents(seed)
    table = HeadroomTable.build(ltr, h)
    assert table.n == len(ltr)
    assert len(table.counts) < len(ltr)  # the table really is compressed
    rng = np.random.default_rng(100 + seed)
    for _ in range(5):
        c = rng.uniform(-2.0, 2.0, size=h.shape[1])
        assert table.nps_points(c) == pytest.approx(nps_change(ltr, h @ c), rel=1e-9, abs=1e-12)
        k = float(rng.uniform(-1, 1))
        assert table.nps_points(c, k) == pytest.approx(nps_change(ltr, h @ c + k), rel=1e-9,
                                                       abs=1e-12)


def test_table_rows_reproduce_every_respondent_with_counts() -> None:
    ltr, h = respondents(3, n=800)
    table = HeadroomTable.build(ltr, h)
    expected = {}
    for k, row in zip(ltr, h, strict=True):
        key = (int(k), *np.round(row * 2520).astype(int))
        expected[key] = expected.get(key, 0) + 1
    got = {(int(k), *np.round(row * 2520).astype(int)): c
           for k, row, c in zip(table.ltr, table.h, table.counts, strict=True)}
    assert got == expected
    np.testing.assert_allclose(np.sort(np.unique(table.h[:, 1])),
                               np.sort(np.unique(h[:, 1])), rtol=0, atol=1e-12)


def test_composite_thirds_are_kept_exactly_enough_for_a_kink() -> None:
    # item means 14/3 (headroom 1/3) on a 1–5 scale; LTR 8 with total effect 1.5:
    # shift 1.5 · 1/3 = 0.5, so half of the 8s become promoters: +50 NPS points
    ltr = np.array([8, 8])
    h = headroom(np.array([[14 / 3], [14 / 3]]), np.array([5.0]))
    table = HeadroomTable.build(ltr, h)
    assert table.nps_points(np.array([1.5])) == pytest.approx(50.0, rel=1e-12)


def test_tables_of_many_levels_use_the_sparse_and_the_row_paths_correctly() -> None:
    # headroom on the 1/2520 grid (item means of up to 10 items); 3 nodes with ~2000
    # levels each: ~10¹¹ codes (> the dense limit, sparse keys); 8 such nodes: more than
    # 2⁶² codes (rows compared directly)
    rng = np.random.default_rng(7)
    n = 4000
    ltr = rng.integers(0, 11, size=n)
    for q in (3, 8):
        h = rng.integers(0, 2521, size=(n, q)) / 2520
        h[rng.random(h.shape) < 0.1] = 0.0
        levels = [len(np.unique(np.rint(h[:, j] * 2520))) for j in range(q)]
        codes = np.prod([11.0, *levels])
        assert (5e7 < codes < 2.0**62) if q == 3 else (codes >= 2.0**62)
        table = HeadroomTable.build(ltr, h)
        assert table.n == n
        c = rng.uniform(0, 3, size=q)
        assert table.nps_points(c) == pytest.approx(nps_change(ltr, h @ c), rel=1e-9)


def test_table_without_nodes_counts_ltr_only() -> None:
    ltr = np.array([10, 8, 8, 6, 6, 6])
    table = HeadroomTable.build(ltr, np.zeros((6, 0)))
    rows = sorted(zip(table.ltr.tolist(), table.counts.tolist(), strict=True))
    assert rows == [(6, 3.0), (8, 2.0), (10, 1.0)]
    # a constant shift of +0.5: 8s half promoter (2 · 0.5), 6s half out (3 · 0.5): 2.5/6
    assert table.nps_points(np.zeros(0), 0.5) == pytest.approx(100 * 2.5 / 6, rel=1e-12)


def _sorted_rows(t: HeadroomTable) -> NDArray[np.float64]:
    rows = np.column_stack([t.ltr, np.rint(t.h * 2520), t.counts])
    return rows[np.lexsort(rows[:, ::-1].T)]


def test_merging_two_tables_equals_the_table_of_both_chunks() -> None:
    ltr, h = respondents(4)
    a = HeadroomTable.build(ltr[:1700], h[:1700])
    b = HeadroomTable.build(ltr[1700:], h[1700:])
    whole = HeadroomTable.build(ltr, h)
    merged = a.merge(b)
    assert merged.n == whole.n == len(ltr)
    np.testing.assert_array_equal(_sorted_rows(merged), _sorted_rows(whole))
    c = np.array([0.8, -0.3, 1.2, 0.5])
    assert merged.nps_points(c) == pytest.approx(whole.nps_points(c), rel=1e-12)


def test_gradient_equals_finite_differences_of_nps_points() -> None:
    ltr, h = respondents(5)
    table = HeadroomTable.build(ltr, h)
    c = np.array([0.37, 0.53, 0.81, 0.23])
    k = 0.113
    d_c, d_k = table.nps_points_gradient(c, k)
    step = 1e-7
    # piecewise linear: a finite difference is exact unless a respondent sits on a kink
    shift = table.h @ c + k
    assert np.min(np.abs((table.ltr + shift)[:, None] - np.array([6, 7, 8, 9]))) > 10 * step
    for j in range(len(c)):
        e = np.zeros(len(c))
        e[j] = step
        fd = (table.nps_points(c + e, k) - table.nps_points(c - e, k)) / (2 * step)
        assert d_c[j] == pytest.approx(fd, rel=1e-6, abs=1e-9)
    fd_k = (table.nps_points(c, k + step) - table.nps_points(c, k - step)) / (2 * step)
    assert d_k == pytest.approx(fd_k, rel=1e-6)
    assert np.abs(d_c).sum() > 0


@pytest.mark.parametrize(("n", "order"), [(1, "C"), (5000, "F"), (40_000, "F"), (40_000, "C")])
def test_whole_number_tables_equal_the_general_tables(n: int, order: str) -> None:
    """The blocked 0/1 path (several blocks and a partial one at 40,000 rows) gives the
    tables of the general path, built from headroom computed cell by cell."""
    from journeymap.headroom import BLOCK_ROWS, build_tables

    assert n < BLOCK_ROWS or n % BLOCK_ROWS
    rng = np.random.default_rng(n)
    high = np.array([5.0, 7.0, 10.0, 5.0])
    x = np.column_stack([rng.integers(1, int(h) + 1, size=n) for h in high]).astype(np.float64)
    x[rng.random(x.shape) < 0.2] = np.nan
    values = np.asfortranarray(x) if order == "F" else np.ascontiguousarray(x)
    ltr = rng.integers(0, 11, size=n)
    groups = {"a": (0,), "c": (2,), "ab": (0, 1), "all": (0, 1, 2, 3)}
    fast = build_tables(ltr, values, high, groups, integer=[True] * 4)
    for key, cols in groups.items():
        general = HeadroomTable.build(ltr, headroom_by_hand(x[:, list(cols)], high[list(cols)])
                                      if n <= 5000 else headroom(x[:, list(cols)],
                                                                 high[list(cols)]))
        assert fast[key].n == n
        got = sorted(zip(fast[key].ltr, map(tuple, fast[key].h), fast[key].counts, strict=True))
        want = sorted(zip(general.ltr, map(tuple, general.h), general.counts, strict=True))
        assert got == want
