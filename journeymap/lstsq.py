"""Least squares from centred cross-product (Gram) matrices, with one collinearity rule.

Every regression in journeymap — the linear engine's equations, the checks' partial
correlations, fit indices and suggested edges, the key-driver relative weights — is
solved here, from the centred cross-products of its rows, so all of them refuse the
same designs for the same reason (docs/method.md, "Constant and collinear columns"):

* a column is **constant** when its centred sum of squares is at most
  :data:`~journeymap.limits.CONSTANT_TOLERANCE` × max(1, the largest entry of the
  matrix): it carries no information about an effect;
* the columns are **collinear** when the condition number (2-norm) of their
  correlation matrix exceeds :data:`~journeymap.limits.MAX_CONDITION_NUMBER`: one is
  (up to rounding) a linear combination of the others, so their separate effects are
  not identified, and solving would lose more than 10 of the 16 significant digits.

The rule is on the correlation matrix, so it does not depend on the columns' units.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(50, 2))
>>> y = X @ [1.5, -2.0] + rng.normal(size=50)
>>> Z = np.column_stack([X, y]) - np.column_stack([X, y]).mean(axis=0)
>>> ols_from_gram(Z.T @ Z, ("a", "b", "y")).coef.round(2).tolist()
[1.68, -2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from .exceptions import DataValidationError
from .limits import CONSTANT_TOLERANCE, MAX_CONDITION_NUMBER

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Degeneracy", "GramOLS", "centred_cross_products", "check_gram", "find_degeneracy",
           "ols_from_gram"]

#: A column takes part in a collinearity when its loading on the correlation matrix's
#: smallest eigenvector is at least this (the eigenvector has unit length).
_LOADING = 1e-3


@dataclass(frozen=True)
class Degeneracy:
    """Why a cross-product matrix cannot be inverted: which columns, and how.

    ``kind`` is ``"constant"`` (each listed column is constant on its own) or
    ``"collinear"`` (the listed columns together are a linear dependency).
    """

    kind: Literal["constant", "collinear"]
    columns: tuple[int, ...]

    def names(self, names: Sequence[str]) -> str:
        """The columns as ``'a'``, ``'a' and 'b'`` or ``'a', 'b' and 'c'``."""
        quoted = [f"'{names[i]}'" for i in self.columns]
        return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


@dataclass(frozen=True)
class GramOLS:
    """OLS of the last column of a centred cross-product matrix on the other columns.

    With ``S = [[Sxx, Sxy], [Sxyᵀ, Syy]]`` (k predictors):

    * ``coef = Sxx⁻¹ Sxy`` (response units per predictor unit);
    * ``inverse = Sxx⁻¹``, so ``Cov(coef) = s² · inverse`` with ``s² = rss / (n − k − 1)``;
    * ``rss = max(Syy − coefᵀ Sxy, 0)``, the residual sum of squares.
    """

    coef: NDArray[np.float64]
    inverse: NDArray[np.float64]
    rss: float


def find_degeneracy(cross: NDArray[np.float64], *, scale: float | None = None
                    ) -> Degeneracy | None:
    """The constant or collinear columns of a centred cross-product matrix, or None.

    Parameters
    ----------
    cross
        ``(k, k)`` centred cross-products (or covariances, or correlations) of the columns
        that are to be inverted together.
    scale
        The size a constant column is compared with (default: the largest absolute entry
        of ``cross``); pass the largest entry of a bigger system the block belongs to.

    Returns
    -------
    Degeneracy or None
        ``constant`` columns first (a constant column is also collinear with the
        intercept), else the ``collinear`` set — the columns that load on the
        correlation matrix's smallest eigenvector — or None when the rule passes.
    """
    cross = np.asarray(cross, dtype=np.float64)
    if cross.shape[0] == 0:
        return None
    var = np.diag(cross)
    size = float(np.abs(cross).max()) if scale is None else scale
    constant = np.flatnonzero(var <= CONSTANT_TOLERANCE * max(1.0, size))
    if constant.size:
        return Degeneracy("constant", tuple(int(i) for i in constant))
    sd = np.sqrt(var)
    corr = cross / np.outer(sd, sd)
    if np.linalg.cond(corr) <= MAX_CONDITION_NUMBER:
        return None
    _, vectors = np.linalg.eigh(corr)
    smallest = np.abs(vectors[:, 0])
    return Degeneracy("collinear",
                      tuple(int(i) for i in np.flatnonzero(smallest >= _LOADING)))


def check_gram(cross: NDArray[np.float64], names: Sequence[str], *, where: str,
               n: int | None = None, remedy: str = "merge them or remove an edge",
               scale: float | None = None) -> None:
    """Raise one clear error when ``cross`` breaks the rule of :func:`find_degeneracy`.

    Parameters
    ----------
    cross
        ``(k, k)`` centred cross-products of the columns ``names``.
    names
        Node ids of the columns, for the message.
    where
        What was being estimated, e.g. ``"the equation of 'ease' (on website, quote)"``.
    n
        Number of responses used (quoted for a constant column).
    remedy
        What the user can do about collinear columns.
    scale
        As in :func:`find_degeneracy`.

    Raises
    ------
    DataValidationError
        Naming the constant column, or the collinear columns.
    """
    problem = find_degeneracy(cross, scale=scale)
    if problem is None:
        return
    if problem.kind == "constant":
        name = names[problem.columns[0]]
        rows = f"all {n} responses" if n is not None else "all the responses"
        raise DataValidationError(
            f"'{name}' has the same value in {rows} used for {where}; its effect cannot be "
            "estimated. Check the column or remove the edge.")
    raise DataValidationError(
        f"in {where}, {problem.names(names)} are perfectly collinear in the data (one is a "
        f"linear combination of the others), so their separate effects cannot be estimated; "
        f"{remedy}.")


def ols_from_gram(cross: NDArray[np.float64], names: Sequence[str], *,
                  where: str | None = None, n: int | None = None,
                  remedy: str = "merge them or remove an edge", check: bool = True) -> GramOLS:
    """OLS of the last column of ``cross`` on the others, after the collinearity rule.

    Parameters
    ----------
    cross
        ``(k + 1, k + 1)`` centred cross-products of the predictors and, last, the
        response (an intercept is implied by the centring).
    names
        Node ids of the k + 1 columns (the response last), for error messages.
    where
        What is being estimated, for error messages (default: the regression of the
        last name on the others).
    n
        Number of responses used, for error messages.
    remedy
        What the user can do about collinear predictors.
    check
        Apply the rule (default).  ``False`` only where the caller has applied it to a
        matrix that contains this one as a principal block: a block of a well-conditioned
        correlation matrix is at least as well conditioned (eigenvalue interlacing).

    Returns
    -------
    GramOLS
        Coefficients, ``Sxx⁻¹`` and the residual sum of squares.

    Raises
    ------
    DataValidationError
        When a predictor is constant or the predictors are collinear (see
        :func:`find_degeneracy`); the message names the columns.
    """
    cross = np.asarray(cross, dtype=np.float64)
    k = cross.shape[0] - 1
    Sxx, Sxy, Syy = cross[:k, :k], cross[:k, k], cross[k, k]
    if check:
        if where is None:
            where = f"the regression of '{names[k]}' on {', '.join(names[:k])}"
        check_gram(Sxx, names[:k], where=where, n=n, remedy=remedy,
                   scale=float(np.abs(cross).max()))
    inverse = np.asarray(np.linalg.inv(Sxx), dtype=np.float64)
    coef = np.asarray(np.linalg.solve(Sxx, Sxy), dtype=np.float64)
    rss = max(float(Syy - coef @ Sxy), 0.0)
    return GramOLS(coef, inverse, rss)


def centred_cross_products(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(X − mean)ᵀ (X − mean)`` of complete rows (no NaN), in double precision."""
    centred = rows - rows.mean(axis=0)
    return np.asarray(centred.T @ centred, dtype=np.float64)
