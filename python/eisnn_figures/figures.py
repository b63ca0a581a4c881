"""Figures of the dissection of trained E/I spiking networks (Zhu et al. 2026,
Biol. Cybern. 120:2; SPEC §5). Each function draws one figure from Study
objects (data.py) and returns it; report.py saves them as PNG and SVG."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from data import GROUPS  # noqa: E402

E_COLOR, I_COLOR = "#1f77b4", "#d62728"
STATE_COLORS = {1: "#ff7f0e", 0: "#7f7f7f"}


def _unavailable(ax, what):
    ax.text(0.5, 0.5, f"{what}\nnot available", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def training_curves(s):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    m = s.analysis.get("metrics") if s.analysis else None
    if not m or "updates" not in m:
        for ax in axes:
            _unavailable(ax, "metrics.h5 of the run")
        return fig
    u, h = m["updates"], m.get("heldout", {})
    ax = axes[0]
    ax.plot(u["update"], u["loss_task"], lw=0.8, label="task (MSE)")
    ax.plot(u["update"], u["loss_rate"], lw=0.8, label="rate")
    ax.plot(u["update"], u["loss_total"], lw=0.8, label="total")
    ax.set_xlabel("update")
    ax.set_ylabel("loss (a.u.)")
    ax.set_yscale("log")
    ax.legend(frameon=False)
    ax = axes[1]
    if "per_ms_accuracy" in h:
        ax.plot(h["epoch"], h["per_ms_accuracy"], label="per ms")
        ax.plot(h["epoch"], h["end_accuracy"], label="last 500 ms")
        ax.plot(h["epoch"], h["pre_change_accuracy"], label="500 ms before change")
        ax.legend(frameon=False)
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out accuracy (fraction)")
    ax.set_ylim(0, 1.02)
    ax = axes[2]
    if "rate_e_hz" in h:
        ax.plot(h["epoch"], h["rate_e_hz"], color=E_COLOR, label="E")
        ax.plot(h["epoch"], h["rate_i_hz"], color=I_COLOR, label="I")
        ax.legend(frameon=False)
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out mean rate (Hz)")
    fig.suptitle(f"{s.name}: training")
    fig.tight_layout()
    return fig


def _shade_states(ax, labels):
    labels = np.asarray(labels)
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(labels)]])
    for a, b in zip(starts, ends):
        if labels[a] == 1:
            ax.axvspan(a, b, color=STATE_COLORS[1], alpha=0.15, lw=0)


def raster(s):
    fig, (ax, ay) = plt.subplots(2, 1, figsize=(11, 6), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1]})
    r = s.analysis.get("raster")
    if not r:
        _unavailable(ax, "a held-out change trial")
        return fig
    t, unit = r["time_ms"], r["unit"]
    e = unit < s.n_e
    ax.scatter(t[e], unit[e], s=0.6, color=E_COLOR, marker="|", label="E", rasterized=True)
    ax.scatter(t[~e], unit[~e], s=0.6, color=I_COLOR, marker="|", label="I", rasterized=True)
    _shade_states(ax, r["labels"])
    ax.set_ylabel("unit (E below, I above)")
    ax.set_ylim(-1, s.n_e + s.n_i)
    at = r["attrs"]
    ax.set_title(f"{s.name}: held-out trial {at['trial']}, change at {at['change_ms']} ms "
                 "(shaded: state 1, 100 % coherence)")
    y = np.asarray(r["y"])
    n_steps = y.shape[0]
    _shade_states(ay, r["labels"])
    for o in range(y.shape[1]):
        ay.plot(np.arange(n_steps), y[:, o], lw=0.8, label=f"readout {o}")
    ay.plot(np.arange(n_steps), r["labels"], color="k", lw=0.8, ls="--", label="state")
    ay.set_xlabel("time in trial (ms)")
    ay.set_ylabel("readout y\n(target units)")
    ay.legend(frameon=False, loc="upper left", fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def _violin_panel(ax, net, title):
    tun = net["tuning"]
    group = np.asarray(tun["group"])
    data, pos, colors = [], [], []
    for g in range(4):
        for k, (key, state) in enumerate((("r1_hz", 1), ("r0_hz", 0))):
            vals = np.asarray(tun[key])[group == g]
            data.append(vals if len(vals) else np.array([np.nan]))
            pos.append(3 * g + k)
            colors.append(STATE_COLORS[state])
    ok = [i for i, d in enumerate(data) if np.isfinite(d).any() and np.ptp(d[np.isfinite(d)]) > 0]
    if ok:
        parts = ax.violinplot([data[i] for i in ok], positions=[pos[i] for i in ok],
                              showmedians=True, widths=0.9)
        for body, i in zip(parts["bodies"], ok):
            body.set_facecolor(colors[i])
            body.set_alpha(0.6)
    for i, d in enumerate(data):  # points for small groups and constant ones
        d = d[np.isfinite(d)]
        ax.scatter(np.full(len(d), pos[i]), d, s=3, color=colors[i], alpha=0.5)
    sizes = [int((group == g).sum()) for g in range(4)]
    ax.set_xticks([3 * g + 0.5 for g in range(4)])
    ax.set_xticklabels([f"{GROUPS[g]}\n(n={sizes[g]})" for g in range(4)])
    ax.set_ylabel("rate on no-change trials (Hz)")
    ax.set_title(title)


def rate_violins(s):
    names = [n for n in s.networks() if n in ("naive0", "trained")]
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4), sharey=True, squeeze=False)
    for ax, n in zip(axes[0], names):
        _violin_panel(ax, s.net(n), f"{n} (epoch {s.net(n)['attrs']['epoch']})")
    axes[0][0].scatter([], [], color=STATE_COLORS[1], label="state 1 (r1)")
    axes[0][0].scatter([], [], color=STATE_COLORS[0], label="state 0 (r0)")
    axes[0][0].legend(frameon=False)
    fig.suptitle(f"{s.name}: rates per tuning group and state")
    fig.tight_layout()
    return fig


def block_matrices(s):
    names = s.networks()
    mats = [np.asarray(s.net(n)["blocks"]["mean_mV"]) for n in names]
    lim = max(np.nanmax(np.abs(m)) for m in mats)
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names) + 1, 4), squeeze=False,
                             layout="constrained")
    for ax, n, m in zip(axes[0], names, mats):
        im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for i in range(4):
            for j in range(4):
                ax.text(j, i, f"{m[i, j]:.3f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(4))
        ax.set_xticklabels(GROUPS)
        ax.set_yticks(range(4))
        ax.set_yticklabels(GROUPS)
        ax.set_xlabel("postsynaptic group")
        ax.set_ylabel("presynaptic group")
        b = s.net(n)["blocks"]["attrs"]
        ax.set_title(f"{n}: I ratio {b['i_ratio']:.2f}, E ratio {b['e_ratio']:.2f}", fontsize=10)
    fig.colorbar(im, ax=list(axes[0]), label="mean recurrent weight, zeros included (mV)")
    return fig


def ratios_training(s):
    t = s.analysis["training"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(t["epoch"], t["i_ratio"], "o-", color=I_COLOR, ms=3, label="I ratio (own tuning)")
    ax.plot(t["epoch"], t["e_ratio"], "o-", color=E_COLOR, ms=3, label="E ratio (own tuning)")
    ax.plot(t["epoch"], t["i_ratio_final_tuning"], "--", color=I_COLOR,
            label="I ratio (trained network's tuning)")
    ax.plot(t["epoch"], t["e_ratio_final_tuning"], "--", color=E_COLOR,
            label="E ratio (trained network's tuning)")
    ax.axhline(1, color="k", lw=0.6)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-tuned / within-tuned\nmean weight (ratio)")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"{s.name}: push-pull ratios over training")
    fig.tight_layout()
    return fig


def ratios_conditions(studies):
    with_a = [s for s in studies if s.analysis is not None]
    conds = sorted({s.condition for s in with_a})
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, key, label in ((axes[0], "i_ratio", "I ratio"), (axes[1], "e_ratio", "E ratio")):
        for k, cond in enumerate(conds):
            for j, (net, color) in enumerate((("naive0", "#aaaaaa"), ("trained", "k"))):
                vals = [s.net(net)["blocks"]["attrs"][key] for s in with_a
                        if s.condition == cond and net in s.networks()]
                x = 2.5 * k + j
                ax.scatter(np.full(len(vals), x), vals, color=color, s=14,
                           label=net if k == 0 else None)
                if vals:
                    ax.errorbar(x + 0.25, np.mean(vals), yerr=np.std(vals), fmt="_", color=color)
        ax.axhline(1, color="k", lw=0.6)
        ax.set_xticks([2.5 * k + 0.5 for k in range(len(conds))])
        ax.set_xticklabels(conds)
        ax.set_xlabel("condition")
        ax.set_ylabel(f"{label} (cross / within)")
        ax.legend(frameon=False)
    fig.suptitle("ratios per condition (points: networks; bars: mean ± s.d.)")
    fig.tight_layout()
    return fig


def input_weights(s):
    names = s.networks()
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = ["1-biased → E", "0-biased → E", "1-biased → I", "0-biased → I"]
    width = 0.8 / len(names)
    for k, n in enumerate(names):
        m = np.asarray(s.net(n)["input"]["mean_mV"])  # [bias 1, 0][E, I]
        vals = [m[0, 0], m[1, 0], m[0, 1], m[1, 1]]
        ax.bar(np.arange(4) + k * width, vals, width, label=n)
    ax.set_xticks(np.arange(4) + 0.4 - width / 2)
    ax.set_xticklabels(labels)
    ax.set_ylabel("mean input weight, zeros included (mV)")
    ax.legend(frameon=False)
    ax.set_title(f"{s.name}: input weights by channel bias")
    fig.tight_layout()
    return fig


def jitter(s):
    p = s.perturb["jitter"]
    j = np.asarray(p["j_ms"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric, label in ((axes[0], "per_ms_accuracy", "per-ms accuracy (fraction)"),
                              (axes[1], "mse", "MSE")):
        for key, name, color in (("input", "input spikes, shift in [-J, J]", "#2ca02c"),
                                 ("delay_random", "recurrent delay, random in [0, 2J]", I_COLOR)):
            v = np.asarray(p[key][metric])
            ax.errorbar(j, v.mean(axis=1), yerr=v.std(axis=1), marker="o", capsize=3,
                        color=color, label=name)
        ax.plot(j, p["delay_constant"][metric], "s--", color=E_COLOR,
                label="recurrent delay, constant J")
        ax.set_xlabel("jitter J (ms)")
        ax.set_ylabel(label)
    axes[0].axhline(s.perturb["baseline"]["attrs"]["per_ms_accuracy"], color="k", lw=0.6)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"{s.name}: spike-time jitter (mean ± s.d. over repeats)")
    fig.tight_layout()
    return fig


def silencing(s):
    g = s.perturb["silencing"]
    names = [n for n in g["attrs"]["names"].split(",") if n]
    acc = [np.mean(g[n]["per_ms_accuracy"]) for n in names]
    sd = [np.std(g[n]["per_ms_accuracy"]) for n in names]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.5))
    y = np.arange(len(names))
    ax.barh(y, acc, xerr=sd, color="#8c564b", alpha=0.8)
    ax.axvline(s.perturb["baseline"]["attrs"]["per_ms_accuracy"], color="k", lw=1,
               label="unperturbed")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{n} (n={g[n]['attrs']['n_silenced']})" for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("per-ms accuracy (fraction)")
    ax.set_xlim(0, 1)
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(f"{s.name}: silencing")
    fig.tight_layout()
    return fig
