"""AALL1731 rebuilt from its published curves (issue 5, item 6): the numbers in
docs/reconstruct.md.

Reconstructs DFS and OS of both arms from the shipped digitized curves and numbers at risk
(Guyot et al. 2012), then analyses the pseudo-IPD with survtrial.stats: 3-year survival per arm
(Greenwood SE, log-log 95% CI as the analyze command's default), unstratified Cox HR (Efron,
Wald CI), log-rank test, RMST difference (blinatumomab - chemotherapy) in days at 3, 4 and
4.5 years (or the largest horizon both reconstructed arms reach). Both last-interval rules.

    .venv/bin/python scripts/aall1731_reconstruct.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from survtrial.reconstruct import DAYS_PER
from survtrial.reconstruct.examples import aall1731
from survtrial.stats import cox, kaplan_meier, logrank, rmst

TAUS = (3.0, 4.0, 4.5)


def analyse(endpoint: str, rule: str) -> dict:
    rec = aall1731(endpoint, last_interval=rule)
    t, e, a = rec.arrays()
    out: dict = {"endpoint": endpoint, "last_interval": rule, "arms": {}}
    for arm in rec.labels:
        r = rec[arm]
        km = kaplan_meier(r.time, r.event)
        ci = km.confidence_interval(times=[3.0], method="log-log")
        out["arms"][arm] = {
            "n": r.n,
            "events": r.n_events,
            "last_follow_up_years": float(r.time.max()),
            "surv_3y": float(km.survival_at([3.0])[0]),
            "surv_3y_se": float(km.std_err_at([3.0])[0]),
            "surv_3y_ci": [float(ci.low[0]), float(ci.high[0])],
            "survival_rmse": r.rmse,
            "survival_max_abs_difference": r.max_abs_difference,
            "points": r.curve.n_input,
            "points_altered": r.curve.n_altered,
            "at_risk_published": r.at_risk.published.tolist(),
            "at_risk_reconstructed": r.at_risk.reconstructed.tolist(),
        }
    fit = cox(t, e, (a == "blinatumomab").astype(float))
    hci = fit.confidence_interval()
    out["cox_hr"] = [float(fit.hazard_ratio[0]), float(hci.low[0]), float(hci.high[0])]
    out["cox_p"] = float(fit.pvalue[0])
    lr = logrank(t, e, a)
    out["logrank"] = {"chisq": lr.statistic, "p": lr.pvalue}
    common = min(float(rec[arm].time.max()) for arm in rec.labels)
    out["rmst"] = []
    d = DAYS_PER["years"]
    for tau in TAUS:
        used = min(tau, common)
        r = rmst(t * d, e, a, used * d)  # groups sorted: blinatumomab, chemotherapy
        lo, hi = r.difference_confidence_interval()
        out["rmst"].append(
            {
                "tau_requested_years": tau,
                "tau_years": used,
                "difference_days": -r.difference,  # blinatumomab - chemotherapy
                "ci_days": [-hi, -lo],
                "p": r.difference_pvalue,
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    results = [analyse(ep, rule) for ep in ("dfs", "os") for rule in ("guyot", "to-end")]
    for res in results:
        print(f"\n== {res['endpoint'].upper()} (last interval: {res['last_interval']})")
        for arm, v in res["arms"].items():
            lo, hi = v["surv_3y_ci"]
            print(
                f"{arm:13s} n={v['n']} events={v['events']} 3y {100 * v['surv_3y']:.1f}% "
                f"(SE {100 * v['surv_3y_se']:.1f}; {100 * lo:.1f}-{100 * hi:.1f}) "
                f"RMSE {v['survival_rmse']:.4f} max {v['survival_max_abs_difference']:.4f} "
                f"last {v['last_follow_up_years']:.3f} y"
            )
        hr, lo, hi = res["cox_hr"]
        print(f"Cox HR {hr:.3f} ({lo:.3f}-{hi:.3f}), p {res['cox_p']:.2g}")
        print(f"log-rank chi2 {res['logrank']['chisq']:.2f}, p {res['logrank']['p']:.2g}")
        for r in res["rmst"]:
            lo, hi = r["ci_days"]
            print(
                f"RMST diff tau {r['tau_years']:.3f} y (asked {r['tau_requested_years']}): "
                f"{r['difference_days']:.1f} days ({lo:.1f} to {hi:.1f}), p {r['p']:.2g}"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2, default=lambda o: np.asarray(o).tolist())


if __name__ == "__main__":
    main()
