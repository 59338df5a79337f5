"""Reliability of survey scales: Cronbach's alpha (with Feldt's interval), omega total and item
statistics.

(The module is not called ``reliability``: importing a submodule of that name would replace
the function ``le.reliability`` on the package.)

Each scale is read as ``leadership_eval._scales`` gives it (answer patterns of integer
codes, or the scale matrix); covariances are pairwise-complete, computed with three matrix
products. The methods are described in :doc:`/methods/reliability`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import _distributions as _dist
from ._scales import pattern_sums, scale_matrix, scale_patterns, select_scales
from ._threads import map_threaded
from .errors import ArgumentError, ConfigurationError
from .instruments.loader import as_survey
from .instruments.models import Scale, Survey
from .responses import validated

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["OMEGA_REASONS", "item_statistics", "one_factor_minres", "reliability"]


def _pairwise_cov(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance matrix of the columns of X (NaN = missing) and pair counts.

    Matches R's ``cov(x, use = "pairwise")``: each covariance uses the rows where both items
    are answered, with means over those rows.
    """
    import numpy as np

    n, k = X.shape
    M = ~np.isnan(X)
    counts = M.sum(axis=0)
    Z = np.empty((n, 2 * k), dtype=np.float64, order="F")
    Z[:, k:] = M
    np.copyto(Z[:, :k], X)
    np.copyto(Z[:, :k], 0.0, where=~M)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = Z[:, :k].sum(axis=0) / counts
    mu = np.where(np.isfinite(mu), mu, 0.0)
    Z[:, :k] -= mu  # centring first keeps the sums of squares small (no cancellation)
    np.copyto(Z[:, :k], 0.0, where=~M)
    G = Z.T @ Z  # one Gram matrix holds all three sums
    P, S, N = G[:k, :k], G[:k, k:], G[k:, k:]
    # S[i, j]: sum of (centred) item i over the rows where items i and j are both answered
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (P - S * S.T / N) / (N - 1)
    C[N < 2] = np.nan
    return C, N


def _cov(X: np.ndarray, use: str) -> tuple[np.ndarray, int]:
    import numpy as np

    if use == "complete":
        X = X[~np.isnan(X).any(axis=1)]
        n = X.shape[0]
    else:
        n = int((~np.isnan(X)).any(axis=1).sum())
    C, _ = _pairwise_cov(X)
    return C, n


def _alpha(k: int, trace: Any, total: Any) -> Any:
    """Cronbach's alpha of ``k`` items from the sum of their variances and their total's variance.

    Elementwise over arrays (alpha if an item is dropped). A total without variance (the items
    cancel out exactly) leaves alpha undefined: NaN. Its variance is then zero only up to
    rounding, so a total that is nothing next to the items' own variances counts as zero rather
    than dividing by a rounding residue.
    """
    import numpy as np

    trace = np.asarray(trace, dtype=float)
    total = np.asarray(total, dtype=float)
    undefined = ~np.isfinite(total) | (np.abs(total) <= 1e-9 * np.abs(trace))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(undefined, np.nan, k / (k - 1) * (1.0 - trace / total))


def _alpha_from_cov(C: np.ndarray) -> float:
    import numpy as np

    k = C.shape[0]
    if k < 2:
        return float("nan")
    return float(_alpha(k, np.trace(C), C.sum()))


def _cov2cor(C: np.ndarray) -> np.ndarray:
    import numpy as np

    d = np.sqrt(np.diag(C))
    with np.errstate(invalid="ignore", divide="ignore"):
        return C / np.outer(d, d)  # type: ignore[no-any-return]


def _smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, 1 - 1 / diag(R^-1) (psych's ``smc``), as start values."""
    import numpy as np

    try:
        inv = np.linalg.inv(R)
        s = 1.0 - 1.0 / np.diag(inv)
    except np.linalg.LinAlgError:
        s = np.full(R.shape[0], np.nan)
    if not np.all(np.isfinite(s)) or np.any(s <= 0) or np.any(s >= 1):
        off = np.abs(R - np.diag(np.diag(R)))
        s = off.max(axis=1)
    return s  # type: ignore[no-any-return]


def one_factor_minres(R: np.ndarray, *, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """Loadings of a one-factor minimum residual (unweighted least squares) model.

    Minimises :math:`f(\\lambda) = \\sum_{i \\ne j} (r_{ij} - \\lambda_i \\lambda_j)^2` by
    iterated principal axes (communalities start at the squared multiple correlations and are
    replaced by :math:`\\lambda_i^2` until they change by less than ``tol``), whose fixed point is
    the minres solution (Harman & Jones, 1966) that ``psych::fa(r, 1, fm = "minres")`` finds by
    optimisation. Returns NaN loadings when the correlation matrix is not usable or the
    iteration does not converge.

    Principal axes converge slowly when the items hardly correlate (thousands of iterations).
    Once its steps are small, Newton's method on the gradient of :math:`f` finishes the fit
    (a few steps); its result is taken only when it is a strict local minimum of :math:`f`
    (positive definite Hessian), no worse than the iterate it started from, and a fixed point
    of the principal axes to within ``tol``, so that the loadings are those the iteration
    converges to, and a fit that does not converge still returns NaN.

    Examples
    --------
    >>> import numpy as np
    >>> lam = np.array([0.8, 0.7, 0.6, 0.5])
    >>> R = np.outer(lam, lam); np.fill_diagonal(R, 1.0)
    >>> one_factor_minres(R).round(6)
    array([0.8, 0.7, 0.6, 0.5])
    """
    import numpy as np

    k = R.shape[0]
    bad = np.full(k, np.nan)
    if k < 3 or not np.all(np.isfinite(R)):
        return bad
    h2 = _smc(R)
    newton_below = _NEWTON_FROM
    for _ in range(max_iter):
        lam = _principal_axis(R, h2)
        new = lam**2
        change = float(np.max(np.abs(new - h2)))
        if change < tol:
            return lam
        if change < newton_below:
            polished = _newton_minres(R, lam, tol)
            if polished is not None:
                return polished
            newton_below = change / 100  # not yet in reach: try again nearer the fixed point
        h2 = new
    return bad


_NEWTON_FROM = 1e-4  # the communalities' change below which Newton's method is tried


def _principal_axis(R: np.ndarray, h2: np.ndarray) -> np.ndarray:
    """One step of iterated principal axes: the first principal axis of ``R`` with the
    communalities ``h2`` on its diagonal, scaled by its root and pointing to positive sums."""
    import numpy as np

    Rr = R.copy()
    np.fill_diagonal(Rr, h2)
    w, v = np.linalg.eigh(Rr)
    lam = v[:, -1] * math.sqrt(max(float(w[-1]), 0.0))
    return -lam if lam.sum() < 0 else lam  # type: ignore[no-any-return]


def _minres_residuals(R: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The off-diagonal residuals :math:`r_{ij} - \\lambda_i \\lambda_j` (zero diagonal)."""
    import numpy as np

    E = R - np.outer(lam, lam)
    np.fill_diagonal(E, 0.0)
    return E


def _newton_minres(R: np.ndarray, start: np.ndarray, tol: float) -> np.ndarray | None:
    """The minres loadings by Newton's method from ``start`` (an iterate of principal axes),
    or None when the result is not a strict local minimum no worse than ``start`` and a fixed
    point of principal axes to within ``tol``.

    With :math:`E` the residuals, the gradient of :math:`f` is :math:`-4 E \\lambda` and its
    Hessian has :math:`4 \\sum_{j \\ne i} \\lambda_j^2` on the diagonal and
    :math:`-4 (e_{ij} - \\lambda_i \\lambda_j)` off it.
    """
    import numpy as np

    lam = start.copy()
    for _ in range(50):
        E = _minres_residuals(R, lam)
        H = -4.0 * (E - np.outer(lam, lam))
        np.fill_diagonal(H, 4.0 * (float(lam @ lam) - lam**2))
        try:
            L = np.linalg.cholesky(H)  # positive definite: a minimum's neighbourhood
        except np.linalg.LinAlgError:
            return None
        step = np.linalg.solve(L.T, np.linalg.solve(L, -4.0 * (E @ lam)))
        lam = lam - step
        if not np.all(np.isfinite(lam)):
            return None
        if float(np.max(np.abs(step))) <= 1e-15 * max(1.0, float(np.max(np.abs(lam)))):
            break
    else:
        return None
    if float((_minres_residuals(R, lam) ** 2).sum()) > float(
        (_minres_residuals(R, start) ** 2).sum()
    ):
        return None
    # the loadings as principal axes give them, at their fixed point
    out = _principal_axis(R, lam**2)
    if float(np.max(np.abs(out**2 - lam**2))) >= tol:
        return None
    return out


OMEGA_REASONS = {
    "items": "fewer than three items: a one-factor model is not identified",
    "correlations": "correlations not computable (an item without variance, or a pair of "
    "items answered together by fewer than two respondents)",
    "convergence": "the one-factor model did not converge",
    "heywood": "Heywood case: a standardised loading of 1 or more",
}
"""Why ``omega_total`` is NA, by key (the texts are the ``omega_reason`` column)."""


def _omega_total(R: np.ndarray) -> tuple[float, str | None]:
    """Omega total and, when it cannot be estimated, the reason."""
    import numpy as np

    if R.shape[0] < 3:
        return float("nan"), OMEGA_REASONS["items"]
    if not np.all(np.isfinite(R)):
        return float("nan"), OMEGA_REASONS["correlations"]
    lam = one_factor_minres(R)
    if not np.all(np.isfinite(lam)):
        return float("nan"), OMEGA_REASONS["convergence"]
    if np.any(lam**2 >= 1.0):
        return float("nan"), OMEGA_REASONS["heywood"]
    u2 = 1.0 - lam**2
    return float(1.0 - u2.sum() / R.sum()), None


def reliability(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    *,
    scales: str | Iterable[str] | None = None,
    ci: float = 0.95,
    use: Literal["pairwise", "complete"] = "pairwise",
) -> pd.DataFrame:
    """Internal consistency of the survey's scales: Cronbach's alpha (with Feldt's interval),
    standardised alpha, McDonald's omega and the average inter-item correlation.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    data : pandas.DataFrame
        Responses in raw or clean form. Items are reverse keyed as the scale says and declared
        missing codes are treated as missing before anything is computed.
    scales : str or list of str, optional
        Scale ids (default: all).
    ci : float
        Confidence level of the interval for alpha, a number strictly between 0 and 1
        (``0.95``, not ``95``). Anything else is refused: text, None or True/False
        (:class:`~leadership_eval.errors.ArgumentError`), a number outside (0, 1)
        (:class:`~leadership_eval.errors.ConfigurationError`, ``invalid-option``).
    use : {"pairwise", "complete"}
        ``"pairwise"`` (default, as ``psych::alpha``) computes each covariance from the
        respondents who answered both items; ``"complete"`` keeps only respondents who answered
        every item of the scale (listwise deletion).

    Returns
    -------
    pandas.DataFrame
        Indexed by scale id (``scale``), with columns:

        * ``n``: respondents used (pairwise: those answering at least one item; complete: those
          answering all);
        * ``n_items``: items in the scale;
        * ``alpha``: Cronbach's alpha from the covariances (psych's ``raw_alpha``);
        * ``std_alpha``: alpha from the correlations (psych's ``std.alpha``);
        * ``alpha_ci_low``, ``alpha_ci_high``: Feldt's confidence interval;
        * ``omega_total``: McDonald's omega total from a one-factor model;
        * ``omega_reason``: why ``omega_total`` is NA (fewer than three items, correlations
          not computable, no convergence, or a Heywood case; see ``OMEGA_REASONS``), else NA;
        * ``average_r``: mean inter-item correlation (psych's ``average_r``).

    Notes
    -----
    With :math:`C` the :math:`k \\times k` covariance matrix of the keyed items and :math:`R` the
    correlations derived from it (:math:`r_{ij} = c_{ij}/\\sqrt{c_{ii} c_{jj}}`, psych's
    ``cov2cor``):

    .. math::

        \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1' C \\mathbf 1}\\right),
        \\qquad
        \\alpha_{std} = \\frac{k}{k-1}\\left(1 - \\frac{k}{\\mathbf 1' R \\mathbf 1}\\right),
        \\qquad
        \\bar r = \\frac{\\mathbf 1' R \\mathbf 1 - k}{k(k-1)}.

    Feldt's interval (Feldt, 1965; Feldt, Woodruff & Salih, 1987), as ``pingouin.cronbach_alpha``:
    :math:`1 - (1 - \\alpha) F_{1-a/2}` to :math:`1 - (1 - \\alpha) F_{a/2}` with
    :math:`F_p` the upper :math:`p` quantile of :math:`F(n - 1, (n - 1)(k - 1))` and
    :math:`a = 1 - ` ``ci``.

    **Where this differs from psych.** (1) The :math:`n` of Feldt's interval is ``n`` above:
    with ``use="pairwise"`` the respondents who answered at least one item of the scale.
    ``psych::alpha`` uses every row of the data it is given (``nrow(x)``), including rows with
    no answer to the scale, so its interval is narrower when such rows are passed; the two
    agree when every row answered something. ``pingouin.cronbach_alpha`` drops incomplete rows
    (listwise), which is ``use="complete"`` here. psych also prints Duhachek's asymptotic
    interval, which is not computed here. (2) ``omega_total`` is the one-factor omega,
    ``psych::omega(r, nfactors = 1)$omega.tot``. psych's DEFAULT is ``nfactors = 3`` with a
    Schmid-Leiman rotation, whose ``omega.tot`` is generally different (larger); one factor is
    the model the scales here are meant to follow. psych warns and still reports an omega after a
    Heywood case; here it is NA with the reason.

    Omega total (McDonald, 1999) for one factor:
    :math:`\\omega_t = 1 - \\sum_i (1 - \\lambda_i^2) / \\mathbf 1' R \\mathbf 1`, with loadings
    :math:`\\lambda` of a one-factor minimum residual (unweighted least squares) model of
    :math:`R` (see :func:`one_factor_minres`; psych's default ``fm = "minres"``).

    A frame of two million answers or more has its scales' covariances made on as many threads
    as there are processors (at most 8, and within a container's CPU quota);
    ``LEADERSHIP_EVAL_THREADS`` caps them (``1``: the calling thread only). The results are the
    same.

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
       Psychometrika, 16(3), 297-334. https://doi.org/10.1007/BF02310555
    .. [2] Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
       reliability coefficient twenty. Psychometrika, 30(3), 357-370.
       https://doi.org/10.1007/BF02289499
    .. [3] Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
       coefficient alpha. Applied Psychological Measurement, 11(1), 93-103.
    .. [4] McDonald, R. P. (1999). Test theory: A unified treatment. Mahwah, NJ: Lawrence
       Erlbaum.
    .. [5] Revelle, W. (2025). psych: Procedures for Psychological, Psychometric, and
       Personality Research (``alpha``, ``omega``, ``fa``). R package.
       https://CRAN.R-project.org/package=psych
    .. [6] Vallat, R. (2018). Pingouin: statistics in Python. Journal of Open Source Software,
       3(31), 1026. https://doi.org/10.21105/joss.01026

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree5:
    ...     ordered: true
    ...     options: [{code: 1, label: SD}, {code: 2, label: D}, {code: 3, label: N},
    ...               {code: 4, label: A}, {code: 5, label: SA}]
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree5, text: One}
    ...       - {id: q2, type: likert, choices: agree5, text: Two}
    ...       - {id: q3, type: likert, choices: agree5, text: Three}
    ... scales:
    ...   - {id: lead, title: Leadership, items: [q1, q2, q3], reverse: [q3]}
    ... ''')
    >>> data = pd.DataFrame({"q1": [5, 4, 2, 1, 3, 4], "q2": [4, 4, 1, 2, 3, 5],
    ...                      "q3": [1, 2, 4, 5, 3, 2]})
    >>> reliability(survey, data)[["n", "n_items", "alpha", "std_alpha"]].round(3)
           n  n_items  alpha  std_alpha
    scale
    lead   6        3  0.955      0.955
    """
    import numpy as np
    import pandas as pd

    survey = as_survey(survey)
    if not isinstance(ci, numbers.Real) or isinstance(ci, bool):
        raise ArgumentError(
            f"ci must be a number between 0 and 1 (a confidence level such as 0.95), not "
            f"{type(ci).__name__}: {ci!r}"
        )
    need = [i for sc in select_scales(survey, scales) for i in sc.items]
    data, _ = validated(survey, data, need=need, form="codes")
    if use not in ("pairwise", "complete"):
        raise ConfigurationError(
            f"use must be 'pairwise' or 'complete'; found {use!r}", code="invalid-option"
        )
    if not 0 < ci < 1:
        raise ConfigurationError(f"ci must be between 0 and 1; found {ci!r}", code="invalid-option")
    chosen = select_scales(survey, scales)
    # the covariances of the scales of a large frame are made side by side on threads
    patterns = np.empty((len(chosen), len(data)), dtype=np.int32)  # one allocation for all
    covs = map_threaded(
        lambda j: _scale_cov(survey, data, chosen[j], use, patterns[j]),
        range(len(chosen)),
        sum(len(sc.items) for sc in chosen) * len(data),
    )
    rows = []
    for scale, (k, C, n) in zip(chosen, covs, strict=True):
        alpha = _alpha_from_cov(C) if n >= 2 else float("nan")
        R = _cov2cor(C)
        sum_r = float(R.sum())
        omega, omega_reason = _omega_total(R)
        if k >= 2 and np.all(np.isfinite(R)):
            std_alpha = float(_alpha(k, k, sum_r))
            average_r = (sum_r - k) / (k * (k - 1))
        else:
            std_alpha = average_r = float("nan")
        low = high = float("nan")
        if k >= 2 and n >= 2 and math.isfinite(alpha):
            a = 1.0 - ci
            df1, df2 = n - 1, (n - 1) * (k - 1)
            low = 1.0 - (1.0 - alpha) * _dist.f_isf(a / 2, df1, df2)
            high = 1.0 - (1.0 - alpha) * _dist.f_isf(1 - a / 2, df1, df2)
        rows.append(
            {
                "scale": scale.id,
                "n": n,
                "n_items": k,
                "alpha": alpha,
                "std_alpha": std_alpha,
                "alpha_ci_low": low,
                "alpha_ci_high": high,
                "omega_total": omega,
                "omega_reason": omega_reason,
                "average_r": average_r,
            }
        )
    columns = [
        "scale",
        "n",
        "n_items",
        "alpha",
        "std_alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega_total",
        "omega_reason",
        "average_r",
    ]
    out = pd.DataFrame(rows, columns=columns).set_index("scale")
    return out.astype({"n": "int64", "n_items": "int64"})


def _scale_cov(
    survey: Survey, data: pd.DataFrame, scale: Scale, use: str, rows: np.ndarray
) -> tuple[int, np.ndarray, int]:
    """A scale's number of items, its items' covariances and the respondents they count
    (``rows``: room for its answer patterns)."""
    # one task among the scales: its patterns are not split between threads again
    patterns = scale_patterns(survey, data, scale, threads=False, out=rows)
    if patterns is not None:
        sums = pattern_sums(patterns, use)
        return len(scale.items), sums.cov(), sums.n
    X, _, _ = scale_matrix(survey, data, scale)
    C, n = _cov(X, use)
    return X.shape[1], C, n


def item_statistics(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    scale: str,
    *,
    use: Literal["pairwise", "complete"] = "pairwise",
) -> pd.DataFrame:
    """Item statistics of one scale: corrected item-total correlations and alpha if deleted.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    data : pandas.DataFrame
        Responses in raw or clean form.
    scale : str
        The scale id.
    use : {"pairwise", "complete"}
        As in :func:`reliability`.

    Returns
    -------
    pandas.DataFrame
        Indexed by item id (``item``), in the scale's order, with columns:

        * ``reversed``: whether the item is reverse keyed (the statistics are of keyed answers);
        * ``n``: respondents answering the item (a usable answer);
        * ``mean``, ``sd``: mean and standard deviation (n - 1) of the keyed answers;
        * ``r_drop``: correlation of the item with the sum of the other items (psych's
          ``r.drop``);
        * ``alpha_if_deleted``: raw alpha of the scale without the item (psych's
          ``alpha.drop$raw_alpha``).

    Notes
    -----
    From the covariance matrix :math:`C` (pairwise-complete by default, as ``psych::alpha``):
    :math:`r_{drop,i} = (\\sum_j c_{ij} - c_{ii}) / \\sqrt{c_{ii} \\sum_{j,l \\ne i} c_{jl}}`,
    and ``alpha_if_deleted`` is alpha of :math:`C` with row and column :math:`i` removed.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree5:
    ...     ordered: true
    ...     options: [{code: 1, label: SD}, {code: 2, label: D}, {code: 3, label: N},
    ...               {code: 4, label: A}, {code: 5, label: SA}]
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree5, text: One}
    ...       - {id: q2, type: likert, choices: agree5, text: Two}
    ...       - {id: q3, type: likert, choices: agree5, text: Three}
    ... scales:
    ...   - {id: lead, title: Leadership, items: [q1, q2, q3], reverse: [q3]}
    ... ''')
    >>> data = pd.DataFrame({"q1": [5, 4, 2, 1, 3, 4], "q2": [4, 4, 1, 2, 3, 5],
    ...                      "q3": [1, 2, 4, 5, 3, 2]})
    >>> item_statistics(survey, data, "lead")[["reversed", "mean", "r_drop"]].round(3)
          reversed   mean  r_drop
    item
    q1       False  3.167   0.953
    q2       False  3.167   0.815
    q3        True  3.167   0.953
    """
    import numpy as np
    import pandas as pd

    survey = as_survey(survey)
    if not isinstance(scale, str):
        raise ArgumentError(
            f"scale must be one scale id (str), not {type(scale).__name__}: {scale!r}; the "
            f"survey's scales are: {', '.join(s.id for s in survey.scales) or '(none)'}"
        )
    (sc,) = select_scales(survey, [scale])
    # every item of the scale must have a column (missing-column), as for reliability()
    data, _ = validated(survey, data, need=list(sc.items), form="codes")  # one validation path
    if use not in ("pairwise", "complete"):
        raise ConfigurationError(
            f"use must be 'pairwise' or 'complete'; found {use!r}", code="invalid-option"
        )
    patterns = scale_patterns(survey, data, sc)
    if patterns is not None:
        sums = pattern_sums(patterns, use)
        k, C = len(sc.items), sums.cov()
        n = np.diag(sums.N).copy()
        mean = sums.means()
    else:
        X, _, _ = scale_matrix(survey, data, sc)
        if use == "complete":
            X = X[~np.isnan(X).any(axis=1)]
        k = X.shape[1]
        C, _ = _pairwise_cov(X)
        answered = ~np.isnan(X)
        n = answered.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(answered, X, 0.0).sum(axis=0) / n
    sd = np.sqrt(np.diag(C))
    total = C.sum()
    col = C.sum(axis=0)
    diag = np.diag(C)
    v_drop = total - 2 * col + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (col - diag) / np.sqrt(diag * v_drop)
    alpha_drop = _alpha(k - 1, np.trace(C) - diag, v_drop) if k > 2 else np.full(k, np.nan)
    reverse = set(sc.reverse)
    out = pd.DataFrame(
        {
            "reversed": [i in reverse for i in sc.items],
            "n": n.astype(np.int64),
            "mean": mean,
            "sd": sd,
            "r_drop": r_drop,
            "alpha_if_deleted": alpha_drop,
        },
        index=pd.Index(list(sc.items), name="item"),
    )
    return out
