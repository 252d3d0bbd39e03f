"""Cox proportional hazards regression with R's numbers (``survival::coxph``).

The fit follows R survival's ``coxph.fit`` / ``coxfit6.c`` step by step, so that coefficients,
variances, log-likelihoods, iteration counts and tests agree with R:

* times pass through R's ``aeqSurv`` rule first (``coxph``'s default ``timefix = TRUE``);
* each covariate column is centred at its mean and scaled by ``n / sum|x - mean|``, except
  columns whose values all lie in {-1, 0, 1} (``coxph``'s ``nocenter = c(-1, 0, 1)``); this
  changes nothing but rounding and the rank tolerance below;
* Newton-Raphson from beta = 0, at most ``max_iterations`` (R's ``iter.max = 20``) steps;
  iteration stops when ``|1 - loglik_old / loglik_new| <= eps`` (R's ``eps = 1e-9``); a step
  that lowers the log-likelihood (or gives a non-finite one) is shortened: at the k-th
  successive failure ``beta_new <- (beta_new + k beta_old) / (k + 1)``;
* linear algebra by R's ``cholesky2`` / ``chsolve2`` / ``chinv2`` (a generalized Cholesky
  ``L D L'`` whose pivots below ``toler.chol * max(diag)``, ``toler.chol = eps^0.75``, count as
  zero); a zero pivot means a covariate is a linear combination of the others and raises
  :class:`survtrial.InputError` naming it (R would report the coefficient as NA);
* ties by Efron's approximation (R's default) or Breslow's. With ``d`` events tied at a time
  in a stratum, Efron's term ``j = 0, ..., d - 1`` uses the risk-set sums minus ``j / d`` of the
  tied events' sums. Censorings at an event time stay in that risk set.

References: Therneau & Grambsch (2000), *Modeling Survival Data*, Springer, ch. 3 (partial
likelihood, Efron's approximation, score residuals, robust variance) and R survival's
``coxfit6.c``, ``coxscore2.c`` and ``coxph.R``.

Units: ``coef`` is the log hazard ratio per unit of each covariate (time units cancel);
``loglik`` is the log partial likelihood; tests are chi-square statistics on ``p`` df.

Layout: this module is the front end (checks of the input, the result, R's warnings);
:mod:`survtrial.stats._cox_fit` is the workhorse (scaling, sort, Newton-Raphson, variances),
:mod:`survtrial.stats._cox_kernel` the risk-set sums at one beta and
:mod:`survtrial.stats._cox_linalg` R's generalized Cholesky.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from survtrial._errors import InputError
from survtrial.stats._cox_fit import CoxFit, SingularInformation, fit_cox
from survtrial.stats._results import ConfidenceInterval, TestResult
from survtrial.stats._validate import check_event, check_labels, check_level, check_time

__all__ = ["ConvergenceWarning", "CoxResult", "cox"]


class ConvergenceWarning(RuntimeWarning):
    """The Newton-Raphson iteration ran out of steps, or a coefficient may be infinite."""


@dataclass(frozen=True, slots=True)
class CoxResult:
    """A fitted Cox proportional hazards model (R's ``coxph`` object, in the same units).

    Attributes
    ----------
    coef : ndarray, shape (p,)
        Log hazard ratios per unit of each covariate (R's ``coef(fit)``).
    variance : ndarray, shape (p, p)
        Variance of ``coef`` (R's ``fit$var``): the inverse information matrix, or the robust
        sandwich estimate when ``robust`` is true.
    naive_variance : ndarray or None
        The inverse information matrix when ``robust`` (R's ``fit$naive.var``), else None.
    loglik : tuple of float
        Log partial likelihood at beta = 0 and at the estimate (R's ``fit$loglik``).
    score_statistic : float
        Score (log-rank type) test statistic at beta = 0, ``U(0)' I(0)^-1 U(0)``
        (R's ``fit$score``).
    wald_statistic : float
        ``coef' variance^-1 coef`` (R's ``fit$wald.test``; uses the robust variance if robust).
    robust_score_statistic : float or None
        Robust score test at beta = 0 (R's ``fit$rscore``) when ``robust``, else None.
    iterations : int
        Newton-Raphson iterations used (R's ``fit$iter``; ``max_iterations + 1`` when the
        iteration ran out, as R reports it).
    converged : bool
        False when the iteration ran out of steps (R warns "Ran out of iterations").
    covariate_names : tuple of str
    n, n_events, n_strata : int
    ties : {"efron", "breslow"}
    robust : bool
    """

    coef: np.ndarray
    variance: np.ndarray
    naive_variance: np.ndarray | None
    loglik: tuple[float, float]
    score_statistic: float
    wald_statistic: float
    robust_score_statistic: float | None
    iterations: int
    converged: bool
    covariate_names: tuple[str, ...]
    n: int
    n_events: int
    n_strata: int
    ties: str
    robust: bool

    @property
    def df(self) -> int:
        """Degrees of freedom of the global tests: the number of coefficients."""
        return int(self.coef.shape[0])

    @property
    def std_err(self) -> np.ndarray:
        """Standard errors of ``coef``, ``sqrt(diag(variance))`` (robust if ``robust``)."""
        return np.sqrt(np.diag(self.variance))

    @property
    def hazard_ratio(self) -> np.ndarray:
        """``exp(coef)``: hazard ratio per unit increase of each covariate."""
        return np.exp(self.coef)

    @property
    def z(self) -> np.ndarray:
        """Wald z statistics ``coef / std_err`` (R's ``summary(fit)$coefficients[, "z"]``)."""
        return self.coef / self.std_err

    @property
    def pvalue(self) -> np.ndarray:
        """Two-sided Wald p-values per coefficient, ``P(chi2_1 > z^2)``."""
        from scipy.special import chdtrc  # on use: simulate's workers need none
        return chdtrc(1.0, self.z**2)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Wald interval for the hazard ratios, ``exp(coef -+ z_{(1+level)/2} std_err)``.

        As R's ``summary(fit, conf.int = level)$conf.int`` (robust standard errors if robust).
        """
        level = check_level(confidence_level)
        from scipy.special import ndtri  # on use: simulate's workers need none
        q = float(ndtri(0.5 + level / 2.0))
        se = self.std_err
        with np.errstate(over="ignore"):  # an infinite bound is R's answer too
            low, high = np.exp(self.coef - q * se), np.exp(self.coef + q * se)
        return ConfidenceInterval(low=low, high=high, confidence_level=level, method="wald-log-hr")

    @property
    def likelihood_ratio_test(self) -> TestResult:
        """``2 (loglik[1] - loglik[0])`` on ``df`` degrees of freedom (R's ``logtest``)."""
        stat = -2.0 * (self.loglik[0] - self.loglik[1])
        return _chisq(stat, self.df)

    @property
    def wald_test(self) -> TestResult:
        """Wald test of beta = 0 (R's ``summary(fit)$waldtest``, unrounded statistic)."""
        return _chisq(self.wald_statistic, self.df)

    @property
    def score_test(self) -> TestResult:
        """Score test of beta = 0 at beta = 0 (R's ``summary(fit)$sctest``)."""
        return _chisq(self.score_statistic, self.df)

    @property
    def robust_score_test(self) -> TestResult | None:
        """Robust score test (R's ``summary(fit)$robscore``) when ``robust``, else None."""
        if self.robust_score_statistic is None:
            return None
        return _chisq(self.robust_score_statistic, self.df)


def _chisq(stat: float, df: int) -> TestResult:
    from scipy.special import chdtrc  # on use: simulate's workers need none
    return TestResult(statistic=float(stat), df=df, pvalue=float(chdtrc(df, stat)))


# ---------------------------------------------------------------------------------------------
# input handling


def _covariate_matrix(
    covariates: Any, n: int
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray, np.ndarray]:
    """Covariates as a (p, n) float array (a private copy, one row per covariate), their
    names, and each column's minimum and maximum."""
    if hasattr(covariates, "columns") and hasattr(covariates, "to_numpy"):  # DataFrame
        names = tuple(str(c) for c in covariates.columns)
        cols = [covariates[c].to_numpy() for c in covariates.columns]
    elif hasattr(covariates, "to_numpy") and hasattr(covariates, "name"):  # Series
        names = (str(covariates.name) if covariates.name is not None else "x",)
        cols = [covariates.to_numpy()]
    else:
        try:
            arr = np.asarray(covariates)
        except Exception as exc:  # pragma: no cover - numpy rarely fails here
            raise InputError(f"covariates: cannot be read as an array ({exc})") from None
        if arr.ndim == 1:
            names = ("x",)
            cols = [arr]
        elif arr.ndim == 2:
            if arr.shape[0] != n:
                raise InputError(
                    f"covariates: has {arr.shape[0]} rows but time has {n}; lengths must match"
                )
            names = tuple(f"x{j + 1}" for j in range(arr.shape[1]))
            cols = list(arr.T)
        else:
            raise InputError(
                f"covariates: expected a 1-D or 2-D (n x p) array, got shape {arr.shape}"
            )
    if not cols:
        raise InputError("covariates: no covariate columns; at least one is needed")
    if len(set(names)) != len(names):
        raise InputError(f"covariates: duplicated column names in {list(names)}")
    x = np.empty((len(cols), n))
    for j, col in enumerate(cols):
        col = np.asarray(col)
        if col.ndim != 1 or col.shape[0] != n:
            raise InputError(
                f"covariates: column {names[j]!r} has {col.shape[0] if col.ndim else 1} values "
                f"but time has {n}; lengths must match"
            )
        if col.dtype.kind not in "biuf":
            try:
                col = col.astype(float)
            except (TypeError, ValueError):
                raise InputError(
                    f"covariates: column {names[j]!r} is not numeric (dtype {col.dtype}); "
                    "code categorical covariates as 0/1 indicator columns"
                ) from None
        x[j] = col
    bad = ~np.isfinite(x)
    if bad.any():
        # the first offending row, and the first offending column in it
        rows = bad.any(axis=0)
        i = int(np.argmax(rows))
        j = int(np.argmax(bad[:, i]))
        raise InputError(
            f"covariates: column {names[j]!r} has value {x[j, i]} at index {i}; "
            "covariates must be finite (remove or impute missing values)"
        )
    lo = x.min(axis=1)
    hi = x.max(axis=1)
    const = lo == hi
    if const.any():
        j = int(np.argmax(const))
        raise InputError(
            f"covariates: column {names[j]!r} is constant (every value is {lo[j]:g}); "
            "a constant covariate has no effect in a Cox model; remove it"
        )
    return x, names, lo, hi


# ---------------------------------------------------------------------------------------------
# public function


def cox(
    time: Any,
    event: Any,
    covariates: Any,
    strata: Any = None,
    ties: Literal["efron", "breslow"] = "efron",
    robust: bool = False,
    cluster: Any = None,
    *,
    max_iterations: int = 20,
    eps: float = 1e-9,
) -> CoxResult:
    """Fit a Cox proportional hazards model by partial likelihood, as R's ``coxph``.

    Same numbers as ``coxph(Surv(time, event) ~ covariates + strata(strata), ties = ties,
    robust = robust)`` (with ``+ cluster(cluster)`` when ``cluster`` is given).

    Parameters
    ----------
    time : array_like, shape (n,)
        Follow-up times (any unit), finite and >= 0. Near-equal times are merged first by R's
        ``aeqSurv`` rule (difference <= sqrt(machine epsilon), absolute or relative to the mean
        absolute time), as ``coxph`` does by default.
    event : array_like, shape (n,)
        1 (or True) for an event, 0 for a censored time.
    covariates : array_like or DataFrame
        A 1-D array (one covariate, named ``"x"``), a 2-D n x p array (named ``"x1"``, ...),
        a pandas Series (its name) or DataFrame (its column names). Numeric and finite;
        a categorical covariate must be given as 0/1 indicator columns.
    strata : array_like, optional
        Stratum labels: a separate baseline hazard per stratum (R's ``strata()``).
    ties : {"efron", "breslow"}
        Handling of tied event times; Efron is R's default.
    robust : bool
        Also compute the robust (sandwich) variance ``D'D`` from the dfbeta residuals
        ``D = L V`` (score residuals L times the model-based variance V, Lin & Wei 1989); it
        then becomes ``variance`` and the model-based one ``naive_variance``.
    cluster : array_like, optional
        Cluster labels: dfbeta residuals are summed within clusters before ``D'D`` (R's
        ``cluster()``); implies ``robust=True``.
    max_iterations : int
        R's ``iter.max`` (20).
    eps : float
        R's ``eps`` (1e-9): converged when ``|1 - loglik_old / loglik_new| <= eps``.

    Returns
    -------
    CoxResult
        Log hazard ratios per unit of each covariate, their variance, the log partial
        likelihoods and the likelihood-ratio, Wald and score tests.

    Raises
    ------
    InputError
        Bad times, event codes, labels or covariates (non-finite, constant, or a linear
        combination of the others so that the information matrix is singular), lengths that
        differ, an unknown ``ties``, or no events at all.

    Warns
    -----
    ConvergenceWarning
        When the iteration runs out of steps, or the log-likelihood converged while a
        coefficient was still moving (a coefficient may be infinite), as R warns.

    Notes
    -----
    The Breslow log partial likelihood is ``sum_i delta_i [x_i beta - log sum_{j in R_i}
    exp(x_j beta)]``, R_i the subjects of i's stratum with ``t_j >= t_i``; for ``d`` events
    tied at one time, Efron replaces the d equal denominators by
    ``S0 - (k/d) sum_{tied} exp(x beta)``, ``k = 0..d-1`` (Therneau & Grambsch 2000, ch. 3).

    When the iteration runs out of steps (``converged`` false) the variance is what R returns
    then: ``coxfit6.c`` inverts the information of the last good iterate without factorizing
    it, which yields ``diag(1 / I_jj)``, not the full inverse.
    """
    t = check_time(time)
    n = t.shape[0]
    e = check_event(event, n)
    x, names, lo, hi = _covariate_matrix(covariates, n)
    if ties not in ("efron", "breslow"):
        raise InputError(f"ties: must be 'efron' or 'breslow', got {ties!r}")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int | np.integer):
        raise InputError(f"max_iterations: must be an integer, got {max_iterations!r}")
    if max_iterations < 0:
        raise InputError(f"max_iterations: must be >= 0, got {max_iterations}")
    if isinstance(eps, bool) or not isinstance(eps, float | int) or not 0 < eps < math.inf:
        raise InputError(f"eps: must be a positive finite number, got {eps!r}")
    codes = counts = None
    n_strata = 1
    if strata is not None:
        labels, codes = check_labels(strata, "strata", n)
        n_strata = int(labels.shape[0])
        if n_strata > 1:
            counts = np.bincount(codes, minlength=n_strata)
        else:
            codes = None
    cl_codes = None
    n_clusters = 0
    if cluster is not None:
        cl_labels, cl_codes = check_labels(cluster, "cluster", n)
        n_clusters = int(cl_labels.shape[0])
        robust = True
    n_events = int(np.count_nonzero(e))
    if n_events == 0:
        raise InputError("event: there are no events (every time is censored); nothing to fit")

    try:
        fit = fit_cox(
            t,
            e,
            x,
            lo,
            hi,
            codes,
            counts,
            cl_codes,
            n_clusters,
            efron=ties == "efron",
            robust=bool(robust),
            max_iterations=int(max_iterations),
            eps=float(eps),
        )
    except SingularInformation as exc:
        raise _singular_error(names, exc.columns) from None
    if max_iterations > 1:
        model_variance = fit.variance if fit.naive_variance is None else fit.naive_variance
        _warn_convergence(fit, model_variance, names, eps, max_iterations)
    return CoxResult(
        coef=fit.coef,
        variance=fit.variance,
        naive_variance=fit.naive_variance,
        loglik=fit.loglik,
        score_statistic=fit.score_statistic,
        wald_statistic=fit.wald_statistic,
        robust_score_statistic=fit.robust_score_statistic,
        iterations=fit.iterations,
        converged=fit.converged,
        covariate_names=names,
        n=n,
        n_events=n_events,
        n_strata=n_strata,
        ties=ties,
        robust=bool(robust),
    )


def _warn_convergence(
    fit: CoxFit,
    model_variance: np.ndarray,
    names: tuple[str, ...],
    eps: float,
    max_iterations: int,
) -> None:
    """R's warnings from ``coxph.fit`` (only when ``iter.max > 1``), with R's wording.

    R flags covariate j when ``|(U' V)_j| > eps`` and ``> sqrt(eps) |coef_j|`` at the estimate
    (U the score, V the model-based variance; ``toler.inf = sqrt(eps)``): the log-likelihood
    stopped changing while the coefficient was still moving. The estimate is returned, as R's.
    """
    if not fit.converged:
        warnings.warn(
            f"cox: ran out of iterations ({max_iterations}) and did not converge "
            '(R: "Ran out of iterations and did not converge")',
            ConvergenceWarning,
            stacklevel=3,
        )
        return
    u = fit.score
    infs = np.abs(u @ model_variance)
    flag = ~np.isfinite(u) | ((infs > eps) & (infs > math.sqrt(eps) * np.abs(fit.coef)))
    if flag.any():
        columns = np.flatnonzero(flag)
        which = ", ".join(repr(names[j]) for j in columns)
        numbers = ",".join(str(j + 1) for j in columns)
        warnings.warn(
            f"cox: the log-likelihood converged before covariate {which}; its coefficient may "
            f'be infinite (R: "Loglik converged before variable {numbers}; coefficient may be '
            'infinite.")',
            ConvergenceWarning,
            stacklevel=3,
        )


def _singular_error(names: tuple[str, ...], zero: list[int]) -> InputError:
    which = ", ".join(repr(names[j]) for j in zero)
    return InputError(
        f"covariates: the information matrix is singular at column {which}: it is a linear "
        "combination of the other covariates (or constant among the subjects at risk at every "
        "event time), so its coefficient is not estimable (R reports NA); remove it"
    )
