"""Calibrate the unknown parameters of the AALL1731 protocol to the published figures.

Usage: python scripts/calibrate_aall1731.py [--check R]

Fits, by weighted least squares on the model's expected values (computed on a daily grid, no
simulation):

* accrual: rate_per_month and the relative rates of the yearly periods, to 1,440 randomized by
  the 30 June 2024 cutoff and the pooled numbers at risk at years 1-4 (published figure);
* SR-High group probability, to the 301/718 SR-High share of the blinatumomab arm (closed form);
* the age log-normal location, so that the truncated median is 4.3 years (closed form);
* hazards: early death in remission (common), isolated CNS relapse (common to the arms),
  combined relapse per arm, isolated marrow relapse per arm and stratum (an arm-specific time
  profile times a per-stratum level), to the 3-year DFS by arm and stratum, the hazard ratios per
  stratum (asymptotic Cox estimate under the model's censoring), the 3-year marrow-relapse
  incidence per arm, the RMST difference and the digitized DFS curves at 0.5-4.5 years (low
  weight: about one point of digitization error).

Writes the fitted values into src/survtrial/protocol/builtin/aall1731.toml (each line keeps its
"calibrated" comment) and appends the fit record (target, model value) at the end of the file.
With --check R it then simulates R trials and prints replicate medians beside the targets.
Published figures enter here only; the analysis never reads them.

:func:`calibrate` runs the whole fit without writing anything and can withhold targets (their
rows leave the least-squares objective) while still returning the model's value of every
target: scripts/reproduction_withheld.py uses it for the out-of-sample check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import brentq, least_squares
from scipy.special import ndtr, ndtri

ROOT = Path(__file__).resolve().parents[1]
TOML = ROOT / "src" / "survtrial" / "protocol" / "builtin" / "aall1731.toml"
sys.path.insert(0, str(ROOT / "src"))

from survtrial.protocol import parse_protocol  # noqa: E402
from survtrial.trial.enrol import accrual_grid  # noqa: E402
from survtrial.units import DAYS_PER_YEAR  # noqa: E402

Y = DAYS_PER_YEAR
STARTS = np.array([0, 60, 365, 730, 1096], dtype=float)
GRID = np.arange(0.0, 5.2 * Y, 1.0)
CUT = dt.date(2024, 6, 30)
ARMS = ("blinatumomab", "chemotherapy")
AT_RISK_YEARS = (1, 2, 3, 4)
DIGIT_T = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.0])  # years: digitized-curve targets
DFS_KEYS = (
    "dfs3_sr_average_blinatumomab",
    "dfs3_sr_average_chemotherapy",
    "dfs3_sr_high_blinatumomab",
    "dfs3_sr_high_chemotherapy",
    "dfs3_blinatumomab",
    "dfs3_chemotherapy",
)
HR_KEYS = ("hr_sr_average", "hr_sr_high")
MARROW_KEYS = tuple(f"marrow_relapse_3y_{a}" for a in ARMS)
RMST_KEY = "rmst_difference_days"
# names of the fitted targets that are not keys of [published]
N_KEY = "randomized_total"
AT_RISK_KEYS = tuple(f"at_risk_pooled_year{k}" for k in AT_RISK_YEARS)


def digit_key(arm: str, t: float) -> str:
    """Target name of the digitized DFS curve of ``arm`` at ``t`` years (percent)."""
    return f"dfs_digitized_{arm}_{t:.1f}y"


DIGIT_KEYS = tuple(digit_key(a, t) for a in ARMS for t in DIGIT_T)
ACCRUAL_TARGETS = (N_KEY, *AT_RISK_KEYS)
HAZARD_TARGETS = (*DFS_KEYS, *HR_KEYS, *MARROW_KEYS, RMST_KEY, *DIGIT_KEYS)
TARGETS = ACCRUAL_TARGETS + HAZARD_TARGETS
# the 14 hazard parameters (log scale in the fit), in the order of unpack()
STRATA = ("SR-Average", "SR-High")
HAZARD_PARAMS = (
    "death0",
    "cns",
    "comb_chemo",
    "comb_blin",
    *(f"shape_{a}_{i}" for a in ("chemotherapy", "blinatumomab") for i in (2, 3, 4)),
    *(f"level_{a}_{s}" for a in ("chemotherapy", "blinatumomab") for s in STRATA),
)


def piecewise_cum(rates_per_year: np.ndarray) -> np.ndarray:
    """Cumulative hazard on GRID for per-interval hazards per year."""
    rates = np.asarray(rates_per_year) / Y
    j = np.searchsorted(STARTS, GRID, side="right") - 1
    lam = rates[j]
    return np.concatenate([[0.0], np.cumsum(lam[:-1])]), lam


class Model:
    def __init__(self, text: str) -> None:
        self.text = text
        self.p = parse_protocol(text, "aall1731.toml")
        self.pub = self.p.published
        self.digit = {
            a: np.loadtxt(
                ROOT / "src/survtrial/protocol/builtin/data/aall1731" / f"dfs_{a}.csv",
                delimiter=",",
                skiprows=1,
            )
            for a in ("blinatumomab", "chemotherapy")
        }
        nar = np.genfromtxt(
            ROOT / "src/survtrial/protocol/builtin/data/aall1731/numbers_at_risk.csv",
            delimiter=",",
            skip_header=1,
            dtype=None,
            encoding="utf-8",
        )
        self.nar = {(str(r[1]), int(r[2])): float(r[3]) for r in nar if str(r[0]) == "dfs"}

    # -- accrual ------------------------------------------------------------------------------
    def follow_up(self, rate: float, rel: np.ndarray) -> tuple[float, np.ndarray]:
        """Expected randomized by the cutoff, and P(potential follow-up >= t) on GRID."""
        p = self.p
        periods = [
            per.model_copy(update={"relative_rate": float(r)})
            for per, r in zip(p.accrual.periods, rel, strict=True)
        ]
        acc = p.accrual.model_copy(update={"rate_per_month": rate, "periods": periods})
        p2 = p.model_copy(update={"accrual": acc})
        cut = (CUT - p.accrual.start).days
        days, cum = accrual_grid(p2, cut)
        share, strata_share = self.rand_share()
        delays = np.array([g.days_to_randomization for g in p.population.groups if g.randomized])
        delay = float(strata_share @ delays)
        # patients randomized by the cutoff: enrolled by cut - delay
        f = np.interp(cut - delay - GRID, days, cum, left=0.0)
        n = share * f[0]
        return n, f / f[0]

    def rand_share(self) -> tuple[float, np.ndarray]:
        from survtrial.trial.enrol import randomized_share

        return randomized_share(self.p)


def unpack(x: np.ndarray) -> dict:
    e = np.exp(x)
    out = {
        "death0": e[0],
        "cns": e[1],
        "comb_chemo": e[2],
        "comb_blin": e[3],
    }
    shapes = {}
    for i, arm in enumerate(("chemotherapy", "blinatumomab")):
        shapes[arm] = np.r_[0.0, 1.0, e[4 + 3 * i : 7 + 3 * i]]
    out["shape"] = shapes
    out["level"] = {
        ("chemotherapy", "SR-Average"): e[10],
        ("chemotherapy", "SR-High"): e[11],
        ("blinatumomab", "SR-Average"): e[12],
        ("blinatumomab", "SR-High"): e[13],
    }
    return out


CNS_PROFILE = np.array([0.0, 1.0, 1.0, 1.0, 0.5])
COMB_PROFILE = np.array([0.0, 0.67, 1.0, 1.0, 0.5])
SMN = np.array([0.0, 0.001, 0.001, 0.001, 0.001])


def hazards(par: dict) -> dict:
    """Per-interval hazards per year for every (event, arm, stratum)."""
    out = {}
    death = np.array([par["death0"], 0.002, 0.001, 0.001, 0.001])
    for arm in ("chemotherapy", "blinatumomab"):
        comb = par["comb_chemo" if arm == "chemotherapy" else "comb_blin"] * COMB_PROFILE
        for st in ("SR-Average", "SR-High"):
            cns = par["cns"] * CNS_PROFILE * (1.5 if st == "SR-High" else 1.0)
            marrow = par["level"][(arm, st)] * par["shape"][arm]
            out[(arm, st)] = {
                "death_in_remission": death,
                "second_malignancy": SMN,
                "cns_relapse": cns,
                "combined_relapse": comb,
                "marrow_relapse": marrow,
            }
    return out


def cox_limit(s1, l1, s0, l0, g) -> float:
    """Asymptotic Cox log hazard ratio: the root of the expected score."""
    keep = g > 0
    p1, p0, l1, l0 = s1[keep] * g[keep], s0[keep] * g[keep], l1[keep], l0[keep]

    def score(b: float) -> float:
        w = p1 * np.exp(b) / (p1 * np.exp(b) + p0)
        return float(np.sum(p1 * l1 - w * (p1 * l1 + p0 * l0)))

    return brentq(score, -6, 3)


def predictions(m: Model, par: dict, g: np.ndarray) -> dict:
    hz = hazards(par)
    _, strata_share = m.rand_share()
    w = dict(zip(("SR-Average", "SR-High"), strata_share, strict=True))
    ltfu = np.exp(-m.p.outcomes.loss_to_follow_up_per_year * GRID / Y)
    gg = g * ltfu
    t3 = 1096
    out = {}
    surv = {}
    lam = {}
    marrow_cif = {}
    for (arm, st), h in hz.items():
        total_cum = np.zeros_like(GRID)
        total_lam = np.zeros_like(GRID)
        for _ev, rates in h.items():
            c, lmb = piecewise_cum(rates)
            total_cum += c
            total_lam += lmb
        s = np.exp(-total_cum)
        surv[(arm, st)] = s
        lam[(arm, st)] = total_lam
        _, lm = piecewise_cum(h["marrow_relapse"])
        marrow_cif[(arm, st)] = np.cumsum(s * lm)
        out[f"dfs3_{st.lower().replace('-', '_')}_{arm}"] = 100 * s[t3]
    for arm in ("chemotherapy", "blinatumomab"):
        s_mix = sum(w[st] * surv[(arm, st)] for st in w)
        surv[arm] = s_mix
        out[f"dfs3_{arm}"] = 100 * s_mix[t3]
        out[f"marrow_relapse_3y_{arm}"] = 100 * sum(
            w[st] * marrow_cif[(arm, st)][t3 - 1] for st in w
        )
    for st in w:
        b = cox_limit(
            surv[("blinatumomab", st)],
            lam[("blinatumomab", st)],
            surv[("chemotherapy", st)],
            lam[("chemotherapy", st)],
            gg,
        )
        out[f"hr_{st.lower().replace('-', '_')}"] = float(np.exp(b))
    tau = int(m.p.analysis.rmst_tau_days)
    out["rmst_difference_days"] = float(
        np.sum(surv["blinatumomab"][:tau] - surv["chemotherapy"][:tau])
    )
    out["_surv"] = surv
    return out


def free_fit(resid_full, x0: np.ndarray, fixed: dict[int, float]):
    """least_squares over the entries of x not in ``fixed`` (index -> value on the fit's scale).

    With nothing fixed it is ``least_squares(resid_full, x0)`` itself (the same numbers).
    Returns the full parameter vector and the residuals at the solution.
    """
    if not fixed:
        sol = least_squares(resid_full, x0)
        return sol.x, sol.fun
    free = np.array([i for i in range(len(x0)) if i not in fixed])

    def full(z: np.ndarray) -> np.ndarray:
        x = np.array(x0, dtype=float)
        x[list(fixed)] = list(fixed.values())
        x[free] = z
        return x

    sol = least_squares(lambda z: resid_full(full(z)), x0[free])
    return full(sol.x), sol.fun


def at_risk_shares(m: Model) -> dict[int, float]:
    """Event-free and still followed at year k, both arms pooled, from the digitized curves."""
    return {
        k: np.mean([np.interp(k, m.digit[a][:, 0], m.digit[a][:, 1]) for a in m.digit])
        * np.exp(-m.p.outcomes.loss_to_follow_up_per_year * k)
        for k in AT_RISK_YEARS
    }


def accrual_values(m: Model, rate: float, rel: np.ndarray) -> dict[str, float]:
    """Model value of each accrual target: expected randomized by the cutoff, and the pooled
    numbers at risk at years 1-4 as the fit defines them (1,440 x P(follow-up >= k) x the
    pooled digitized event-free share x no loss to follow-up)."""
    pub = m.pub
    n_target = pub["randomized_blinatumomab"] + pub["randomized_chemotherapy"]
    s_at = at_risk_shares(m)
    n, g = m.follow_up(rate, rel)
    out = {N_KEY: float(n)}
    for k, key in zip(AT_RISK_YEARS, AT_RISK_KEYS, strict=True):
        out[key] = float(g[round(k * Y)] * s_at[k] * n_target)
    return out


def fit_accrual(
    m: Model, withheld: frozenset = frozenset(), fixed_rel: dict[int, float] | None = None
) -> tuple[float, np.ndarray, dict]:
    """Fit rate_per_month and the period relative rates to 1,440 randomized and at-risk counts.

    ``withheld``: accrual target names (ACCRUAL_TARGETS) left out of the objective;
    ``fixed_rel``: period index (1 = the second period) -> relative rate held at that value.
    """
    pub = m.pub
    n_target = pub["randomized_blinatumomab"] + pub["randomized_chemotherapy"]
    # expected event-free, still-followed share at year k (both arms pooled, from the curves)
    s_at = at_risk_shares(m)
    targets = {
        k: (m.nar[("blinatumomab", k)] + m.nar[("chemotherapy", k)]) / n_target
        for k in AT_RISK_YEARS
    }
    keep = [key not in withheld for key in ACCRUAL_TARGETS]
    n_per = len(m.p.accrual.periods)

    def resid(x):
        rate, rel = np.exp(x[0]), np.r_[1.0, np.exp(x[1:])]
        n, g = m.follow_up(rate, rel)
        r = [(n - n_target) / 5.0]
        for k in AT_RISK_YEARS:
            gk = g[round(k * Y)]
            r.append((gk * s_at[k] - targets[k]) * n_target / 5.0)
        return np.array(r)[keep]

    x0 = np.r_[np.log(m.p.accrual.rate_per_month), np.zeros(n_per - 1)]
    fixed = {i: float(np.log(v)) for i, v in (fixed_rel or {}).items()}
    x, fun = free_fit(resid, x0, fixed)
    rate, rel = float(np.exp(x[0])), np.r_[1.0, np.exp(x[1:])]
    return rate, rel, {"residuals_patients": (fun * 5.0).round(1).tolist()}


def hazard_values(m: Model, pred: dict) -> dict[str, float]:
    """Model value of each hazard target: ``predictions`` plus the DFS curves (percent) at the
    digitized-curve times."""
    out = {k: float(pred[k]) for k in (*DFS_KEYS, *HR_KEYS, *MARROW_KEYS, RMST_KEY)}
    for a in ARMS:
        mod = np.interp(DIGIT_T * Y, GRID, pred["_surv"][a]) * 100
        out.update({digit_key(a, t): float(v) for t, v in zip(DIGIT_T, mod, strict=True)})
    return out


def fit_hazards(
    m: Model,
    g: np.ndarray,
    withheld: frozenset = frozenset(),
    fixed: dict[str, float] | None = None,
):
    """Fit the 14 hazard parameters (HAZARD_PARAMS) to the hazard targets.

    ``withheld``: target names (HAZARD_TARGETS) left out of the objective; ``fixed``: parameter
    name -> value (per year, or the shape ratio) held there instead of fitted. The weak priors
    and the smoothness penalty always stay.
    """
    pub = m.pub
    hr_w = 0.01
    keys_pp = list(DFS_KEYS)
    digit_t = DIGIT_T
    names = [
        *keys_pp,
        *HR_KEYS,
        *(f"marrow_relapse_3y_{a}" for a in ("blinatumomab", "chemotherapy")),
        RMST_KEY,
        *(digit_key(a, t) for a in ("blinatumomab", "chemotherapy") for t in digit_t),
    ]
    keep_targets = np.array([k not in withheld for k in names])

    def resid(x):
        par = unpack(x)
        pr = predictions(m, par, g)
        r = [(pr[k] - pub[k]) / 0.15 for k in keys_pp]
        r += [(pr[k] - pub[k]) / hr_w for k in ("hr_sr_average", "hr_sr_high")]
        r += [
            (pr[f"marrow_relapse_3y_{a}"] - pub[f"marrow_relapse_3y_{a}"]) / 0.15
            for a in ("blinatumomab", "chemotherapy")
        ]
        r.append((pr["rmst_difference_days"] - pub["rmst_difference_days"]) / 2.0)
        for a in ("blinatumomab", "chemotherapy"):
            d = m.digit[a]
            ref = np.interp(digit_t, d[:, 0], d[:, 1])
            mod = np.interp(digit_t * Y, GRID, pr["_surv"][a])
            r += list((mod - ref) * 100 / 2.0)
        r = list(np.asarray(r)[keep_targets])
        # weak priors: early deaths ~0.7%, CNS ~1.2% at 3 years in SR-Average
        r.append((np.log(par["death0"]) - np.log(0.04)) / 1.0)
        r.append((np.log(par["cns"]) - np.log(0.004)) / 1.0)
        r.append((np.log(par["comb_blin"]) - np.log(0.001)) / 1.0)
        # smooth time profiles (log scale)
        for arm in ("chemotherapy", "blinatumomab"):
            r += list(np.diff(np.log(par["shape"][arm][1:])) / 1.5)
        return np.array(r)

    x0 = np.log(
        np.r_[0.04, 0.004, 0.005, 0.001, 2.0, 4.0, 2.0, 2.0, 3.0, 2.0, 0.01, 0.02, 0.002, 0.004]
    )
    fixed_x = {HAZARD_PARAMS.index(k): float(np.log(v)) for k, v in (fixed or {}).items()}
    x, _ = free_fit(resid, x0, fixed_x)
    par = unpack(x)
    return par, predictions(m, par, g)


def age_location(spec, target: float = 4.3) -> float:
    """Log-normal median whose truncation to [min, max) has median ``target``."""

    def f(med: float) -> float:
        mu = np.log(med)
        lo = ndtr((np.log(spec.min) - mu) / spec.log_sd)
        hi = ndtr((np.log(spec.max) - mu) / spec.log_sd)
        return float(np.exp(mu + spec.log_sd * ndtri((lo + hi) / 2)) - target)

    return brentq(f, 2.0, 8.0)


def fmt(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.5f}" for x in v) + "]"


def write_back(text: str, m: Model, rate, rel, p_high, age_med, par, pred, acc_info) -> str:
    t = text
    t = re.sub(r"rate_per_month = [0-9.]+", f"rate_per_month = {rate:.3f}", t, count=1)
    rel_iter = iter(rel)
    t = re.sub(r"relative_rate = [0-9.]+", lambda _m: f"relative_rate = {next(rel_iter):.4f}", t)
    fav = (
        1.0 - p_high - next(g for g in m.p.population.groups if g.name == "SR-Average").probability
    )
    t = re.sub(r'(name = "SR-High"\nprobability = )[0-9.]+', rf"\g<1>{p_high:.4f}", t, count=1)
    t = re.sub(r'(name = "SR-Favorable"\nprobability = )[0-9.]+', rf"\g<1>{fav:.4f}", t, count=1)
    t = re.sub(r"(median = )[0-9.]+(, log_sd = 0.5)", rf"\g<1>{age_med:.3f}\g<2>", t, count=1)
    hz = hazards(par)

    def block(event, arm, stratum, values):
        nonlocal t
        pat = re.compile(
            rf'(event = "{event}"\narm = "{re.escape(arm)}"\nstratum = "{re.escape(stratum)}"\n'
            r"per_year = )\[[^\]]*\]"
        )
        t, n = pat.subn(lambda mm: mm.group(1) + fmt(values), t)
        if n != 1:
            raise SystemExit(f"could not find hazard block {event}/{arm}/{stratum}")

    block("death_in_remission", "*", "*", hz[("chemotherapy", "SR-Average")]["death_in_remission"])
    block("cns_relapse", "*", "SR-Average", hz[("chemotherapy", "SR-Average")]["cns_relapse"])
    block("cns_relapse", "*", "SR-High", hz[("chemotherapy", "SR-High")]["cns_relapse"])
    for arm in ("chemotherapy", "blinatumomab"):
        block("combined_relapse", arm, "*", hz[(arm, "SR-Average")]["combined_relapse"])
        for st in ("SR-Average", "SR-High"):
            block("marrow_relapse", arm, st, hz[(arm, st)]["marrow_relapse"])
    # fit record
    t = t.split("\n# ---- calibration record")[0].rstrip("\n") + "\n"
    lines = [
        "",
        "# ---- calibration record (written by scripts/calibrate_aall1731.py) ----",
        "# Expected values under the fitted model (daily-grid computation, not a simulation):",
        "# quantity: published -> model",
    ]
    for k in sorted(k for k in pred if not k.startswith("_")):
        lines.append(f"#   {k}: {m.pub.get(k, float('nan')):g} -> {pred[k]:.3f}")
    lines.append(f"#   accrual fit residuals (patients; n, at risk years 1-4): {acc_info}")
    return t + "\n".join(lines) + "\n"


def stratum_text(text: str, m: Model) -> tuple[str, float]:
    """The protocol text with the SR-High (and SR-Favorable) share set in closed form to the
    301/718 SR-High share of the blinatumomab arm [ASH]; returns (text, SR-High probability)."""
    groups = {g.name: g for g in m.p.population.groups}
    keep_avg = groups["SR-Average"].probability * np.prod(
        [1 - e.probability for e in groups["SR-Average"].exclusions]
    )
    keep_high_per = np.prod([1 - e.probability for e in groups["SR-High"].exclusions])
    share_high = m.pub.get("sr_high_share", 301 / 718)  # [ASH]: 301 of 718 in the blin arm
    p_high = share_high / (1 - share_high) * keep_avg / keep_high_per
    text1 = re.sub(
        r'(name = "SR-High"\nprobability = )[0-9.]+', rf"\g<1>{p_high:.4f}", text, count=1
    )
    fav = 1.0 - p_high - groups["SR-Average"].probability
    text1 = re.sub(
        r'(name = "SR-Favorable"\nprobability = )[0-9.]+', rf"\g<1>{fav:.4f}", text1, count=1
    )
    return text1, float(p_high)


@dataclass(frozen=True)
class Calibration:
    """One fit: the fitted parameters, and the model's value of every target (TARGETS order).

    ``withheld`` names the targets left out of the objective; ``fixed_rel`` / ``fixed_hazards``
    the parameters held at an assumption instead of fitted.
    """

    text1: str  # the protocol text with the closed-form shares (before write_back)
    model: Model
    rate: float
    rel: np.ndarray
    p_high: float
    age_med: float
    par: dict
    pred: dict
    acc_info: dict
    values: dict[str, float]
    withheld: frozenset = frozenset()
    fixed_rel: dict = field(default_factory=dict)
    fixed_hazards: dict = field(default_factory=dict)


def calibrate(
    text: str,
    withheld: frozenset = frozenset(),
    fixed_rel: dict[int, float] | None = None,
    fixed_hazards: dict[str, float] | None = None,
) -> Calibration:
    """Run the whole fit on the protocol ``text`` without writing anything.

    The SR-High share and the age location are closed forms (never withheld); the accrual fit
    gives the follow-up distribution that the hazard fit's Cox limit uses.
    """
    unknown = set(withheld) - set(TARGETS)
    if unknown:
        raise ValueError(f"unknown targets: {sorted(unknown)}")
    m = Model(text)
    age_med = age_location(m.p.population.age_years)
    text1, p_high = stratum_text(text, m)
    m = Model(text1)
    rate, rel, acc_info = fit_accrual(m, frozenset(withheld), fixed_rel)
    _, g = m.follow_up(rate, rel)
    par, pred = fit_hazards(m, g, frozenset(withheld), fixed_hazards)
    values = accrual_values(m, rate, rel) | hazard_values(m, pred)
    return Calibration(
        text1, m, rate, rel, p_high, age_med, par, pred, acc_info,
        {k: values[k] for k in TARGETS}, frozenset(withheld),
        dict(fixed_rel or {}), dict(fixed_hazards or {}),
    )  # fmt: skip


def published_targets(m: Model) -> dict[str, float]:
    """The value each target is fitted to (TARGETS order): published figures, the pooled
    numbers at risk, and the digitized DFS curves (percent) at DIGIT_T."""
    pub = m.pub
    out = {N_KEY: float(pub["randomized_blinatumomab"] + pub["randomized_chemotherapy"])}
    for k, key in zip(AT_RISK_YEARS, AT_RISK_KEYS, strict=True):
        out[key] = m.nar[("blinatumomab", k)] + m.nar[("chemotherapy", k)]
    for k in (*DFS_KEYS, *HR_KEYS, *MARROW_KEYS, RMST_KEY):
        out[k] = float(pub[k])
    for a in ARMS:
        d = m.digit[a]
        ref = np.interp(DIGIT_T, d[:, 0], d[:, 1]) * 100
        out.update({digit_key(a, t): float(v) for t, v in zip(DIGIT_T, ref, strict=True)})
    return {k: out[k] for k in TARGETS}


def calibrated_text(cal: Calibration) -> str:
    """The protocol text with the fit of ``cal`` written in (what main() writes to the TOML)."""
    return write_back(
        cal.text1, cal.model, cal.rate, cal.rel, cal.p_high, cal.age_med, cal.par, cal.pred,
        cal.acc_info,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", type=int, default=0, help="simulate R trials after the fit")
    ap.add_argument("--dry-run", action="store_true", help="do not rewrite the TOML")
    args = ap.parse_args()
    text = TOML.read_text(encoding="utf-8")
    cal = calibrate(text)
    m, pred, rate, rel, acc_info = cal.model, cal.pred, cal.rate, cal.rel, cal.acc_info
    for k in sorted(k for k in pred if not k.startswith("_")):
        print(f"{k:36s} published {m.pub.get(k, float('nan')):8.3f}   model {pred[k]:8.3f}")
    print("accrual", round(rate, 3), rel.round(4), acc_info)
    new = calibrated_text(cal)
    parse_protocol(new, "aall1731.toml")  # must stay valid
    if not args.dry_run:
        TOML.write_text(new, encoding="utf-8")
        print(f"wrote {TOML}")
    if args.check:
        from survtrial.trial import run_trials

        run = run_trials(parse_protocol(new, "aall1731.toml"), args.check, seed=20241207)
        for k, v in m.pub.items():
            if k in run.summary:
                q = np.nanpercentile(run.summary[k], [2.5, 50, 97.5])
                print(f"{k:36s} published {v:8.2f}  median {q[1]:8.2f}  [{q[0]:.2f}, {q[2]:.2f}]")


if __name__ == "__main__":
    main()
