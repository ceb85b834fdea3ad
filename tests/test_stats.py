"""Sufficient statistics equal Gram matrices computed directly with numpy.

Each equation's moments must be ``Zᵀ Z`` with ``Z = [1, X]`` over exactly the rows
where all of that equation's columns are observed, whichever internal path (pattern
blocks, per-equation fallback, packed keys for more than 62 equations) built them.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from journeymap.stats import SufficientStats

RTOL = 1e-10


def direct_gram(values: NDArray[np.float64], eq: tuple[int, ...]) -> NDArray[np.float64]:
    """``Zᵀ Z`` with an intercept column over the rows complete in ``eq``."""
    rows = ~np.isnan(values[:, list(eq)]).any(axis=1)
    X = values[rows][:, list(eq)]
    Z = np.column_stack([np.ones(len(X)), X])
    return Z.T @ Z


def random_equations(rng: np.random.Generator, n_columns: int,
                     n_equations: int) -> list[tuple[int, ...]]:
    """Distinct equations of 2–4 columns (parents then child)."""
    out: list[tuple[int, ...]] = []
    while len(out) < n_equations:
        size = int(rng.integers(2, 5))
        eq = tuple(int(c) for c in rng.choice(n_columns, size=size, replace=False))
        if eq not in out:
            out.append(eq)
    return out


def ratings(rng: np.random.Generator, n: int, m: int) -> NDArray[np.float64]:
    """Positive ratings 1–7 with some fractional values (item means)."""
    x = rng.integers(1, 8, size=(n, m)).astype(np.float64)
    frac = rng.random((n, m)) < 0.2
    x[frac] += rng.choice([1 / 3, 0.5, 2 / 3], size=int(frac.sum()))
    return x


def with_row_patterns(rng: np.random.Generator, x: NDArray[np.float64],
                      n_patterns: int, p_missing: float = 0.3) -> NDArray[np.float64]:
    """Blank cells so that each row follows one of ``n_patterns`` missingness masks."""
    masks = rng.random((n_patterns, x.shape[1])) < p_missing
    masks[0] = False  # one pattern fully observed
    which = rng.integers(0, n_patterns, size=x.shape[0])
    out = x.copy()
    out[masks[which]] = np.nan
    return out


def assert_moments_equal_direct(stats: SufficientStats, values: NDArray[np.float64]) -> None:
    for e, eq in enumerate(stats.equations):
        mom = stats.moments(e)
        expected = direct_gram(values, eq)
        assert mom.columns == eq
        assert mom.gram.shape == expected.shape
        np.testing.assert_allclose(mom.gram, expected, rtol=RTOL, atol=0)
        assert mom.n == int(expected[0, 0])


# ---------------------------------------------------------------- moments paths


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moments_equal_the_gram_of_complete_rows_with_a_few_patterns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = with_row_patterns(rng, ratings(rng, 2000, 8), n_patterns=6)
    eqs = random_equations(rng, 8, 7)
    stats = SufficientStats.from_array(x, eqs)
    assert stats.blocks, "few patterns must be summed per pattern block"
    assert all(not d.any() for d in stats.direct)
    assert stats.n_rows == 2000
    assert_moments_equal_direct(stats, x)


def test_moments_equal_the_gram_when_nothing_is_missing() -> None:
    rng = np.random.default_rng(3)
    x = ratings(rng, 500, 5)
    eqs = [(0, 1, 4), (2, 3), (4, 0)]
    stats = SufficientStats.from_array(x, eqs)
    assert list(stats.blocks) == [0b111]
    assert_moments_equal_direct(stats, x)


def test_moments_fall_back_per_equation_beyond_max_patterns() -> None:
    rng = np.random.default_rng(4)
    x = ratings(rng, 3000, 10)
    x[rng.random(x.shape) < 0.25] = np.nan  # independent cells: hundreds of patterns
    eqs = random_equations(rng, 10, 12)
    stats = SufficientStats.from_array(x, eqs, max_patterns=16)
    complete = np.column_stack([~np.isnan(x[:, list(eq)]).any(axis=1) for eq in eqs])
    assert len(np.unique(complete, axis=0)) > 16  # really more patterns than allowed
    assert not stats.blocks, "the fallback sums per equation, not per pattern"
    assert_moments_equal_direct(stats, x)


@pytest.mark.parametrize("late", [False, True])
def test_many_patterns_in_a_large_chunk_are_summed_per_equation(late: bool) -> None:
    """20,000 rows: with gaps everywhere the first rows already show too many patterns (no
    sort of every row's pattern); with gaps only after row 10,000 the full count decides."""
    from journeymap.stats import PATTERN_SAMPLE

    rng = np.random.default_rng(5)
    x = ratings(rng, 20_000, 10)
    gaps = rng.random(x.shape) < 0.25
    if late:
        gaps[:10_000] = False
    x[gaps] = np.nan
    assert x.shape[0] > PATTERN_SAMPLE
    stats = SufficientStats.from_array(x, random_equations(rng, 10, 12), max_patterns=16)
    assert not stats.blocks
    assert_moments_equal_direct(stats, x)


def test_both_paths_give_the_same_moments() -> None:
    rng = np.random.default_rng(5)
    x = ratings(rng, 1500, 9)
    x[rng.random(x.shape) < 0.15] = np.nan
    eqs = random_equations(rng, 9, 10)
    by_pattern = SufficientStats.from_array(x, eqs, max_patterns=10**6)
    by_equation = SufficientStats.from_array(x, eqs, max_patterns=1)
    assert by_pattern.blocks
    assert not by_equation.blocks
    for e in range(len(eqs)):
        np.testing.assert_allclose(by_pattern.moments(e).gram, by_equation.moments(e).gram,
                                   rtol=RTOL, atol=0)


def test_moments_with_more_than_62_equations_use_packed_keys() -> None:
    rng = np.random.default_rng(6)
    x = with_row_patterns(rng, ratings(rng, 2500, 16), n_patterns=7, p_missing=0.2)
    eqs = random_equations(rng, 16, 75)
    stats = SufficientStats.from_array(x, eqs)
    assert stats.blocks
    assert max(stats.blocks) >= 2**62, "keys beyond 62 bits must survive packing"
    assert_moments_equal_direct(stats, x)


def test_equation_bits_above_62_are_not_confused_with_lower_ones() -> None:
    # Equation 70 is complete only on rows whose column 15 is observed; equation 0 only
    # where column 14 is.  A packing error would give them each other's rows.
    rng = np.random.default_rng(7)
    x = ratings(rng, 400, 16)
    x[:200, 15] = np.nan
    x[200:, 14] = np.nan
    eqs = [(14, 0), *[(i % 14, (i + 1) % 14) for i in range(1, 70)], (15, 1)]
    stats = SufficientStats.from_array(x, eqs)
    assert stats.moments(0).n == 200
    assert stats.moments(70).n == 200
    assert_moments_equal_direct(stats, x)


# ------------------------------------------------------------------------ merge


@pytest.mark.parametrize(("n_equations", "max_patterns"), [(8, 64), (8, 3), (70, 64)])
def test_merged_chunks_equal_the_statistics_of_the_whole_array(n_equations: int,
                                                                max_patterns: int) -> None:
    rng = np.random.default_rng(100 + n_equations + max_patterns)
    x = with_row_patterns(rng, ratings(rng, 3000, 12), n_patterns=9)
    x[rng.random(x.shape) < 0.02] = np.nan  # a few stray blanks as well
    eqs = random_equations(rng, 12, n_equations)
    whole = SufficientStats.from_array(x, eqs, max_patterns=max_patterns)
    cuts = np.sort(rng.choice(np.arange(1, 3000), size=6, replace=False))
    chunks = np.split(x, cuts)
    merged = SufficientStats.from_array(chunks[0], eqs, max_patterns=max_patterns)
    for chunk in chunks[1:]:
        assert merged.merge(SufficientStats.from_array(chunk, eqs, max_patterns)) is merged
    assert merged.n_rows == whole.n_rows == 3000
    for e in range(n_equations):
        np.testing.assert_allclose(merged.moments(e).gram, whole.moments(e).gram,
                                   rtol=1e-9, atol=0)
    assert_moments_equal_direct(merged, x)


def test_merge_mixes_a_fallback_chunk_and_a_pattern_chunk() -> None:
    rng = np.random.default_rng(9)
    x = ratings(rng, 2000, 8)
    x[:1000][rng.random((1000, 8)) < 0.3] = np.nan  # first half: many patterns
    x[1000:, 3] = np.nan  # second half: one pattern
    eqs = random_equations(rng, 8, 6)
    a = SufficientStats.from_array(x[:1000], eqs, max_patterns=4)
    b = SufficientStats.from_array(x[1000:], eqs, max_patterns=4)
    assert not a.blocks
    assert b.blocks
    assert_moments_equal_direct(a.merge(b), x)


def test_merging_statistics_of_other_equations_is_refused() -> None:
    x = ratings(np.random.default_rng(10), 50, 4)
    a = SufficientStats.from_array(x, [(0, 1)])
    b = SufficientStats.from_array(x, [(0, 2)])
    with pytest.raises(ValueError, match="different equations"):
        a.merge(b)


def test_update_refuses_a_chunk_with_other_columns() -> None:
    stats = SufficientStats(4, ((0, 1),))
    with pytest.raises(ValueError, match="expected 4 columns, got 3"):
        stats.update(np.ones((5, 3)))


def test_an_empty_chunk_adds_nothing() -> None:
    rng = np.random.default_rng(11)
    x = ratings(rng, 100, 3)
    stats = SufficientStats.from_array(x, [(0, 2), (1, 2)])
    stats.update(np.empty((0, 3)))
    assert stats.n_rows == 100
    assert_moments_equal_direct(stats, x)


# ---------------------------------------------------------------- derived moments


@pytest.mark.parametrize("max_patterns", [64, 1])
def test_covariance_and_means_equal_numpy_on_the_equation_rows(max_patterns: int) -> None:
    rng = np.random.default_rng(12)
    x = with_row_patterns(rng, ratings(rng, 1200, 6), n_patterns=5)
    x[rng.random(x.shape) < 0.05] = np.nan
    eqs = random_equations(rng, 6, 5)
    stats = SufficientStats.from_array(x, eqs, max_patterns=max_patterns)
    for e, eq in enumerate(eqs):
        rows = x[~np.isnan(x[:, list(eq)]).any(axis=1)][:, list(eq)]
        mom = stats.moments(e)
        assert mom.n == len(rows)
        np.testing.assert_allclose(mom.means, rows.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(mom.covariance, np.cov(rows, rowvar=False), rtol=1e-9,
                                   atol=1e-12)


@pytest.mark.parametrize("missing", [0.0, 0.2])
def test_float32_whole_numbers_give_exactly_the_float64_moments(missing: float) -> None:
    """400,000 rows of 9s and 10s: Σx² ≈ 3.6e7 is past float32's 2**24, where one float32
    product would round; summed in blocks the moments are exact integers."""
    rng = np.random.default_rng(4)
    values = rng.integers(9, 11, size=(400_000, 3)).astype(np.float64)
    values[rng.random(values.shape) < missing] = np.nan
    eqs = [(0, 2), (1, 2), (0, 1, 2)]
    naive = values[~np.isnan(values).any(axis=1)].astype(np.float32)
    assert (naive.T @ naive).astype(np.float64)[0, 0] != (naive.astype(np.float64).T
                                                           @ naive.astype(np.float64))[0, 0]
    wide = SufficientStats.from_array(values, eqs)
    compact = SufficientStats.from_array(np.asfortranarray(values.astype(np.float32)), eqs)
    for e, eq in enumerate(eqs):
        np.testing.assert_array_equal(compact.moments(e).gram, direct_gram(values, eq))
        np.testing.assert_array_equal(compact.moments(e).gram, wide.moments(e).gram)


def test_column_sums_of_float32_whole_numbers_are_exact() -> None:
    from journeymap.stats import column_sums

    x = np.full((3_000_001, 2), 7.0, dtype=np.float32)  # 2.1e7: beyond 2**24
    x[0, 1] = np.nan
    sums = column_sums(x)
    assert sums[0] == 21_000_007.0
    assert np.isnan(sums[1])
