"""journeymap.lstsq: least squares from Gram matrices and the one collinearity rule."""

from __future__ import annotations

import numpy as np
import pytest

from journeymap.exceptions import DataValidationError
from journeymap.limits import CONSTANT_TOLERANCE, MAX_CONDITION_NUMBER
from journeymap.lstsq import (
    Degeneracy,
    centred_cross_products,
    check_gram,
    find_degeneracy,
    ols_from_gram,
)


def _design(seed: int, n: int = 200, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k)) @ rng.normal(size=(k, k)) + rng.normal(size=k) * 5
    y = X @ rng.normal(size=k) + 3.0 + rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ols_from_gram_matches_numpy_lstsq_with_an_intercept(seed: int) -> None:
    X, y = _design(seed)
    n, k = X.shape
    design = np.column_stack([np.ones(n), X])
    beta, rss, *_ = np.linalg.lstsq(design, y, rcond=None)
    got = ols_from_gram(centred_cross_products(np.column_stack([X, y])),
                        [f"x{i}" for i in range(k)] + ["y"])
    assert got.coef == pytest.approx(beta[1:], rel=1e-9, abs=1e-12)
    assert got.rss == pytest.approx(float(rss[0]), rel=1e-9)
    # Sxx⁻¹ is the slope block of (DᵀD)⁻¹ for the design D with an intercept column
    assert got.inverse == pytest.approx(np.linalg.inv(design.T @ design)[1:, 1:], rel=1e-7)


def test_centred_cross_products_are_n_minus_1_times_the_covariance() -> None:
    X, y = _design(7)
    Z = np.column_stack([X, y])
    assert centred_cross_products(Z) == pytest.approx(np.cov(Z, rowvar=False) * (len(Z) - 1),
                                                      rel=1e-12)


def test_an_exactly_collinear_design_is_refused_naming_the_nodes() -> None:
    X, y = _design(4, k=3)
    X = np.column_stack([X, 2.0 * X[:, 0] - X[:, 2] + 1.0])  # x3 = 2·x0 − x2 + 1
    names = ["brand", "website", "quote", "ordering", "nps"]
    with pytest.raises(DataValidationError) as err:
        ols_from_gram(centred_cross_products(np.column_stack([X, y])), names,
                      where="the equation of 'nps'")
    message = str(err.value)
    assert message.startswith("in the equation of 'nps', 'brand', 'quote' and 'ordering' are "
                              "perfectly collinear")
    assert "'website'" not in message
    assert "merge them or remove an edge" in message


def test_a_constant_predictor_is_refused_with_its_count_of_responses() -> None:
    X, y = _design(5, k=2)
    X[:, 1] = 4.0
    with pytest.raises(DataValidationError, match=r"^'quote' has the same value in all 200 "
                                                  r"responses used for the equation of 'nps'"):
        ols_from_gram(centred_cross_products(np.column_stack([X, y])), ["brand", "quote", "nps"],
                      where="the equation of 'nps'", n=200)


def _corr2(cond: float) -> np.ndarray:
    rho = (cond - 1.0) / (cond + 1.0)  # eigenvalues 1 ± ρ, so cond = (1 + ρ)/(1 − ρ)
    return np.array([[1.0, rho], [rho, 1.0]])


def test_the_rule_is_the_condition_number_of_the_correlation_matrix() -> None:
    assert MAX_CONDITION_NUMBER == 1e10
    below, above = _corr2(MAX_CONDITION_NUMBER / 10), _corr2(MAX_CONDITION_NUMBER * 10)
    assert np.linalg.cond(below) == pytest.approx(1e9, rel=1e-4)
    assert find_degeneracy(below) is None
    assert find_degeneracy(above) == Degeneracy("collinear", (0, 1))
    # the same correlations in other units (sds 0.1 and 30) give the same verdicts
    scale = np.diag([0.1, 30.0])
    assert find_degeneracy(scale @ below @ scale) is None
    assert find_degeneracy(scale @ above @ scale) == Degeneracy("collinear", (0, 1))


def test_a_column_is_constant_relative_to_the_largest_entry() -> None:
    big = 1e6
    tiny = CONSTANT_TOLERANCE * big / 2
    assert find_degeneracy(np.diag([big, tiny])) == Degeneracy("constant", (1,))
    assert find_degeneracy(np.diag([big, 4 * CONSTANT_TOLERANCE * big])) is None
    # below a largest entry of 1 the tolerance is absolute
    assert find_degeneracy(np.diag([0.5, CONSTANT_TOLERANCE / 2])) == Degeneracy("constant",
                                                                                 (1,))


def test_check_gram_passes_a_well_conditioned_matrix_and_names_constant_columns() -> None:
    check_gram(np.eye(3), ["a", "b", "c"], where="a test")  # no error
    with pytest.raises(DataValidationError, match=r"^'b' has the same value in all the responses"):
        check_gram(np.diag([1.0, 0.0, 2.0]), ["a", "b", "c"], where="a test")


def test_degeneracy_names_read_as_a_list() -> None:
    names = ["a", "b", "c", "d"]
    assert Degeneracy("collinear", (1,)).names(names) == "'b'"
    assert Degeneracy("collinear", (0, 3)).names(names) == "'a' and 'd'"
    assert Degeneracy("collinear", (0, 1, 2)).names(names) == "'a', 'b' and 'c'"


def test_the_unchecked_solve_of_a_block_equals_the_checked_one() -> None:
    X, y = _design(9)
    S = centred_cross_products(np.column_stack([X, y]))
    block = [0, 2, 4]
    names = ["x0", "x2", "y"]
    checked = ols_from_gram(S[np.ix_(block, block)], names)
    unchecked = ols_from_gram(S[np.ix_(block, block)], names, check=False)
    assert np.array_equal(checked.coef, unchecked.coef)
    assert checked.rss == unchecked.rss
