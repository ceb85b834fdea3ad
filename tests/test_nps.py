"""NPS, its adjusted-Wald interval and LTR shifts, checked against hand computations.

Every expected number is either worked out by hand in a comment or computed in the
test from the formulas of docs/method.md, "NPS and its interval", never copied from
the library's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from journeymap.nps import (
    DETRACTOR_MAX,
    PROMOTER_MIN,
    nps_change,
    nps_change_slope,
    nps_score,
)

Z = float(sps.norm.ppf(0.975))  # 1.959963984…, the "1.96" of docs/method.md


def adjusted_wald(promoters: int, detractors: int, n: int, z: float) -> tuple[float, float]:
    """docs/method.md, "NPS and its interval", written out: +0.75 to P and D, +3 to n,
    clip to [-100, 100]."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    se = math.sqrt((p + d - (p - d) ** 2) / n_adj)
    return max(-100.0, 100 * (p - d - z * se)), min(100.0, 100 * (p - d + z * se))


# ------------------------------------------------------------------------ score


def test_ten_hand_counted_answers_give_nps_20_with_counts() -> None:
    # 10 9 9 8 7 6 3 10 9 5: promoters {10, 9, 9, 10, 9} = 5, passives {8, 7} = 2,
    # detractors {6, 3, 5} = 3; NPS = 100 · (5 − 3) / 10 = 20.
    s = nps_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    assert (s.promoters, s.passives, s.detractors, s.n) == (5, 2, 3, 10)
    assert s.value == 20.0
    assert s.promoter_share == 0.5
    assert s.detractor_share == 0.3


def test_interval_of_the_hand_example_follows_the_adjusted_wald_formula() -> None:
    # n' = 13, p = 5.75/13 = 0.44231, d = 3.75/13 = 0.28846, p − d = 2/13 = 0.15385,
    # se = sqrt((0.44231 + 0.28846 − 0.15385²)/13) = sqrt(0.70710/13) = 0.23322,
    # interval 100 · (0.15385 ± 1.96 · 0.23322) = (−30.33, 61.10).
    s = nps_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    p, d = 5.75 / 13, 3.75 / 13
    se = math.sqrt((p + d - (p - d) ** 2) / 13)
    expected = (100 * (p - d - Z * se), 100 * (p - d + Z * se))
    assert s.ci == pytest.approx(expected, rel=1e-12)
    assert s.ci == pytest.approx((-30.33, 61.10), abs=0.01)
    # with the rounded 1.96 of docs/method.md passed explicitly
    rounded = nps_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5], z=1.96)
    assert rounded.ci == pytest.approx(adjusted_wald(5, 3, 10, 1.96), rel=1e-12)
    # the standard error reported is the adjusted one, in NPS points
    assert s.se == pytest.approx(100 * se, rel=1e-12)


def test_point_estimate_is_unadjusted_while_the_interval_is_adjusted() -> None:
    # 1 promoter of 1: NPS 100; the adjusted centre is 100 · (1.75 − 0.75)/4 = 25.
    s = nps_score([10])
    assert s.value == 100.0
    assert sum(s.ci) / 2 < 100.0
    assert s.ci == pytest.approx(adjusted_wald(1, 0, 1, Z), rel=1e-12)


def test_all_promoters_clip_the_upper_limit_at_100() -> None:
    # n = 10, n' = 13: p = 10.75/13, d = 0.75/13, p − d = 0.76923,
    # se = sqrt((11.5/13 − 0.76923²)/13) = 0.15011, upper 100 · (0.769 + 0.294) = 106.3 → 100;
    # lower 100 · (0.769 − 0.294) = 47.5 is not clipped.
    s = nps_score([10, 9] * 5)
    p, d = 10.75 / 13, 0.75 / 13
    se = math.sqrt((p + d - (p - d) ** 2) / 13)
    assert 100 * (p - d + Z * se) > 100  # the raw limit really is beyond the scale
    assert s.value == 100.0
    assert s.ci[1] == 100.0
    assert s.ci[0] == pytest.approx(100 * (p - d - Z * se), rel=1e-12)
    assert s.ci[0] == pytest.approx(47.50, abs=0.01)


def test_all_detractors_clip_the_lower_limit_at_minus_100() -> None:
    # n = 5, n' = 8: p = 0.75/8, d = 5.75/8, p − d = −0.625,
    # se = sqrt((6.5/8 − 0.625²)/8) = 0.22964; lower 100 · (−0.625 − 0.450) = −107.5 → −100,
    # upper 100 · (−0.625 + 0.450) = −17.49.
    s = nps_score([0, 3, 6, 6, 1])
    assert s.value == -100.0
    assert s.ci[0] == -100.0
    assert s.ci == pytest.approx(adjusted_wald(0, 5, 5, Z), rel=1e-12)
    assert s.ci[1] == pytest.approx(-17.49, abs=0.01)


def test_se_of_a_clipped_interval_is_still_the_adjusted_wald_se() -> None:
    # The reported se may not be read off a clipped interval: all-promoters n = 10
    # has se = 100 · 0.15011 = 15.01 NPS points (see the clipping test above).
    p, d = 10.75 / 13, 0.75 / 13
    se = 100 * math.sqrt((p + d - (p - d) ** 2) / 13)
    assert nps_score([10] * 10).se == pytest.approx(se, rel=1e-12)
    assert nps_score([0] * 10).se == pytest.approx(se, rel=1e-12)  # symmetric


@pytest.mark.parametrize("ltr", range(11))
def test_every_answer_0_to_10_falls_in_the_fixed_class(ltr: int) -> None:
    s = nps_score([ltr])
    expected = ("promoter" if ltr >= 9 else "passive" if ltr >= 7 else "detractor")
    got = {"promoter": s.promoters, "passive": s.passives, "detractor": s.detractors}
    assert got[expected] == 1
    assert sum(got.values()) == 1
    assert s.value == {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}[expected]


def test_cut_off_constants_are_the_design_ones() -> None:
    assert (PROMOTER_MIN, DETRACTOR_MAX) == (9, 6)


def test_interval_matches_the_formula_for_random_samples() -> None:
    rng = np.random.default_rng(41)
    for _ in range(50):
        n = int(rng.integers(1, 400))
        ltr = rng.integers(0, 11, size=n)
        P, D = int((ltr >= 9).sum()), int((ltr <= 6).sum())
        s = nps_score(ltr)
        assert s.value == pytest.approx(100 * (P - D) / n, rel=1e-12, abs=1e-12)
        assert s.ci == pytest.approx(adjusted_wald(P, D, n, Z), rel=1e-12, abs=1e-12)


def test_no_answers_give_nan_not_a_number_that_looks_real() -> None:
    s = nps_score(np.array([], dtype=np.int64))
    assert s.n == 0
    assert math.isnan(s.value)
    assert all(math.isnan(v) for v in s.ci)


# ----------------------------------------------------------------------- shifts


@pytest.mark.parametrize(
    ("ltr", "delta", "expected"),
    [
        # 8 read as [7.5, 8.5) → [8.0, 9.0): half at or above 8.5 becomes promoter: +0.5
        (8, 0.5, 50.0),
        # 6 read as [5.5, 6.5) → [6.0, 7.0): half leaves the detractors (< 6.5): +0.5
        (6, 0.5, 50.0),
        # 10 is a promoter already; moving it up changes nothing
        (10, 1.0, 0.0),
        # 9 is a promoter; 9 + 1 = 10 still one
        (9, 1.0, 0.0),
        # 7 → [7.5, 8.5): passive before and after
        (7, 1.0, 0.0),
        # 7 + 1.5 → [8.0, 9.0): half promoter
        (7, 1.5, 50.0),
        # 6 + 3 → [8.5, 9.5): leaves detractor (+1) and becomes promoter (+1) = +2
        (6, 3.0, 200.0),
        # 5 + 0.25 → [5.25, 6.25): still all below 6.5
        (5, 0.25, 0.0),
        # 5 + 1.75 → [6.25, 7.25): a quarter still below 6.5, three quarters out: +0.75
        (5, 1.75, 75.0),
        # 0 + 1 stays a detractor
        (0, 1.0, 0.0),
        # negative shifts: 9 − 0.5 → [8.0, 9.0): half stops being promoter: −0.5
        (9, -0.5, -50.0),
        # 7 − 0.5 → [6.0, 7.0): half becomes detractor: −0.5
        (7, -0.5, -50.0),
        # 9 − 3 → [5.5, 6.5): loses promoter (−1) and becomes detractor (−1) = −2
        (9, -3.0, -200.0),
        # 0 − 1 → nothing to lose
        (0, -1.0, 0.0),
        # no shift, no change
        (8, 0.0, 0.0),
    ],
)
def test_hand_worked_shift_of_one_respondent(ltr: int, delta: float, expected: float) -> None:
    assert nps_change([ltr], [delta]) == pytest.approx(expected, abs=1e-12)


def test_shift_averages_over_respondents() -> None:
    # 8 +0.5 → +0.5, 6 +0.5 → +0.5, 9 +0.5 → 0: mean 1/3 → 33.33 NPS points
    assert nps_change([8, 6, 9], [0.5, 0.5, 0.5]) == pytest.approx(100 / 3, rel=1e-12)
    # a scalar shift is broadcast to everyone
    assert nps_change([8, 6, 9], 0.5) == pytest.approx(100 / 3, rel=1e-12)
    # per-respondent shifts: 8 +1 → +1, 6 −1 → 0 (already detractor), 7 −0.25 → −0.25
    assert nps_change([8, 6, 7], [1.0, -1.0, -0.25]) == pytest.approx(25.0, rel=1e-12)


def test_weights_equal_repeating_rows() -> None:
    rng = np.random.default_rng(5)
    ltr = rng.integers(0, 11, size=40)
    delta = rng.uniform(-2.5, 2.5, size=40)
    w = rng.integers(1, 6, size=40)
    repeated = nps_change(np.repeat(ltr, w), np.repeat(delta, w))
    assert nps_change(ltr, delta, weights=w) == pytest.approx(repeated, rel=1e-12)
    assert nps_change(ltr, delta, weights=w) != pytest.approx(nps_change(ltr, delta), rel=1e-3)


def test_no_respondents_give_no_change() -> None:
    assert nps_change(np.array([]), np.array([])) == 0.0


def _overlap(lo: float, hi: float, a: float, b: float) -> float:
    """Length of [lo, hi) ∩ [a, b)."""
    return max(0.0, min(hi, b) - max(lo, a))


@settings(derandomize=True, max_examples=300)
@given(k=st.integers(0, 10), delta=st.floats(-12, 12, allow_nan=False))
def test_shift_equals_the_overlap_of_the_moved_unit_interval(k: int, delta: float) -> None:
    # respondent k is the unit interval [k − 0.5, k + 0.5); after the shift the part at
    # or above 8.5 is promoter and the part below 6.5 detractor
    def net(lo: float) -> float:
        return _overlap(lo, lo + 1, 8.5, math.inf) - _overlap(lo, lo + 1, -math.inf, 6.5)

    expected = 100 * (net(k - 0.5 + delta) - net(k - 0.5))
    assert nps_change([k], [delta]) == pytest.approx(expected, abs=1e-9)


@settings(derandomize=True, max_examples=300)
@given(k=st.integers(0, 10), delta=st.floats(-12, 12, allow_nan=False))
def test_slope_equals_a_central_finite_difference_away_from_kinks(k: int, delta: float) -> None:
    # the gain is piecewise linear with kinks where k + δ is 6, 7, 8 or 9
    h = 1e-5
    assume(min(abs(k + delta - c) for c in (6, 7, 8, 9)) > 10 * h)
    fd = (nps_change([k], [delta + h]) - nps_change([k], [delta - h])) / (2 * h) / 100
    assert nps_change_slope([k], [delta])[0] == pytest.approx(fd, abs=1e-6)


def test_slope_of_the_average_is_the_average_slope() -> None:
    rng = np.random.default_rng(8)
    ltr = rng.integers(0, 11, size=200)
    delta = rng.uniform(-3, 3, size=200)
    h = 1e-7  # no respondent sits within h of a kink for this seed (checked below)
    assert np.min(np.abs((ltr + delta)[:, None] - np.array([6, 7, 8, 9]))) > 10 * h
    fd = (nps_change(ltr, delta + h) - nps_change(ltr, delta - h)) / (2 * h)
    slope = nps_change_slope(ltr, delta)
    assert 100 * slope.mean() == pytest.approx(fd, rel=1e-6)
    assert set(np.unique(slope)) <= {0.0, 1.0}
    assert slope.sum() > 0
