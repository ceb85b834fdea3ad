"""Sufficient statistics equal Gram matrices computed directly with numpy.

Each equation's moments must be ``Zᵀ Z`` with ``Z = [1, X]`` over exactly the rows
where all of that equation's columns are observed, whichever path (one Gram matrix of a
complete chunk, the masked pass over a chunk with gaps, in float32 or float64 blocks)
built them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
    assert stats.complete is None, "a chunk with gaps is summed per equation"
    assert stats.n_rows == 2000
    assert_moments_equal_direct(stats, x)


def test_moments_equal_the_gram_when_nothing_is_missing() -> None:
    rng = np.random.default_rng(3)
    x = ratings(rng, 500, 5)
    eqs = [(0, 1, 4), (2, 3), (4, 0)]
    stats = SufficientStats.from_array(x, eqs)
    assert stats.complete is not None
    assert stats.complete.shape == (6, 6)
    assert all(not g.any() for g in stats.grams)
    assert_moments_equal_direct(stats, x)


def test_moments_with_a_different_pattern_in_almost_every_row() -> None:
    rng = np.random.default_rng(4)
    x = ratings(rng, 3000, 10)
    x[rng.random(x.shape) < 0.25] = np.nan  # independent cells: hundreds of patterns
    eqs = random_equations(rng, 10, 12)
    complete = np.column_stack([~np.isnan(x[:, list(eq)]).any(axis=1) for eq in eqs])
    assert len(np.unique(complete, axis=0)) > 100
    assert_moments_equal_direct(SufficientStats.from_array(x, eqs), x)


@pytest.mark.parametrize("block_rows", [1, 7, 1000, 4096])
def test_masked_grams_do_not_depend_on_the_block_size(block_rows: int) -> None:
    from journeymap.stats import masked_grams

    rng = np.random.default_rng(5)
    x = ratings(rng, 2500, 9)
    x[rng.random(x.shape) < 0.15] = np.nan
    eqs = random_equations(rng, 9, 10)
    grams, totals = masked_grams(x, eqs, block_rows=block_rows)
    for gram, eq in zip(grams, eqs, strict=True):
        np.testing.assert_allclose(gram, direct_gram(x, eq), rtol=RTOL, atol=0)
    np.testing.assert_array_equal(totals.n, (~np.isnan(x)).sum(axis=0))
    np.testing.assert_allclose(totals.sums, np.nansum(x, axis=0), rtol=RTOL)


def test_negative_ratings_and_an_empty_column_give_the_gram_and_totals() -> None:
    """Gaps are filled with the block's smallest value when it is negative (not 0): the
    Gram matrices must not see the fill, the column sums must take it out again."""
    from journeymap.stats import masked_grams

    rng = np.random.default_rng(6)
    x = rng.integers(-3, 4, size=(900, 5)).astype(np.float64)
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 4] = np.nan  # nobody experienced the last node
    x[:300, 2] = np.nan  # nor the third in the first block
    eqs = [(0, 1), (1, 2, 3), (0, 4), (3, 2, 0, 1)]
    grams, totals = masked_grams(x, eqs, whole=True, block_rows=300)
    for gram, eq in zip(grams, eqs, strict=True):
        np.testing.assert_array_equal(gram, direct_gram(x, eq))
    np.testing.assert_array_equal(totals.n, (~np.isnan(x)).sum(axis=0))
    np.testing.assert_array_equal(totals.sums, np.nansum(x, axis=0))


def test_whole_numbers_beyond_the_float32_bound_are_summed_in_float64() -> None:
    """0–100 ratings: 100² × 16,384 rows is past 2**24, so float32 products would round;
    blocks with such values must go through float64 and stay exact."""
    from journeymap.stats import EXACT_PEAK

    rng = np.random.default_rng(7)
    x = rng.integers(0, 101, size=(40_000, 4)).astype(np.float64)
    x[:20_000, :2] = rng.integers(0, EXACT_PEAK + 1, size=(20_000, 2))  # small in part
    x[rng.random(x.shape) < 0.1] = np.nan
    eqs = [(0, 1), (2, 3), (0, 1, 2, 3)]
    stats = SufficientStats.from_array(x, eqs, whole=True)
    for e, eq in enumerate(eqs):
        np.testing.assert_array_equal(stats.moments(e).gram, direct_gram(x, eq))


def test_moments_of_many_equations_each_use_their_own_rows() -> None:
    # Equation 70 is complete only on rows whose column 15 is observed; equation 0 only
    # where column 14 is.  Mixing up two equations' indicators would give them each
    # other's rows.
    rng = np.random.default_rng(7)
    x = ratings(rng, 400, 16)
    x[:200, 15] = np.nan
    x[200:, 14] = np.nan
    eqs = [(14, 0), *[(i % 14, (i + 1) % 14) for i in range(1, 70)], (15, 1)]
    stats = SufficientStats.from_array(x, eqs)
    assert stats.moments(0).n == 200
    assert stats.moments(70).n == 200
    assert_moments_equal_direct(stats, x)


def test_update_returns_each_columns_observed_count_and_sum() -> None:
    rng = np.random.default_rng(8)
    x = ratings(rng, 700, 6)
    stats = SufficientStats(6, ((0, 1), (2, 3, 4)))
    whole = stats.update(x)
    np.testing.assert_array_equal(whole.n, np.full(6, 700))
    np.testing.assert_allclose(whole.sums, x.sum(axis=0), rtol=1e-13)
    x[rng.random(x.shape) < 0.3] = np.nan
    gaps = stats.update(x)
    np.testing.assert_array_equal(gaps.n, (~np.isnan(x)).sum(axis=0))
    np.testing.assert_allclose(gaps.sums, np.nansum(x, axis=0), rtol=1e-13)


# ------------------------------------------------------------------------ merge


@pytest.mark.parametrize("n_equations", [8, 70])
def test_merged_chunks_equal_the_statistics_of_the_whole_array(n_equations: int) -> None:
    rng = np.random.default_rng(100 + n_equations)
    x = with_row_patterns(rng, ratings(rng, 3000, 12), n_patterns=9)
    x[rng.random(x.shape) < 0.02] = np.nan  # a few stray blanks as well
    eqs = random_equations(rng, 12, n_equations)
    whole = SufficientStats.from_array(x, eqs)
    cuts = np.sort(rng.choice(np.arange(1, 3000), size=6, replace=False))
    chunks = np.split(x, cuts)
    merged = SufficientStats.from_array(chunks[0], eqs)
    for chunk in chunks[1:]:
        assert merged.merge(SufficientStats.from_array(chunk, eqs)) is merged
    assert merged.n_rows == whole.n_rows == 3000
    for e in range(n_equations):
        np.testing.assert_allclose(merged.moments(e).gram, whole.moments(e).gram,
                                   rtol=1e-9, atol=0)
    assert_moments_equal_direct(merged, x)


def test_merge_mixes_a_complete_chunk_and_chunks_with_gaps() -> None:
    rng = np.random.default_rng(9)
    x = ratings(rng, 3000, 8)
    x[:1000][rng.random((1000, 8)) < 0.3] = np.nan  # first third: many patterns
    x[2000:, 3] = np.nan  # last third: one pattern; the middle third is complete
    eqs = random_equations(rng, 8, 6)
    a, b, c = (SufficientStats.from_array(x[i:i + 1000], eqs) for i in (0, 1000, 2000))
    assert a.complete is None
    assert b.complete is not None
    assert c.complete is None
    weighted = SufficientStats.weighted_sum([a, b, c], np.array([1.0, 0.0, 2.0]))
    assert_moments_equal_direct(weighted, np.vstack([x[:1000], x[2000:], x[2000:]]))
    assert_moments_equal_direct(c.merge(b).merge(a), x)


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


def test_covariance_and_means_equal_numpy_on_the_equation_rows() -> None:
    rng = np.random.default_rng(12)
    x = with_row_patterns(rng, ratings(rng, 1200, 6), n_patterns=5)
    x[rng.random(x.shape) < 0.05] = np.nan
    eqs = random_equations(rng, 6, 5)
    stats = SufficientStats.from_array(x, eqs)
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


# ------------------------------------------------------ property: random gap patterns


@st.composite
def gapped_surveys(draw: st.DrawFn) -> tuple[NDArray[np.float64], list[tuple[int, ...]], bool,
                                             int]:
    """Ratings (whole or with fractions, possibly negative) with random gaps — per cell, per
    column or in runs of rows — random equations and a random block size."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 400))
    m = draw(st.integers(2, 9))
    low = draw(st.sampled_from([-5, 0, 1]))
    high = draw(st.sampled_from([5, 10, 40]))
    whole = draw(st.booleans())
    x = rng.integers(low, high + 1, size=(n, m)).astype(np.float64)
    if not whole:
        x += rng.choice([0.0, 0.25, 1 / 3], size=x.shape)
    p_cell = draw(st.sampled_from([0.0, 0.05, 0.3, 0.8]))
    x[rng.random(x.shape) < p_cell] = np.nan
    if draw(st.booleans()):  # a column blank in a run of rows
        a, b = sorted(rng.integers(0, n + 1, size=2))
        x[a:b, rng.integers(0, m)] = np.nan
    eqs = []
    for _ in range(draw(st.integers(1, 8))):
        size = int(rng.integers(0, m + 1))
        eqs.append(tuple(int(c) for c in rng.choice(m, size=size, replace=False)))
    order = draw(st.sampled_from(["C", "F"]))
    block = draw(st.sampled_from([1, 3, 64, 16_384]))
    return np.asarray(x, order=order), eqs, whole, block


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(gapped_surveys())
def test_masked_moments_equal_pandas_dropna_per_equation(
        case: tuple[NDArray[np.float64], list[tuple[int, ...]], bool, int]) -> None:
    from journeymap.stats import masked_grams

    x, eqs, whole, block = case
    grams, totals = masked_grams(x, eqs, whole=whole, block_rows=block)
    frame = pd.DataFrame(x)
    for gram, eq in zip(grams, eqs, strict=True):
        rows = frame[list(eq)].dropna().to_numpy()
        z = np.column_stack([np.ones(len(rows)), rows])
        np.testing.assert_allclose(gram, z.T @ z, rtol=RTOL, atol=1e-9)
    np.testing.assert_array_equal(totals.n, frame.count().to_numpy())
    np.testing.assert_allclose(totals.sums, frame.sum().to_numpy(), rtol=RTOL, atol=1e-9)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(gapped_surveys(), st.integers(1, 5))
def test_ols_from_merged_chunks_equals_pandas_dropna_and_lstsq(
        case: tuple[NDArray[np.float64], list[tuple[int, ...]], bool, int],
        pieces: int) -> None:
    """Streaming: statistics of chunks merged, then each equation solved from its moments,
    equal an OLS fitted by numpy on the rows pandas keeps after dropna."""
    x, eqs, whole, _ = case
    chunks = np.array_split(x, pieces)
    stats = SufficientStats.from_array(chunks[0], eqs, whole=whole)
    for chunk in chunks[1:]:
        stats.merge(SufficientStats.from_array(chunk, eqs, whole=whole))
    frame = pd.DataFrame(x)
    for e, eq in enumerate(eqs):
        rows = frame[list(eq)].dropna().to_numpy()
        k = len(eq) - 1
        mom = stats.moments(e)
        assert mom.n == len(rows)
        if len(rows) < k + 2 or k <= 0:
            continue
        z = np.column_stack([np.ones(len(rows)), rows[:, :k]])
        if np.linalg.cond(z) > 1e8:
            continue  # a constant or collinear parent: no OLS to compare
        expected = np.linalg.lstsq(z, rows[:, k], rcond=None)[0][1:]
        S = mom.covariance
        coef = np.linalg.solve(S[:k, :k], S[:k, k])
        np.testing.assert_allclose(coef, expected, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------------------------ HC3 pass


def naive_hc3(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """HC3 slope covariance of OLS of the last column on the others, from the rows."""
    Z = np.column_stack([np.ones(len(rows)), rows[:, :-1]])
    y = rows[:, -1]
    bread = np.linalg.inv(Z.T @ Z)
    beta = bread @ Z.T @ y
    e = y - Z @ beta
    h = np.einsum("ij,jk,ik->i", Z, bread, Z)
    meat = (Z * (e / (1 - h))[:, None] ** 2).T @ Z
    return np.asarray((bread @ meat @ bread)[1:, 1:], dtype=np.float64)


def fits_from(stats: SufficientStats) -> list[tuple[NDArray[np.float64], NDArray[np.float64],
                                                     NDArray[np.float64], int]]:
    out = []
    for e in range(len(stats.equations)):
        mom = stats.moments(e)
        k = len(mom.columns) - 1
        S = mom.covariance * (mom.n - 1)
        inverse = np.linalg.inv(S[:k, :k])
        out.append((inverse @ S[:k, k], mom.means, inverse, mom.n))
    return out


@pytest.mark.parametrize("missing", [0.0, 0.15])
def test_hc3_pass_equals_statsmodels_on_each_equations_complete_rows(missing: float) -> None:
    import statsmodels.api as sm

    from journeymap.stats import hc3_covariances

    rng = np.random.default_rng(20)
    x = ratings(rng, 5000, 7)
    x[:, 6] += 0.4 * x[:, 0] * rng.normal(size=5000)  # heteroskedastic child
    x[rng.random(x.shape) < missing] = np.nan
    eqs = [(0, 6), (1, 2, 6), (3, 4, 5, 0), (2, 1)]
    stats = SufficientStats.from_array(x, eqs)
    covs = hc3_covariances(x, eqs, fits_from(stats), block_rows=999)
    for cov, eq in zip(covs, eqs, strict=True):
        rows = x[~np.isnan(x[:, list(eq)]).any(axis=1)][:, list(eq)]
        ols = sm.OLS(rows[:, -1], sm.add_constant(rows[:, :-1])).fit(cov_type="HC3")
        np.testing.assert_allclose(cov, np.asarray(ols.cov_params())[1:, 1:], rtol=1e-8)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(gapped_surveys())
def test_hc3_pass_equals_a_naive_hc3_of_pandas_dropna_rows(
        case: tuple[NDArray[np.float64], list[tuple[int, ...]], bool, int]) -> None:
    from journeymap.stats import hc3_covariances

    x, eqs, _, block = case
    frame = pd.DataFrame(x)
    usable = []
    for eq in eqs:
        rows = frame[list(eq)].dropna().to_numpy()
        k = len(eq) - 1
        if k >= 1 and len(rows) >= k + 3 and np.linalg.cond(
                np.column_stack([np.ones(len(rows)), rows[:, :k]])) < 1e6:
            usable.append(eq)
    if not usable:
        return
    stats = SufficientStats.from_array(x, usable)
    covs = hc3_covariances(x, usable, fits_from(stats), block_rows=block)
    for cov, eq in zip(covs, usable, strict=True):
        expected = naive_hc3(frame[list(eq)].dropna().to_numpy())
        np.testing.assert_allclose(cov, expected, rtol=1e-7, atol=1e-12)


def hat_diagonal(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every row's leverage ``z_iᵀ (ZᵀZ)⁻¹ z_i``, Z = [1, parents], by numpy."""
    Z = np.column_stack([np.ones(len(rows)), rows[:, :-1]])
    Q = np.linalg.qr(Z)[0]
    return np.asarray((Q * Q).sum(axis=1), dtype=np.float64)


def fit_of(rows: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                               NDArray[np.float64], int]:
    """(slopes, means, Sxx⁻¹, n) of OLS of the last column on the others, by numpy."""
    k = rows.shape[1] - 1
    means = rows.mean(axis=0)
    c = rows - means
    inverse = np.linalg.inv(c[:, :k].T @ c[:, :k])
    return inverse @ c[:, :k].T @ c[:, k], means, inverse, len(rows)


@pytest.mark.parametrize("k", [1, 3, 6])
def test_the_leverage_bound_is_the_largest_leverage_when_rows_reach_every_corner(k: int) -> None:
    """The box bound is exact: with every corner of the parents' box among the rows, it
    equals the largest leverage numpy finds (and bounds every other row's)."""
    from journeymap.stats import leverage_bound

    rng = np.random.default_rng(k)
    low, high = np.full(k, 1.0), np.full(k, 7.0)
    x = rng.integers(1, 8, size=(3000, k)).astype(np.float64)
    x[:, -1] = np.clip(np.rint(0.7 * x[:, 0] + rng.normal(0, 1, 3000)), 1, 7)  # correlated
    corners = np.where((np.arange(2**k)[:, None] >> np.arange(k)) & 1, high, low)
    x = np.vstack([x, corners])
    rows = np.column_stack([x, x @ rng.normal(size=k) + rng.normal(size=len(x))])
    h = hat_diagonal(rows)
    assert leverage_bound(fit_of(rows), low, high) == pytest.approx(h.max(), rel=1e-8)


def test_the_leverage_bound_of_many_parents_holds_for_every_row() -> None:
    """Above BOX_CORNERS_UP_TO parents the eigenvalue bound is used: still above every row's
    leverage."""
    from journeymap.stats import BOX_CORNERS_UP_TO, leverage_bound

    rng = np.random.default_rng(5)
    k = BOX_CORNERS_UP_TO + 2
    x = rng.integers(0, 11, size=(4000, k)).astype(np.float64)
    rows = np.column_stack([x, x.sum(axis=1) + rng.normal(size=4000)])
    h = hat_diagonal(rows)
    bound = leverage_bound(fit_of(rows), np.zeros(k), np.full(k, 10.0))
    assert h.max() < bound < 1.0


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_the_bounded_hc3_lies_between_the_exact_hc3_and_its_factor_on_large_data(
        missing: float) -> None:
    """At large n the pass reports c · HC0 with c = (1 − h̄)⁻²: at least the exact HC3 (PSD
    order) and at most c times it, c − 1 ≤ 1e-3; each computed independently with numpy on
    the rows pandas keeps after dropna."""
    from journeymap.limits import HC3_BOUND_TOLERANCE
    from journeymap.stats import hc3_bound_factors, hc3_covariances

    rng = np.random.default_rng(11)
    n = 40_000
    x = rng.integers(1, 8, size=(n, 5)).astype(np.float64)
    x[:, 4] = np.clip(np.rint(1 + 0.3 * x[:, 0] + 0.4 * x[:, 1]
                              + rng.normal(0, 1, n) * 0.3 * x[:, 0]), 1, 7)  # heteroskedastic
    x[rng.random(x.shape) < missing] = np.nan
    eqs = [(0, 4), (0, 1, 4), (0, 1, 2, 4), (3, 2)]
    stats = SufficientStats.from_array(x, eqs)
    fits = fits_from(stats)
    boxes = [(np.ones(len(eq) - 1), np.full(len(eq) - 1, 7.0)) for eq in eqs]
    factors = hc3_bound_factors(fits, boxes)
    covs = hc3_covariances(x, eqs, fits, factors=factors, gaps=None if missing else False)
    frame = pd.DataFrame(x)
    for cov, eq, c in zip(covs, eqs, factors, strict=True):
        assert c is not None
        assert 1.0 < c <= 1.0 + HC3_BOUND_TOLERANCE
        rows = frame[list(eq)].dropna().to_numpy()
        assert c >= 1.0 / (1.0 - hat_diagonal(rows).max()) ** 2
        exact = naive_hc3(rows)
        scale = float(np.abs(exact).max())
        assert np.linalg.eigvalsh(cov - exact).min() >= -1e-10 * scale
        assert np.linalg.eigvalsh(c * exact - cov).min() >= -1e-10 * scale
        # and it is c times HC0, by numpy's sandwich with the squared residuals
        Z = np.column_stack([np.ones(len(rows)), rows[:, :-1]])
        bread = np.linalg.inv(Z.T @ Z)
        e = rows[:, -1] - Z @ (bread @ Z.T @ rows[:, -1])
        hc0 = (bread @ ((Z * (e * e)[:, None]).T @ Z) @ bread)[1:, 1:]
        np.testing.assert_allclose(cov, c * hc0, rtol=1e-9)


def test_small_equations_keep_the_exact_hc3() -> None:
    """At n in the thousands the leverage bound is too loose to use: no factor, and the
    pass is the exact HC3."""
    from journeymap.stats import hc3_bound_factors

    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, size=(2000, 3)).astype(np.float64)
    eqs = [(0, 1, 2)]
    assert hc3_bound_factors(fits_from(SufficientStats.from_array(x, eqs)),
                             [(np.ones(2), np.full(2, 7.0))]) == [None]
