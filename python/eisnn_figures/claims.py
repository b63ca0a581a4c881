"""The claims table of `eisnn reproduce`: for each claim C1-C6 of Zhu et al.
(2026), Biol. Cybern. 120:2 (SPEC §1), what this run measured, the criterion
and a verdict: holds, does not hold, or not enough data.

Two steps, kept apart so that the verdicts can be tested on made-up numbers:

- measure(studies): per condition, one record of plain numbers per network
  (from analysis.h5 and perturb.h5, docs/analysis.md);
- judge(measurements): the claims, computed from those numbers only.

Every comparison across samples is a two-sample Kolmogorov-Smirnov test
(scipy.stats.ks_2samp, the study's test) at ALPHA, together with the
direction of the means. When the samples are so small that no outcome could
reach ALPHA (for example 2 networks against 2: p >= 1/3), the verdict is
"not enough data" rather than "does not hold".
"""

import math

import numpy as np
from scipy import stats

ALPHA = 0.05
J_MS = 3  # C6: jitter size compared
HOLDS, FAILS, NO_DATA = "holds", "does not hold", "not enough data"


# ---- measurements ----------------------------------------------------------

def _dense(g, n_pre, n_post):
    w = np.zeros((n_pre, n_post))
    w[np.asarray(g["pre"], int), np.asarray(g["post"], int)] = np.asarray(g["w_mV"], float)
    return w


def _alignments(s, net, pref):
    """Per unit, with the given preferred states (pref: [n_units], 1 or 0):
    input alignment = mean input weight from channels biased to the unit's
    state minus from the others; E alignment = mean weight from E units of
    the same preference minus from E units of the opposite (zeros included,
    self pairs left out). NaN where a side is empty."""
    n_e, n = s.n_e, s.n_e + s.n_i
    nw = s.net(net)["network"]
    chan = np.asarray(s.analysis["channels"]["preferred_state"], int)
    w_in = _dense(nw["in"], len(chan), n)
    w_rec = _dense(nw["rec"], n, n)
    inp = np.full(n, np.nan)
    exc = np.full(n, np.nan)
    for u in range(n):
        same, other = chan == pref[u], chan != pref[u]
        if same.any() and other.any():
            inp[u] = w_in[same, u].mean() - w_in[other, u].mean()
        e_same = (pref[:n_e] == pref[u]) & (np.arange(n_e) != u)
        e_other = (pref[:n_e] != pref[u]) & (np.arange(n_e) != u)
        if e_same.any() and e_other.any():
            exc[u] = w_rec[:n_e][e_same, u].mean() - w_rec[:n_e][e_other, u].mean()
    has_input = (np.abs(w_in).sum(axis=0) > 0)
    return inp, exc, has_input


def _network_record(s):
    """Plain numbers of one analysed run (trained network and naive0)."""
    rec = {"run": s.name, "seed": s.analysis["attrs"].get("seed") if s.analysis else None}
    if s.analysis is not None and "trained" in s.networks():
        t = s.net("trained")
        naive = "naive0" if "naive0" in s.networks() else None
        at = t["attrs"]
        for k in ("per_ms_accuracy", "pre_change_accuracy", "end_accuracy", "response_delay_ms",
                  "mse"):
            rec[k] = at.get(k)
        rec["i_ratio"] = t["blocks"]["attrs"]["i_ratio"]
        rec["e_ratio"] = t["blocks"]["attrs"]["e_ratio"]
        rec["neg_ratio"] = t["signs"]["attrs"]["neg_ratio"]
        rec["sign_changed_fraction"] = t["signs"]["attrs"].get("rec_changed_fraction")
        r1, r0 = np.asarray(t["tuning"]["r1_hz"], float), np.asarray(t["tuning"]["r0_hz"], float)
        rec["rate_state1_hz"], rec["rate_state0_hz"] = float(r1.mean()), float(r0.mean())
        rec["state_rate_diff_hz"] = float(r1.mean() - r0.mean())
        rec["fraction_state_modulated"] = float(np.mean(t["tuning"]["significant"]))
        rec["units_abs_rate_change_hz"] = np.abs(r1 - r0).tolist()
        pref = np.where(np.isin(np.asarray(t["tuning"]["group"], int), [0, 2]), 1, 0)
        inp, exc, has_in = _alignments(s, "trained", pref)
        if naive:
            nv = s.net(naive)
            rec["naive_per_ms_accuracy"] = nv["attrs"].get("per_ms_accuracy")
            rec["naive_i_ratio"] = nv["blocks"]["attrs"]["i_ratio"]
            rec["naive_neg_ratio"] = nv["signs"]["attrs"]["neg_ratio"]
            n1 = np.asarray(nv["tuning"]["r1_hz"], float)
            n0 = np.asarray(nv["tuning"]["r0_hz"], float)
            rec["naive_fraction_state_modulated"] = float(np.mean(nv["tuning"]["significant"]))
            rec["naive_units_abs_rate_change_hz"] = np.abs(n1 - n0).tolist()
            # The naive weights seen through the trained network's tuning, so
            # that only the weights differ.
            ninp, nexc, nhas_in = _alignments(s, naive, pref)
            keep = has_in | nhas_in
            rec["units_input_alignment_mV"] = inp[keep].tolist()
            rec["naive_units_input_alignment_mV"] = ninp[keep].tolist()
            rec["units_exc_alignment_mV"] = exc.tolist()
            rec["naive_units_exc_alignment_mV"] = nexc.tolist()
    if s.perturb is not None:
        j = s.perturb["jitter"]
        rec["jitter_j_ms"] = [int(x) for x in np.asarray(j["j_ms"])]
        rec["jitter_delay_random_accuracy"] = np.asarray(
            j["delay_random"]["per_ms_accuracy"], float).mean(axis=1).tolist()
        rec["jitter_delay_constant_accuracy"] = np.asarray(
            j["delay_constant"]["per_ms_accuracy"], float).tolist()
        rec["jitter_input_accuracy"] = np.asarray(
            j["input"]["per_ms_accuracy"], float).mean(axis=1).tolist()
        rec["unperturbed_accuracy"] = s.perturb["baseline"]["attrs"].get("per_ms_accuracy")
    return rec


def measure(studies):
    """{condition: [record per network]} from Study objects (data.py)."""
    out = {}
    for s in studies:
        out.setdefault(s.condition, []).append(_network_record(s))
    return out


# ---- verdicts --------------------------------------------------------------

def _finite(v):
    v = np.asarray([x for x in v if x is not None], float)
    return v[np.isfinite(v)]


def min_ks_p(n, m):
    """The smallest two-sided KS p-value samples of sizes n and m can give."""
    if n < 1 or m < 1:
        return 1.0
    return float(stats.ks_2samp(np.arange(n), np.arange(n, n + m)).pvalue)


def greater(a, b, what_a, what_b, unit=""):
    """Is sample a larger than sample b? KS p < ALPHA and mean(a) > mean(b)."""
    a, b = _finite(a), _finite(b)
    d = {"test": "ks_2samp", "n": [int(len(a)), int(len(b))],
         "mean": [float(a.mean()) if len(a) else None, float(b.mean()) if len(b) else None],
         "sd": [float(a.std(ddof=1)) if len(a) > 1 else None,
                float(b.std(ddof=1)) if len(b) > 1 else None],
         "p_value": None, "statistic": None}
    if min_ks_p(len(a), len(b)) >= ALPHA:
        d["verdict"] = NO_DATA
        d["text"] = (f"{what_a} vs {what_b}: n = {len(a)} vs {len(b)}, too few for "
                     f"KS p < {ALPHA}")
        return d
    r = stats.ks_2samp(a, b)
    d["p_value"], d["statistic"] = float(r.pvalue), float(r.statistic)
    d["verdict"] = HOLDS if r.pvalue < ALPHA and a.mean() > b.mean() else FAILS
    d["text"] = (f"{what_a} {_fmt(a.mean())}{unit} (sd {_fmt(d['sd'][0])}, n {len(a)}) vs "
                 f"{what_b} {_fmt(b.mean())}{unit} (sd {_fmt(d['sd'][1])}, n {len(b)}); "
                 f"KS p = {r.pvalue:.3g}")
    return d


def combine(*verdicts):
    """All parts must hold; one that does not hold decides before missing data."""
    if FAILS in verdicts:
        return FAILS
    if NO_DATA in verdicts:
        return NO_DATA
    return HOLDS


def _fmt(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.3g}"


def _pool(records, key):
    return [x for r in records for x in (r.get(key) or []) if x is not None]


def _col(records, key):
    return [r.get(key) for r in records if r.get(key) is not None]


def _claim(cid, text, measured, criterion, parts):
    return {"id": cid, "claim": text, "measured": measured, "criterion": criterion,
            "parts": parts, "verdict": combine(*[p["verdict"] for p in parts])}


def _no_networks(cid, text, criterion, conditions):
    return {"id": cid, "claim": text, "measured": "no analysed networks of condition "
            + " and ".join(conditions), "criterion": criterion, "parts": [], "verdict": NO_DATA}


def _jitter_at(r, key, j):
    js = r.get("jitter_j_ms") or []
    return r[key][js.index(j)] if j in js and r.get(key) else None


def judge(m):
    """The claims C1-C6 from measure()'s numbers (or made-up ones of the same shape)."""
    main, onehot, nodale = m.get("main", []), m.get("one-hot", []), m.get("no-dale", [])
    claims = []

    text = "Trained networks change their firing rates depending on the input state."
    crit = (f"per-unit |r1 - r0| (no-change trials) of trained main networks larger than of "
            f"the same networks before training (naive0), pooled over networks: KS p < {ALPHA}")
    if not main:
        claims.append(_no_networks("C1", text, crit, ["main"]))
    else:
        p = greater(_pool(main, "units_abs_rate_change_hz"),
                    _pool(main, "naive_units_abs_rate_change_hz"), "trained", "naive", " Hz")
        fr = _finite(_col(main, "fraction_state_modulated"))
        frn = _finite(_col(main, "naive_fraction_state_modulated"))
        meas = (f"mean |r1 - r0| per unit: {p['text']}; units significantly state-modulated "
                f"(Mann-Whitney, Bonferroni): trained {_fmt(fr.mean() if len(fr) else None)}, "
                f"naive {_fmt(frn.mean() if len(frn) else None)}")
        claims.append(_claim("C1", text, meas, crit, [p]))

    text = "Input and recurrent E and I connectivity change in step with that modulation."
    crit = ("with the trained network's tuning, per unit: input alignment (mean weight from "
            "channels biased to the unit's preferred state minus from the others) and E "
            "alignment (mean weight from same- minus opposite-preferring E units) both larger "
            f"after training than before (naive0), pooled over main networks: KS p < {ALPHA} "
            "each; the I part is C3")
    if not main:
        claims.append(_no_networks("C2", text, crit, ["main"]))
    else:
        pi = greater(_pool(main, "units_input_alignment_mV"),
                     _pool(main, "naive_units_input_alignment_mV"), "trained", "naive", " mV")
        pe = greater(_pool(main, "units_exc_alignment_mV"),
                     _pool(main, "naive_units_exc_alignment_mV"), "trained", "naive", " mV")
        meas = f"input alignment: {pi['text']}; E alignment: {pe['text']}"
        claims.append(_claim("C2", text, meas, crit, [pi, pe]))

    def push_pull(records):
        p = greater(_col(records, "i_ratio"), _col(records, "naive_i_ratio"),
                    "I ratio trained", "naive0")
        tr = _finite(_col(records, "i_ratio"))
        if p["verdict"] == HOLDS and not tr.mean() > 1:
            p["verdict"] = FAILS
            p["text"] += "; trained mean not above 1"
        return p

    text = ("Push-pull inhibition: I units strengthen their connections onto units of the "
            "other preference more than onto units of their own.")
    crit = (f"I ratio (cross- / within-tuned I block means) of trained main networks above "
            f"1 and above naive0, KS across networks p < {ALPHA}")
    if not main:
        claims.append(_no_networks("C3", text, crit, ["main"]))
    else:
        p = push_pull(main)
        claims.append(_claim("C3", text, p["text"], crit, [p]))

    text = ("With a one-hot output, firing rates in the two states become equal, yet the "
            "push-pull motif still emerges.")
    crit = ("|mean rate in state 1 - in state 0| of trained one-hot networks smaller than of "
            f"main networks (KS p < {ALPHA}), and the C3 criterion for one-hot networks")
    if not onehot or not main:
        claims.append(_no_networks("C4", text, crit, ["one-hot", "main"]))
    else:
        pr = greater(np.abs(_finite(_col(main, "state_rate_diff_hz"))),
                     np.abs(_finite(_col(onehot, "state_rate_diff_hz"))),
                     "|rate difference| main", "one-hot", " Hz")
        pp = push_pull(onehot)
        meas = f"{pr['text']}; one-hot {pp['text']}"
        claims.append(_claim("C4", text, meas, crit, [pr, pp]))

    text = "Without Dale's principle the motif does not emerge and task performance is worse."
    crit = ("no-Dale networks: ratio of negative cross- to same-tuned synapse means (the I "
            f"ratio's counterpart) NOT above naive0 by KS p < {ALPHA} (with enough networks "
            "that it could be), and held-out per-ms accuracy below main's, KS p < "
            f"{ALPHA}")
    if not nodale or not main:
        claims.append(_no_networks("C5", text, crit, ["no-dale", "main"]))
    else:
        motif = greater(_col(nodale, "neg_ratio"), _col(nodale, "naive_neg_ratio"),
                        "negative-synapse ratio trained", "naive0")
        absent = dict(motif)
        if motif["verdict"] != NO_DATA:
            # The motif emerging is what this part must not see.
            absent["verdict"] = FAILS if motif["verdict"] == HOLDS else HOLDS
        acc = greater(_col(main, "per_ms_accuracy"), _col(nodale, "per_ms_accuracy"),
                      "accuracy main", "no-Dale")
        chg = _finite(_col(nodale, "sign_changed_fraction"))
        meas = (f"{motif['text']}; {acc['text']}; fraction of recurrent synapses that changed "
                f"sign {_fmt(chg.mean() if len(chg) else None)}")
        claims.append(_claim("C5", text, meas, crit, [absent, acc]))

    text = "Jittering spike times by a few milliseconds significantly impairs task performance."
    crit = (f"main networks at J = {J_MS} ms: per-ms accuracy with recurrent spikes delayed "
            f"at random by [0, {2 * J_MS}] ms (mean over repeats) below that with a constant "
            f"{J_MS} ms delay, KS across networks p < {ALPHA}")
    if not main:
        claims.append(_no_networks("C6", text, crit, ["main"]))
    else:
        const = [_jitter_at(r, "jitter_delay_constant_accuracy", J_MS) for r in main]
        rand = [_jitter_at(r, "jitter_delay_random_accuracy", J_MS) for r in main]
        inp = _finite([_jitter_at(r, "jitter_input_accuracy", J_MS) for r in main])
        base = _finite(_col(main, "unperturbed_accuracy"))
        p = greater(const, rand, "constant delay", "random delay")
        meas = (f"accuracy: {p['text']}; input jitter +-{J_MS} ms "
                f"{_fmt(inp.mean() if len(inp) else None)}, unperturbed "
                f"{_fmt(base.mean() if len(base) else None)}")
        claims.append(_claim("C6", text, meas, crit, [p]))
    return claims


def task_success(m):
    """Per condition: held-out scores of the trained networks (and naive0)."""
    out = {}
    for cond, recs in sorted(m.items()):
        row = {"n_networks": len(recs)}
        for k in ("per_ms_accuracy", "pre_change_accuracy", "end_accuracy", "response_delay_ms",
                  "naive_per_ms_accuracy", "rate_state1_hz", "rate_state0_hz", "i_ratio"):
            v = _finite(_col(recs, k))
            row[k] = {"mean": float(v.mean()) if len(v) else None,
                      "sd": float(v.std(ddof=1)) if len(v) > 1 else None,
                      "min": float(v.min()) if len(v) else None,
                      "max": float(v.max()) if len(v) else None}
        out[cond] = row
    return out


def scalars(m):
    """measure()'s records without the per-unit lists, for summary.json."""
    return {c: [{k: v for k, v in r.items() if "units_" not in k} for r in recs]
            for c, recs in m.items()}


# ---- report section --------------------------------------------------------

VERDICT_COLORS = {HOLDS: "#d8f0d8", FAILS: "#f6d6d6", NO_DATA: "#eeeeee"}


def html_section(claims, success, info):
    """HTML of the claims table, task success and the run's record."""
    import html

    e = html.escape
    parts = []
    if info.get("quick"):
        s = info.get("settings", {})
        parts.append(
            "<p style='background:#fff3c4;padding:.6em;border:1px solid #d9b300'>"
            f"<b>QUICK RUN.</b> {len(info.get('seeds', []))} seed(s) per condition, "
            f"{s.get('n_trials')} trials, {s.get('n_updates_per_network')} updates per network: "
            "far less than the study (at least 5 seeds, 600 trials, 10,000 updates). The "
            "verdicts below describe this run only; they do not test the study's claims.</p>")
    parts.append("<h2>Claims</h2><p>Verdicts come from the measured numbers only "
                 f"(two-sample Kolmogorov-Smirnov tests at {ALPHA}; 'not enough data' when the "
                 "samples are too small for any result to reach it).</p>")
    parts.append("<table><tr><th>claim</th><th>measured</th><th>criterion</th>"
                 "<th>verdict</th></tr>")
    for c in claims:
        parts.append(f"<tr><td><b>{e(c['id'])}</b> {e(c['claim'])}</td><td>{e(c['measured'])}"
                     f"</td><td>{e(c['criterion'])}</td><td style='background:"
                     f"{VERDICT_COLORS[c['verdict']]}'><b>{e(c['verdict'])}</b></td></tr>")
    parts.append("</table>")

    parts.append("<h2>Task success</h2><p>Held-out trials; mean (s.d.) over networks.</p>"
                 "<table><tr><th>condition</th><th>networks</th><th>per-ms accuracy</th>"
                 "<th>naive0</th><th>500 ms before change</th><th>last 500 ms</th>"
                 "<th>response delay (ms)</th></tr>")

    def ms(d):
        return "–" if d["mean"] is None else (
            f"{d['mean']:.3f}" + ("" if d["sd"] is None else f" ({d['sd']:.3f})"))

    for cond, r in success.items():
        parts.append(f"<tr><td>{e(cond)}</td><td>{r['n_networks']}</td>"
                     f"<td>{ms(r['per_ms_accuracy'])}</td><td>{ms(r['naive_per_ms_accuracy'])}"
                     f"</td><td>{ms(r['pre_change_accuracy'])}</td><td>{ms(r['end_accuracy'])}"
                     f"</td><td>{ms(r['response_delay_ms'])}</td></tr>")
    parts.append("</table>")
    # Said plainly, since every claim is about networks that learned the task.
    unlearned = [c for c, r in success.items()
                 if r["per_ms_accuracy"]["mean"] is not None
                 and r["naive_per_ms_accuracy"]["mean"] is not None
                 and r["per_ms_accuracy"]["mean"] <= r["naive_per_ms_accuracy"]["mean"] + 0.01]
    if unlearned:
        parts.append("<p><b>Not learned:</b> trained networks of " + e(", ".join(unlearned))
                     + " score no better than before training (per-ms accuracy within 0.01 of "
                       "naive0).</p>")

    m = info.get("machine", {})
    d = info.get("durations_s", {})
    parts.append("<h2>This run</h2><table>")
    rows = [("mode", info.get("mode")), ("command", info.get("command")),
            ("version", f"{info.get('version')} ({info.get('git_commit')})"),
            ("machine", f"{m.get('host')}, {m.get('os')} {m.get('arch')}, {m.get('cores')} "
                        f"cores ({m.get('threads_used')} used)"),
            ("seeds", ", ".join(str(s) for s in info.get("seeds", []))),
            ("conditions", ", ".join(info.get("conditions", []))),
            ("settings", ", ".join(f"{k} = {v}" for k, v in info.get("settings", {}).items())),
            ("started", info.get("started")),
            ("durations (s)", ", ".join(f"{k} {_fmt(v)}" for k, v in d.items()))]
    for k, v in rows:
        parts.append(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>")
    parts.append("</table><h3>Networks</h3><table><tr><th>network</th><th>training</th>"
                 "<th>updates</th><th>train (s)</th><th>analysis (s)</th><th>perturb (s)</th>"
                 "<th>accuracy</th></tr>")
    for n in info.get("networks", []):
        parts.append(f"<tr><td>{e(n['name'])}</td><td>{e(n['training'])}</td>"
                     f"<td>{n['start_update']} → {n['n_updates']}</td><td>{_fmt(n['train_s'])}"
                     f"</td><td>{_fmt(n['analysis_s'])}</td><td>{_fmt(n['perturb_s'])}</td>"
                     f"<td>{_fmt(n['per_ms_accuracy'])}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)
