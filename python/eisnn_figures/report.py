#!/usr/bin/env python3
"""Figures and one self-contained HTML page from the outputs of `eisnn
analyze` and `eisnn perturb` (Zhu et al. 2026, Biol. Cybern. 120:2; SPEC §5).

    report.py [--out OUT] DIR...

DIR: a folder with analysis.h5 and/or perturb.h5, a run folder with them in
analysis/, or a parent of several such folders. Writes OUT/figures/*.png and
*.svg, OUT/stats.json (means, spread and two-sample Kolmogorov-Smirnov tests
across networks, scipy.stats.ks_2samp) and OUT/report.html, which embeds every
figure (base64 PNG) and opens without a server. Exit status 2 on bad input.
With --reproduce FILE (the reproduce.json of `eisnn reproduce`) the page opens
with the claims table of claims.py, task success and the run's record, and
OUT/summary.json holds them (docs/reproduce.md).
"""

import argparse
import base64
import html
import json
import os
import sys
import time

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import claims  # noqa: E402
import figures  # noqa: E402
from data import ReportError, Study, find_analysis_dirs  # noqa: E402

# Figures of one network (first study with the file they need) and of all.
ANALYSIS_FIGURES = ["training_curves", "raster", "rate_violins", "block_matrices",
                    "ratios_training", "input_weights"]
PERTURB_FIGURES = ["jitter", "silencing"]
ALL_FIGURES = ["ratios_conditions"]


def expected_figures(studies):
    """Names of the figures a report of these studies holds."""
    names = []
    if any(s.analysis is not None for s in studies):
        names += ANALYSIS_FIGURES + ALL_FIGURES
    if any(s.perturb is not None for s in studies):
        names += PERTURB_FIGURES
    return names


def _synapse_groups(s, net, inhibitory):
    """|w| of existing cross- and within-tuned synapses of one network (I or E presynaptic)."""
    pre, post, w = s.weights(net)
    group = np.asarray(s.net(net)["tuning"]["group"])
    state = np.where((group == 0) | (group == 2), 1, 0)
    is_i = pre >= s.n_e
    keep = (is_i if inhibitory else ~is_i) & (w != 0)
    cross = state[pre] != state[post]
    return np.abs(w[keep & cross]), np.abs(w[keep & ~cross])


def _ks(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return None
    r = stats.ks_2samp(a, b)
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue), "n": [len(a), len(b)]}


def _spread(v):
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return None
    return {"n": int(len(v)), "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1
            else None, "min": float(v.min()), "max": float(v.max())}


def compute_stats(studies):
    out = {"networks": [], "conditions": {}, "tests": {}}
    analysed = [s for s in studies if s.analysis is not None]
    for s in analysed:
        entry = {"run": s.run_dir, "condition": s.condition}
        for net in s.networks():
            b = s.net(net)["blocks"]["attrs"]
            e = {"i_ratio": b["i_ratio"], "e_ratio": b["e_ratio"],
                 "per_ms_accuracy": s.net(net)["attrs"]["per_ms_accuracy"]}
            # Within one network: strength of single synapses, cross- vs within-tuned.
            for kind, inh in (("I", True), ("E", False)):
                cross, within = _synapse_groups(s, net, inh)
                e[f"ks_{kind}_synapses_cross_vs_within"] = _ks(cross, within)
                e[f"mean_abs_{kind}_cross_mV"] = float(cross.mean()) if len(cross) else None
                e[f"mean_abs_{kind}_within_mV"] = float(within.mean()) if len(within) else None
            entry[net] = e
        out["networks"].append(entry)

    # Across networks: per condition, and within- vs cross-tuned block means.
    conds = sorted({s.condition for s in analysed})
    for cond in conds:
        group = [s for s in analysed if s.condition == cond]
        c = {}
        for net in ("naive0", "naive10", "trained"):
            vals = {k: [s.net(net)["blocks"]["attrs"][k] for s in group if net in s.networks()]
                    for k in ("i_ratio", "e_ratio")}
            c[net] = {k: _spread(v) for k, v in vals.items()}
        tr = [s.net("trained")["blocks"]["attrs"]["i_ratio"] for s in group]
        nv = [s.net("naive0")["blocks"]["attrs"]["i_ratio"] for s in group
              if "naive0" in s.networks()]
        c["ks_i_ratio_trained_vs_naive0"] = _ks(tr, nv) if len(tr) > 1 and len(nv) > 1 else None
        cross, within = [], []
        for s in group:
            m = np.asarray(s.net("trained")["blocks"]["mean_mV"])
            cross += [m[2, 1], m[2, 3], m[3, 0], m[3, 2]]
            within += [m[2, 0], m[2, 2], m[3, 1], m[3, 3]]
        c["ks_I_blocks_cross_vs_within_trained"] = _ks(cross, within)
        out["conditions"][cond] = c
    for i, a in enumerate(conds):
        for b in conds[i + 1:]:
            va = [s.net("trained")["blocks"]["attrs"]["i_ratio"] for s in analysed
                  if s.condition == a]
            vb = [s.net("trained")["blocks"]["attrs"]["i_ratio"] for s in analysed
                  if s.condition == b]
            out["tests"][f"ks_i_ratio_{a}_vs_{b}"] = _ks(va, vb)
    return out


def _plain(x):
    """x with NaN and infinities as None, so that stats.json is strict JSON."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def save(fig, folder, name):
    import matplotlib.pyplot as plt

    png = os.path.join(folder, name + ".png")
    fig.savefig(png, dpi=110)
    fig.savefig(os.path.join(folder, name + ".svg"))
    plt.close(fig)
    return png


def make_figures(studies, folder):
    os.makedirs(folder, exist_ok=True)
    made = {}
    a = next((s for s in studies if s.analysis is not None), None)
    p = next((s for s in studies if s.perturb is not None), None)
    if a is not None:
        for name in ANALYSIS_FIGURES:
            made[name] = save(getattr(figures, name)(a), folder, name)
        made["ratios_conditions"] = save(figures.ratios_conditions(studies), folder,
                                         "ratios_conditions")
    if p is not None:
        for name in PERTURB_FIGURES:
            made[name] = save(getattr(figures, name)(p), folder, name)
    return made


CAPTIONS = {
    "training_curves": "Loss per update, held-out accuracy and mean rates per epoch.",
    "raster": "E (blue) and I (red) spikes of the trained network on a held-out change trial; "
              "state 1 shaded; readout below with the state as dashed line.",
    "rate_violins": "Rates on no-change trials per tuning group (E1, E0, I1, I0) and state, "
                    "naive (initial weights) vs trained (C1, C4).",
    "block_matrices": "Mean recurrent weight (zeros included) for each pre x post group; "
                      "I ratio > 1 is push-pull inhibition (C3).",
    "ratios_training": "I and E ratios over weight snapshots, with each snapshot's own tuning "
                       "and with the trained network's tuning.",
    "input_weights": "Mean input weight (zeros included) from 1-biased and 0-biased channels "
                     "onto E and I units (C2).",
    "ratios_conditions": "I and E ratios of every analysed network, per condition.",
    "jitter": "Accuracy and MSE under input spike jitter and extra recurrent delays (C6).",
    "silencing": "Accuracy with groups of synapses silenced; the line is the unperturbed network.",
}


def write_html(studies, made, st, out, extra=""):
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>eisnn report</title>",
             "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
             "img{max-width:100%}pre{background:#f4f4f4;padding:.6em;overflow-x:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
             "</style></head><body>",
             "<h1>eisnn: dissection of trained E/I networks</h1>",
             "<p>After Zhu et al. (2026), Biol. Cybern. 120:2. Runs: "
             + ", ".join(html.escape(f"{s.name} ({s.condition})") for s in studies) + ".</p>",
             extra]
    parts.append("<h2>Ratios across networks</h2><table><tr><th>condition</th><th>network</th>"
                 "<th>n</th><th>I ratio mean</th><th>s.d.</th><th>E ratio mean</th>"
                 "<th>s.d.</th></tr>")
    for cond, c in st["conditions"].items():
        for net in ("naive0", "naive10", "trained"):
            i, e = c[net]["i_ratio"], c[net]["e_ratio"]
            if i is None:
                continue

            def f(x):
                return "–" if x is None else f"{x:.3f}"

            parts.append(f"<tr><td>{html.escape(cond)}</td><td>{net}</td><td>{i['n']}</td>"
                         f"<td>{f(i['mean'])}</td><td>{f(i['sd'])}</td><td>{f(e['mean'])}</td>"
                         f"<td>{f(e['sd'])}</td></tr>")
    parts.append("</table><p>Kolmogorov-Smirnov tests (scipy.stats.ks_2samp) are in "
                 "stats.json and below.</p>")
    parts.append("<pre>" + html.escape(json.dumps(st, indent=1)) + "</pre>")
    for name, png in made.items():
        with open(png, "rb") as f:
            data = base64.b64encode(f.read()).decode()
        parts.append(f"<h2>{name.replace('_', ' ')}</h2><p>{html.escape(CAPTIONS[name])}</p>"
                     f"<img alt='{name}' src='data:image/png;base64,{data}'>")
    for s in studies:
        for t, text in s.texts.items():
            parts.append(f"<h3>{html.escape(s.name)}: {t}</h3><pre>{html.escape(text)}</pre>")
    parts.append("</body></html>")
    path = os.path.join(out, "report.html")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(parts))
    os.replace(path + ".tmp", path)
    return path


def reproduce_summary(path, studies, st):
    """summary.json of `eisnn reproduce`: its record, the claims, task success,
    every network's numbers and the statistics above."""
    try:
        with open(path) as f:
            info = json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError(f"cannot read '{path}' as the JSON of eisnn reproduce: {e}") from None
    m = claims.measure(studies)
    return {"reproduce": info, "claims": claims.judge(m), "task_success": claims.task_success(m),
            "networks": claims.scalars(m), "stats": st,
            "alpha": claims.ALPHA, "jitter_j_ms_compared": claims.J_MS}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+", help="analysis folders, run folders or their parents")
    ap.add_argument("--out", default=None, help="output folder (default: FIRST_DIR/report)")
    ap.add_argument("--reproduce", default=None,
                    help="reproduce.json of `eisnn reproduce`: adds the claims table, task "
                         "success and the run's record, and writes summary.json")
    args = ap.parse_args(argv)
    started = time.monotonic()
    try:
        folders = find_analysis_dirs(args.dirs)
        studies = [Study(f) for f in folders]
        out = args.out or os.path.join(args.dirs[0], "report")
        os.makedirs(out, exist_ok=True)
        made = make_figures(studies, os.path.join(out, "figures"))
        st = _plain(compute_stats(studies))
        with open(os.path.join(out, "stats.json"), "w") as f:
            json.dump(st, f, indent=1, allow_nan=False)
        extra, summary = "", None
        if args.reproduce:
            summary = reproduce_summary(args.reproduce, studies, st)
            extra = claims.html_section(summary["claims"], summary["task_success"],
                                        summary["reproduce"])
        path = write_html(studies, made, st, out, extra)
        if summary is not None:
            d = summary["reproduce"]["durations_s"]
            d["report"] = time.monotonic() - started
            d["total"] = (d.get("total") or 0) + d["report"]
            with open(os.path.join(out, "summary.json.tmp"), "w") as f:
                json.dump(_plain(summary), f, indent=1, allow_nan=False)
            os.replace(os.path.join(out, "summary.json.tmp"), os.path.join(out, "summary.json"))
    except ReportError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    print(f"report: {len(studies)} run(s), {len(made)} figures, {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
