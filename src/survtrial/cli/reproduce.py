"""`survtrial reproduce`, `survtrial run` and `survtrial protocols`.

``reproduce NAME`` runs a built-in protocol's trial in silico R times and sets the published
figures beside one simulated trial and the replicate median and 2.5-97.5% range; it writes
``results.json``, the ADaM data sets of the simulated trial, an HTML page and the KM figure.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import time
import tomllib
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from survtrial import __version__
from survtrial._errors import InputError

DEFAULT_REPLICATES = 400
DEFAULT_WORKERS = os.cpu_count() or 1  # results do not depend on it
# how close the replicate median must be to the published value, by kind of quantity [issue 4]
CLOSENESS = (
    (re.compile(r"^dfs\d+_se_"), 1.0, "abs", "percentage point"),
    (re.compile(r"^dfs\d+_"), 1.0, "abs", "percentage point"),
    (re.compile(r"^hr_"), 0.08, "abs", ""),
    (re.compile(r"^rmst_difference_days$"), 12.0, "abs", "days"),
    (re.compile(r"^at_risk_"), 0.10, "rel", "relative"),
    (re.compile(r"^randomized_"), 0.05, "rel", "relative (assumption)"),
    (re.compile(r".*_\d+y_"), 1.0, "abs", "percentage point (assumption)"),
    (re.compile(r"^median_follow_up_years$"), 0.25, "abs", "years (assumption)"),
)


def _closeness(key: str) -> tuple[float, str]:
    for pat, tol, kind, _ in CLOSENESS:
        if pat.search(key):
            return tol, kind
    return math.inf, "abs"


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.6g}")


def _protocol_text(name_or_path: str) -> tuple[str, str, str | None]:
    """(toml text, source label, built-in name or None)."""
    from survtrial.protocol import builtin_protocols, builtin_text

    if name_or_path in builtin_protocols():
        return builtin_text(name_or_path), f"{name_or_path}.toml", name_or_path
    path = Path(name_or_path)
    if not path.is_file():
        raise InputError(
            f"protocol: {name_or_path!r} is neither a built-in protocol "
            f"({', '.join(builtin_protocols())}) nor a file"
        )
    return path.read_text(encoding="utf-8"), path.name, None


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _set_path(data: dict, key: str, value: Any) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", key)
    cur: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.startswith("["):
            j = int(part[1:-1])
            if not isinstance(cur, list) or j >= len(cur):
                raise InputError(f"--vary: {key!r}: no element {part} in the protocol")
            if last:
                cur[j] = value
            else:
                cur = cur[j]
        else:
            if not isinstance(cur, dict) or (part not in cur and not last):
                raise InputError(f"--vary: {key!r}: the protocol has no key {part!r}")
            if last:
                if part not in cur:
                    raise InputError(f"--vary: {key!r}: the protocol has no key {part!r}")
                cur[part] = value
            else:
                cur = cur[part]


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    if "=" not in spec:
        raise InputError(
            f"--vary: {spec!r}: write KEY=V1,V2 (e.g. monitoring.planned_events=80,110)"
        )
    key, _, vals = spec.partition("=")
    values = [_parse_value(v.strip()) for v in vals.split(",") if v.strip()]
    if not key.strip() or not values:
        raise InputError(f"--vary: {spec!r}: needs a key and at least one value")
    return key.strip(), values


def varied_protocol(text: str, source: str, key: str, value: Any):
    """The protocol with one key changed (validated again)."""
    from pydantic import ValidationError

    from survtrial.protocol._models import Protocol

    data = tomllib.loads(text)
    data = copy.deepcopy(data)
    _set_path(data, key, value)
    # keep the final look in step with the planned events when those are varied
    if key == "monitoring.planned_events":
        for look in data["monitoring"]["looks"]:
            if "events" in look:
                look["events"] = value
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"--vary {key}={value!r}: {err['msg']}") from None


def _pct(v: np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan, math.nan, math.nan)
    lo, med, hi = np.percentile(v, [2.5, 50, 97.5])
    return float(med), float(lo), float(hi)


def table_rows(protocol, run) -> dict[str, dict]:
    """One entry per published quantity (or every headline quantity when none is published)."""
    head = run.first_analysis["headline"]
    keys = list(protocol.published) or [k for k in head if k in run.summary]
    rows: dict[str, dict] = {}
    for key in keys:
        pub = protocol.published.get(key)
        sim = head.get(key)
        if key not in run.summary:
            rows[key] = {
                "published": _num(pub),
                "simulated": _num(sim),
                "replicate_median": None,
                "replicate_low": None,
                "replicate_high": None,
                "within_range": False,
                "close": False,
                "note": "not produced by the engine for this protocol",
            }
            continue
        med, lo, hi = _pct(run.summary[key])
        tol, kind = _closeness(key)
        within = close = None
        note = ""
        if pub is not None:
            within = bool(lo <= pub <= hi)
            gap = abs(med - pub) if kind == "abs" else abs(med - pub) / abs(pub)
            close = bool(gap <= tol)
            if not within or not close:
                what = [] if within else ["outside the replicate range"]
                if not close:
                    what.append(f"median {med:.3g} not within {tol:g} of the published value")
                note = "calibration does not reach the published figure: " + "; ".join(what)
        rows[key] = {
            "published": _num(pub),
            "simulated": _num(sim),
            "replicate_median": _num(med),
            "replicate_low": _num(lo),
            "replicate_high": _num(hi),
            "within_range": within,
            "close": close,
            "note": note,
        }
    return rows


def interim_block(run) -> dict:
    it = run.interim
    first = {
        "events": _num(it["events"][0]),
        "information_fraction": _num(it["information_fraction"][0]),
        "z": _num(it["z"][0]),
        "bound": _num(it["bound"][0]),
        "decision": "stop for efficacy" if bool(it["stopped_at_first"][0]) else "continue",
    }
    out = {"simulated": first}
    for k in ("events", "information_fraction", "z", "bound"):
        med, lo, hi = _pct(it[k])
        out[k] = {
            "replicate_median": _num(med),
            "replicate_low": _num(lo),
            "replicate_high": _num(hi),
        }
    out["share_stopping_at_first_interim"] = _num(np.mean(it["stopped_at_first"]))
    out["published_decision"] = "stop (the committee recommended early termination)"
    out["z_convention"] = "stratified log-rank z; negative favours the experimental arm"
    return out


def _fmt(v: Any, key: str = "") -> str:
    if v is None:
        return "-"
    if key.startswith(("randomized_", "at_risk_")):
        return f"{v:.0f}"
    if key.startswith("hr_"):
        return f"{v:.2f}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def print_table(rows: dict, interim: dict, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    for col in ("quantity", "published", "one trial", "replicate median", "2.5-97.5%", "reached"):
        t.add_column(col, justify="left" if col == "quantity" else "right")
    for key, r in rows.items():
        ok = r["within_range"] and r["close"]
        flag = "-" if r["within_range"] is None else ("yes" if ok else "[red]NO[/red]")
        rng = f"{_fmt(r['replicate_low'], key)} - {_fmt(r['replicate_high'], key)}"
        t.add_row(
            key,
            _fmt(r["published"], key),
            _fmt(r["simulated"], key),
            _fmt(r["replicate_median"], key),
            rng,
            flag,
        )
    con = Console(width=max(Console().width, 110))
    con.print(t)
    s = interim["simulated"]
    con.print(
        f"Interim 1 (one trial): {s['events']:.0f} events, information "
        f"{s['information_fraction']:.2f}, z = {s['z']:.2f}, bound {s['bound']:.2f}: "
        f"{s['decision']}. Replicates stopping at the first interim: "
        f"{100 * interim['share_stopping_at_first_interim']:.1f}%."
    )
    for key, r in rows.items():
        if r["note"]:
            con.print(f"[red]{key}[/red]: {r['note']}")


HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:3px 8px;text-align:right}td:first-child{text-align:left}
.no{color:#b00}</style></head><body>
<h1>{{ title }}</h1>
<p>survtrial {{ version }}, protocol {{ protocol }}, seed {{ seed }}, {{ replicates }} replicates.
Published figures are shown for comparison only; every simulated number comes from simulated
patients.</p>
<table><tr><th>quantity</th><th>published</th><th>one simulated trial</th>
<th>replicate median</th><th>2.5-97.5%</th><th>reached</th></tr>
{% for key, r in rows.items() %}<tr><td>{{ key }}</td><td>{{ fmt(r.published, key) }}</td>
<td>{{ fmt(r.simulated, key) }}</td><td>{{ fmt(r.replicate_median, key) }}</td>
<td>{{ fmt(r.replicate_low, key) }} - {{ fmt(r.replicate_high, key) }}</td>
<td{% if r.note %} class="no"{% endif %}>{{ "-" if r.within_range is none else
("yes" if r.within_range and r.close else "NO: " ~ r.note) }}</td></tr>
{% endfor %}</table>
<h2>Interim analysis</h2>
<p>One trial: {{ interim.simulated.events }} events, information fraction
{{ "%.3f"|format(interim.simulated.information_fraction) }},
z = {{ "%.2f"|format(interim.simulated.z) }},
bound {{ "%.2f"|format(interim.simulated.bound) }}: {{ interim.simulated.decision }}.
Share of replicates stopping at the first interim:
{{ "%.1f"|format(100 * interim.share_stopping_at_first_interim) }}%.</p>
{% if vary %}<h2>Sensitivity (replicate medians)</h2><table><tr><th>quantity</th>
{% for row in vary %}<th>{{ row.setting }}</th>{% endfor %}</tr>{% for c in vary_cols %}
<tr><td>{{ c }}</td>{% for row in vary %}<td>{{ row[c] }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}
<h2>Figure</h2><img src="km_dfs.svg" alt="Kaplan-Meier DFS by arm" width="800">
</body></html>
"""


def write_html(path: Path, **ctx) -> None:
    import jinja2

    env = jinja2.Environment(autoescape=True)
    env.globals["fmt"] = _fmt
    path.write_text(env.from_string(HTML).render(**ctx), encoding="utf-8")


def km_figure(protocol, run, out: Path) -> list[Path]:
    """Median simulated KM DFS by arm with a 95% band, over the published digitized curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from survtrial.protocol import builtin_data_path
    from survtrial.trial._analysis import CURVE_GRID_YEARS

    arms = [protocol.experimental, protocol.control]
    colours = {protocol.experimental.name: "#1f5fa8", protocol.control.name: "#c0392b"}
    fig, ax = plt.subplots(figsize=(8, 5.6))
    fig.subplots_adjust(bottom=0.3)
    for arm in arms:
        curves = run.summary[f"curve_{arm.name}"]
        lo, med, hi = np.nanpercentile(curves, [2.5, 50, 97.5], axis=0)
        c = colours[arm.name]
        ax.step(
            CURVE_GRID_YEARS,
            100 * med,
            where="post",
            color=c,
            label=f"{arm.label}: simulated median",
        )
        ax.fill_between(
            CURVE_GRID_YEARS,
            100 * lo,
            100 * hi,
            step="post",
            color=c,
            alpha=0.18,
            label=f"{arm.label}: 95% of replicates",
        )
        rel = protocol.data_files.get(f"dfs_{arm.name}")
        if rel:
            pts = np.loadtxt(
                str(builtin_data_path(protocol.trial.id, rel.split("/", 2)[-1])),
                delimiter=",",
                skiprows=1,
            )
            ax.plot(
                pts[:, 0],
                100 * pts[:, 1],
                color=c,
                ls="--",
                lw=1.2,
                label=f"{arm.label}: published (digitized)",
            )
    ax.set_xlabel("Years since randomization")
    ax.set_ylabel("Disease-free survival (%)")
    ax.set_ylim(75, 100.5)
    ax.set_xlim(0, 4.6)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title(f"{protocol.trial.id.upper()}: disease-free survival by arm")
    years = protocol.analysis.at_risk_years
    published = {}
    rel = protocol.data_files.get("numbers_at_risk")
    if rel:
        import csv

        with open(str(builtin_data_path(protocol.trial.id, rel.split("/", 2)[-1]))) as fh:
            for rec in csv.DictReader(fh):
                if rec["endpoint"] == "dfs":
                    published[(rec["arm"], int(rec["year"]))] = rec["n_at_risk"]
    lines = []
    for arm in arms:
        sim = [f"{np.median(run.summary[f'at_risk_year{int(y)}_{arm.name}']):.0f}" for y in years]
        lines.append((f"{arm.name} simulated (median)", sim))
        if published:
            lines.append(
                (f"{arm.name} published", [published.get((arm.name, int(y)), "-") for y in years])
            )
    for i, (label, vals) in enumerate(lines):
        ypos = -0.16 - 0.045 * i
        ax.text(-0.05, ypos, label, transform=ax.transAxes, ha="right", fontsize=7)
        for y, v in zip(years, vals, strict=True):  # x in years, y in axes units
            ax.text(y, ypos, str(v), transform=ax.get_xaxis_transform(), ha="center", fontsize=7)
    ax.text(
        -0.05,
        -0.115,
        "Numbers at risk",
        transform=ax.transAxes,
        ha="right",
        fontsize=7,
        weight="bold",
    )
    fig.subplots_adjust(left=0.25)
    paths = [out / "km_dfs.png", out / "km_dfs.svg"]
    # the numbers-at-risk labels lie left of the axes: a tight box keeps them in the picture
    fig.savefig(paths[0], dpi=130, bbox_inches="tight")
    fig.savefig(paths[1], metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return paths


def run_and_report(
    text: str,
    source: str,
    builtin: str | None,
    out: Path,
    seed: int,
    replicates: int,
    vary: list[str] | None,
    workers: int = 1,
) -> dict:
    from rich.progress import Progress

    from survtrial.io.adam import write_adam
    from survtrial.protocol import parse_protocol
    from survtrial.trial import cut_data, run_trials

    if replicates < 2:
        raise InputError(f"--replicates: need at least 2, got {replicates}")
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    if workers < 1:
        raise InputError(f"--workers: need at least 1, got {workers}")
    protocol = parse_protocol(text, source)
    varies = [parse_vary(v) for v in (vary or [])]
    variants = [(k, v, varied_protocol(text, source, k, v)) for k, vals in varies for v in vals]
    t0 = time.perf_counter()
    with Progress(transient=True) as prog:
        task = prog.add_task("simulating trials", total=replicates * (1 + len(variants)))
        base = [0]

        def tick(n: int) -> None:
            prog.update(task, completed=base[0] + n)

        run = run_trials(protocol, replicates, seed, progress=tick, workers=workers)
        vary_rows = [_vary_entry("as in the protocol", protocol, run)] if variants else []
        for k, v, pv in variants:
            base[0] += replicates
            rv = run_trials(pv, replicates, seed, progress=tick, workers=workers)
            vary_rows.append(_vary_entry(f"{k} = {v}", pv, rv))
    elapsed = time.perf_counter() - t0
    rows = table_rows(protocol, run)
    interim = interim_block(run)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = dict(rows)
    results["interim"] = interim
    results["protocol"] = {
        "name": builtin or source,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "vary": [f"{k}={','.join(map(str, v))}" for k, v in varies],
    }
    results["seed"] = seed
    results["version"] = __version__
    (out / "results.json").write_text(
        json.dumps(results, indent=2, sort_keys=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    cd = cut_data(run.first_batch, run.first_cut_day)
    files = write_adam(run.first_batch, cd, out, 0)
    (out / "analysis_trial1.json").write_text(
        json.dumps(_jsonable(run.first_analysis, drop=("curve_days", "curve_survival")), indent=2)
        + "\n",
        encoding="utf-8",
    )
    files += km_figure(protocol, run, out)
    vary_cols = [c for c in (vary_rows[0] if vary_rows else {}) if c != "setting"]
    write_html(
        out / "report.html",
        title=protocol.trial.title,
        version=__version__,
        protocol=builtin or source,
        seed=seed,
        replicates=replicates,
        rows=rows,
        interim=interim,
        vary=vary_rows,
        vary_cols=vary_cols,
    )
    title = f"{protocol.trial.title} - {replicates} replicates, seed {seed}"
    print_table(rows, interim, title)
    if vary_rows:
        from rich.console import Console
        from rich.table import Table

        t = Table(title="Sensitivity (--vary): replicate medians")
        t.add_column("quantity", no_wrap=True)
        for r in vary_rows:
            t.add_column(r["setting"], justify="right")
        for c in vary_cols:
            t.add_row(c, *[str(r.get(c, "-")) for r in vary_rows])
        Console(width=max(Console().width, 110)).print(t)
    typer.echo(f"{replicates} replicate trials in {elapsed:.1f} s.")
    typer.echo(
        f"Wrote {out / 'results.json'}, {out / 'report.html'}, ADaM data sets "
        f"(adsl, adtte, adae .csv/.parquet) and km_dfs.png/.svg to {out}/"
    )
    return results


def _vary_entry(setting: str, protocol, run) -> dict:
    rows_v = table_rows(protocol, run)
    entry = {
        "setting": setting,
        "stop at interim 1 (%)": f"{100 * np.mean(run.interim['stopped_at_first']):.1f}",
        "interim information": f"{np.nanmedian(run.interim['information_fraction']):.2f}",
        "interim bound": f"{np.nanmedian(run.interim['bound']):.2f}",
        "interim z": f"{np.nanmedian(run.interim['z']):.2f}",
    }
    for key, r in rows_v.items():
        if key.startswith(("dfs", "hr_", "rmst", "randomized_")) and "_se_" not in key:
            entry[key] = _fmt(r["replicate_median"], key)
    return entry


def _jsonable(obj: Any, drop: tuple[str, ...] = ()) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v, drop) for k, v in obj.items() if k not in drop}
    if isinstance(obj, list | tuple):
        return [_jsonable(v, drop) for v in obj]
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _num(obj)
    return str(obj)


# ------------------------------------------------------------------------------------------
# Typer commands (registered in survtrial.cli)


def _guard(fn, *args):
    from survtrial.cli import fail

    try:
        return fn(*args)
    except InputError as exc:
        fail(str(exc))


# options shared by `reproduce` and `run`
VaryOption = Annotated[
    list[str] | None,
    typer.Option("--vary", help="KEY=V1,V2: rerun with a protocol key changed."),
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers", help="Processes running replicates side by side (same results for any)."
    ),
]


def reproduce_command(
    name: Annotated[str, typer.Argument(help="Built-in protocol, e.g. aall1731.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("aall1731-out"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20241207,
    replicates: Annotated[
        int, typer.Option("--replicates", help="Replicate trials.")
    ] = DEFAULT_REPLICATES,
    vary: VaryOption = None,
    workers: WorkersOption = DEFAULT_WORKERS,
) -> None:
    """Run a built-in trial in silico and set the published results beside the simulated ones."""

    def go():
        from survtrial.protocol import builtin_protocols, builtin_text

        if name not in builtin_protocols():
            raise InputError(
                f"protocol: {name!r} is not a built-in protocol; choose one of "
                f"{', '.join(builtin_protocols())} (or use `survtrial run FILE.toml`)"
            )
        run_and_report(
            builtin_text(name), f"{name}.toml", name, out, seed, replicates, vary, workers
        )

    _guard(go)


def run_command(
    protocol: Annotated[str, typer.Argument(help="A protocol TOML file (or a built-in name).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("survtrial-out"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    replicates: Annotated[int, typer.Option("--replicates", help="Replicate trials.")] = 200,
    vary: VaryOption = None,
    workers: WorkersOption = DEFAULT_WORKERS,
) -> None:
    """Simulate and analyse any valid protocol file."""

    def go():
        text, source, builtin = _protocol_text(protocol)
        run_and_report(text, source, builtin, out, seed, replicates, vary, workers)

    _guard(go)


def protocols_command() -> None:
    """List the built-in protocols."""
    from survtrial.protocol import builtin_protocols

    for name, title in builtin_protocols().items():
        typer.echo(f"{name:20s} {title}")
