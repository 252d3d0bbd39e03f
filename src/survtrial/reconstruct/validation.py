"""Validation on simulated trials: true IPD -> published figure -> reconstructed IPD.

A two-arm trial with a known hazard ratio is simulated; its Kaplan-Meier curves are "digitized"
as a reader would (step corners, at a digitizer's resolution, with reading noise) and its
numbers at risk tabulated at regular times, as printed under a figure; the IPD is rebuilt by
:func:`survtrial.reconstruct.reconstruct` and the Cox hazard ratio, the RMST difference and
the milestone survival are compared with those of the true IPD, replicate by replicate.
Used by ``benchmarks/reconstruct_validation.py`` and ``tests/test_reconstruct_validation.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial.reconstruct._trial import reconstruct
from survtrial.stats import KaplanMeierResult, cox, kaplan_meier, rmst
from survtrial.units import DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class Digitizer:
    """How a published curve is read back.

    survival_step : smallest drop that shows as a separate step (0.005: steps smaller than
        half a percentage point merge with the next one, as on a printed figure).
    pixels_time, pixels_survival : plot-area resolution; every reading is rounded to a pixel
        (the time axis spans [0, end of the curves]; the survival axis [0, 1]).
    noise_pixels : standard deviation of the reading error, in pixels, on both axes.
    """

    survival_step: float = 0.005
    pixels_time: int = 800
    pixels_survival: int = 500
    noise_pixels: float = 0.5


def digitize(
    km: KaplanMeierResult, t_axis_end: float, rng: np.random.Generator, how: Digitizer
) -> tuple[np.ndarray, np.ndarray]:
    """Read a Kaplan-Meier step curve back as a digitizer would: (time, survival) points.

    The corners of each visible step (top and bottom of the drop at its time) plus the end of
    the curve; a drop is visible once the curve has fallen by ``how.survival_step`` since the
    last visible one. Readings are jittered by ``how.noise_pixels`` and rounded to pixels;
    they are neither sorted nor made monotone (that is the reconstruction's cleaning job).
    """
    drop_t = km.time[km.n_event > 0]
    level = km.survival[km.n_event > 0]
    keep = np.zeros(drop_t.shape[0], dtype=bool)
    last = 1.0
    for j in range(level.shape[0]):  # a loop over steps, not patients (a few hundred at most)
        if last - level[j] >= how.survival_step:
            keep[j] = True
            last = level[j]
    kt, ks = drop_t[keep], level[keep]
    top = np.concatenate([[1.0], ks[:-1]])
    t = np.concatenate([[0.0], np.repeat(kt, 2), [km.time[-1]]])
    s = np.concatenate([[1.0], np.column_stack([top, ks]).ravel(), [km.survival[-1]]])
    dt, ds = t_axis_end / how.pixels_time, 1.0 / how.pixels_survival
    t = np.round((t + rng.normal(0.0, how.noise_pixels * dt, t.shape)) / dt) * dt
    s = np.round((s + rng.normal(0.0, how.noise_pixels * ds, s.shape)) / ds) * ds
    return np.clip(t, 0.0, None), np.clip(s, 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class TrialScenario:
    """A two-arm trial, time in years: exponential control, proportional hazards.

    ``n_per_arm`` patients per arm enrolled uniformly over ``accrual`` years, analysed
    ``analysis_time`` years after the first enrolment (administrative censoring), with
    exponential dropout at ``dropout`` per year; numbers at risk printed every ``at_risk_every``
    years (None: only the arm size at time 0, no table); ``last_interval`` is the
    reconstruction's rule after the last at-risk time.
    """

    n_per_arm: int = 300
    control_median: float = 3.0
    hazard_ratio: float = 0.7
    accrual: float = 2.0
    analysis_time: float = 5.0
    dropout: float = 0.02
    at_risk_every: float | None = 1.0
    tau: float = 3.0
    last_interval: str = "guyot"


def simulate_trial(
    scenario: TrialScenario, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, event, arm) of one trial, arm 0 = control, 1 = experimental."""
    n = scenario.n_per_arm
    arm = np.repeat(np.array([0, 1]), n)
    rate = np.log(2.0) / scenario.control_median * np.where(arm == 1, scenario.hazard_ratio, 1.0)
    event_t = rng.exponential(1.0 / rate)
    drop_t = rng.exponential(1.0 / scenario.dropout, 2 * n) if scenario.dropout > 0 else np.inf
    admin = scenario.analysis_time - rng.uniform(0.0, scenario.accrual, 2 * n)
    time = np.minimum(np.minimum(event_t, drop_t), admin)
    event = (event_t <= np.minimum(drop_t, admin)).astype(np.int64)
    return time, event, arm


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Per-replicate estimates from the true and the reconstructed IPD, and their summary.

    ``log_hr_*``: Cox log hazard ratio (experimental vs control; Efron ties); ``log_hr_se_true``
    its standard error from the true IPD; ``rmst_*``: RMST difference (experimental - control)
    up to ``tau`` years, in days (365.25 per year); ``surv_*``: Kaplan-Meier survival at tau per
    arm (control, experimental); ``rmse_curve``: per replicate, the largest RMSE of
    reconstructed vs digitized survival over the two arms.
    """

    scenario: TrialScenario
    digitizer: Digitizer
    seed: int
    log_hr_true: np.ndarray
    log_hr_recon: np.ndarray
    log_hr_se_true: np.ndarray
    rmst_true: np.ndarray
    rmst_recon: np.ndarray
    rmst_se_true: np.ndarray
    surv_true: np.ndarray
    surv_recon: np.ndarray
    rmse_curve: np.ndarray
    at_risk_max_abs_difference: np.ndarray

    def summary(self) -> dict[str, float]:
        """Bias, RMSE and worst case of reconstructed minus true, with sampling SEs for scale."""
        hr_d = self.log_hr_recon - self.log_hr_true
        rm_d = self.rmst_recon - self.rmst_true
        sv_d = (self.surv_recon - self.surv_true).ravel()
        hr_abs = np.abs(np.exp(self.log_hr_recon) - np.exp(self.log_hr_true))
        return {
            "replicates": int(hr_d.shape[0]),
            "hr_true_mean": float(np.exp(self.log_hr_true).mean()),
            "log_hr_bias": float(hr_d.mean()),
            "log_hr_rmse": float(np.sqrt(np.mean(hr_d**2))),
            "log_hr_max_abs": float(np.abs(hr_d).max()),
            "log_hr_se_true_mean": float(self.log_hr_se_true.mean()),
            "log_hr_rmse_over_se": float(np.sqrt(np.mean(hr_d**2)) / self.log_hr_se_true.mean()),
            "hr_mean_abs_difference": float(hr_abs.mean()),
            "rmst_diff_true_mean_days": float(self.rmst_true.mean()),
            "rmst_bias_days": float(rm_d.mean()),
            "rmst_rmse_days": float(np.sqrt(np.mean(rm_d**2))),
            "rmst_max_abs_days": float(np.abs(rm_d).max()),
            "rmst_se_true_mean_days": float(self.rmst_se_true.mean()),
            "rmst_rmse_over_se": float(np.sqrt(np.mean(rm_d**2)) / self.rmst_se_true.mean()),
            "surv_tau_bias": float(sv_d.mean()),
            "surv_tau_max_abs": float(np.abs(sv_d).max()),
            "curve_rmse_mean": float(self.rmse_curve.mean()),
            "at_risk_max_abs_difference": int(self.at_risk_max_abs_difference.max()),
        }


def _estimates(time, event, arm, tau):
    fit = cox(time, event, (arm == 1).astype(float))
    r = rmst(time * DAYS_PER_YEAR, event, arm, tau * DAYS_PER_YEAR, levels=(0, 1))
    surv = [
        float(kaplan_meier(time[arm == g], event[arm == g]).survival_at([tau])[0]) for g in (0, 1)
    ]
    return float(fit.coef[0]), float(fit.std_err[0]), r.difference, r.difference_std_err, surv


def validate(
    replicates: int,
    seed: int = 20120201,
    scenario: TrialScenario | None = None,
    digitizer: Digitizer | None = None,
) -> ValidationResult:
    """Simulate ``replicates`` trials, reconstruct each from its figure, compare estimates.

    One ``numpy.random.Generator`` seeded with ``seed`` drives every replicate in turn, so the
    whole study is reproducible from the seed.
    """
    sc = scenario or TrialScenario()
    dg = digitizer or Digitizer()
    rng = np.random.default_rng(seed)
    out = {k: [] for k in ("lt", "lr", "ls", "rt", "rr", "rs", "st", "sr", "rc", "ar")}
    for _ in range(replicates):
        time, event, arm = simulate_trial(sc, rng)
        t_end = float(time.max())
        curves, table = {}, {}
        for g, label in ((0, "control"), (1, "experimental")):
            tg, eg = time[arm == g], event[arm == g]
            km = kaplan_meier(tg, eg)
            curves[label] = digitize(km, t_end, rng, dg)
            if sc.at_risk_every is None:
                at = np.array([0.0])
            else:
                at = np.arange(0.0, tg.max() + 1e-12, sc.at_risk_every)
            table[label] = (at, np.count_nonzero(tg[None, :] >= at[:, None], axis=1))
        rec = reconstruct(curves, table, unit="years", last_interval=sc.last_interval)
        rt, re_, ra = rec.arrays()
        ra = (ra == "experimental").astype(np.int64)
        tau = min(sc.tau, min(float(rt[ra == g].max()) for g in (0, 1)))
        lt, ls, rdt, rds, st = _estimates(time, event, arm, tau)
        lr, _, rdr, _, sr = _estimates(rt, re_, ra, tau)
        for key, v in zip(("lt", "ls", "rt", "rs", "st"), (lt, ls, rdt, rds, st), strict=True):
            out[key].append(v)
        out["lr"].append(lr)
        out["rr"].append(rdr)
        out["sr"].append(sr)
        out["rc"].append(max(a.rmse for a in rec.arms))
        out["ar"].append(max(a.at_risk.max_abs_difference for a in rec.arms))
    a = {k: np.asarray(v, dtype=float) for k, v in out.items()}
    return ValidationResult(
        scenario=sc,
        digitizer=dg,
        seed=seed,
        log_hr_true=a["lt"],
        log_hr_recon=a["lr"],
        log_hr_se_true=a["ls"],
        rmst_true=a["rt"],
        rmst_recon=a["rr"],
        rmst_se_true=a["rs"],
        surv_true=a["st"],
        surv_recon=a["sr"],
        rmse_curve=a["rc"],
        at_risk_max_abs_difference=a["ar"].astype(np.int64),
    )
