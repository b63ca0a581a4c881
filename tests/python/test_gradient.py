#!/usr/bin/python3
"""Check the gradients written by `eisnn grad` against an independent reference.

    /usr/bin/python3 tests/python/test_gradient.py GRADFILE
    /usr/bin/python3 tests/python/test_gradient.py --selftest

GRADFILE follows docs/gradient-file.md. The reference (python/reference/
alif_torch.py, PyTorch autograd in float64) recomputes forward pass, loss and
gradients from the file's network and inputs, then checks
  (a) spike trains identical (else the first mismatch: trial, step, unit and
      the reference's voltage margin v - A),
  (b) each loss term: relative error <= 1e-5,
  (c) each gradient, at existing synapses: ||g_cpp - g_ref|| / ||g_ref|| <= 1e-4,
      and exactly 0 at absent synapses,
  (d) the readout y: ||y_cpp - y_ref|| / ||y_ref|| <= 1e-5,
and reports what the case exercises (spikes, refractory-blocked threshold
crossings, threshold rise from adaptation): a warning when a path is barely
exercised, a failure with --require-activity.
Exit status 0 when all pass, 1 when a check fails, 2 on an unreadable file.

--selftest checks the reference itself, without any file: on a small random
case (n_in 4, 16 E + 4 I, 2 outputs, 3 trials x 150 steps) it compares the
autograd gradients with a hand-written reverse-mode BPTT in numpy over the same
equations (finite differences cannot see through the Heaviside step), asserts
that spikes, adaptation and refractory blocking occurred, and asserts that
dropping any one gradient path from the numpy BPTT (adaptation, delayed reset,
refractory gating, recurrence, readout filter) would be detected.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python", "reference"))
sys.path.insert(0, HERE)

import alif_torch as ref  # noqa: E402

TOL_LOSS = 1e-5
TOL_GRAD = 1e-4
TOL_Y = 1e-5
GRADS = (("w_in", "mask_in"), ("w_rec", "mask_rec"), ("w_out", "mask_out"))


def rel_err(a, b):
    """||a - b|| / ||b||, or ||a|| when b is exactly zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(b)
    num = np.linalg.norm(a - b)
    return num / den if den > 0 else np.linalg.norm(a)


# ---------------------------------------------------------------------------
# Hand-written BPTT in numpy (the independent check of the reference)

def numpy_forward(net, inputs, p):
    """Forward pass in float64 numpy; same equations as SPEC §2."""
    w_in, w_rec, w_out = (np.asarray(net[k], np.float64) for k in ("w_in", "w_rec", "w_out"))
    x = np.asarray(inputs["spikes"], np.float64)              # [B, T, n_in]
    n_b, n_t, _ = x.shape
    n = w_rec.shape[0]
    E_L, v_th = p.E_L_mV, p.v_th_mV
    reset = v_th - E_L

    v = np.asarray(inputs["v0"], np.float64).copy()
    b = np.zeros((n_b, n))
    r = np.zeros((n_b, n))
    z = np.zeros((n_b, n))
    keep = {k: np.zeros((n_b, n_t, n)) for k in ("v", "A", "s", "z", "b_prev", "refr")}
    for t in range(n_t):
        v = E_L + p.alpha * (v - E_L) + x[:, t] @ w_in + z @ w_rec - reset * z
        A = v_th + p.beta_mV * b
        s = (v - A) / (A - E_L)
        refr = r > 0
        z_new = ((s > 0) & ~refr).astype(np.float64)
        keep["b_prev"][:, t] = b
        b = p.rho * b + z
        r = np.clip(r - 1 + p.n_ref * z_new, 0, p.n_ref)
        z = z_new
        keep["v"][:, t], keep["A"][:, t], keep["s"][:, t] = v, A, s
        keep["z"][:, t], keep["refr"][:, t] = z, refr

    y = np.zeros((n_b, n_t, w_out.shape[1]))
    y_prev = np.zeros((n_b, w_out.shape[1]))
    for t in range(n_t):
        y_prev = p.readout_decay * y_prev + keep["z"][:, t] @ w_out
        y[:, t] = y_prev
    keep["y"] = y
    return keep


def numpy_loss_adjoints(fw, target, p):
    """Loss terms and their direct derivatives dL/dy [B,T,n_out], dL/dz [B,T,n]."""
    y, z = fw["y"], fw["z"]
    n_b, n_t, n = z.shape
    target = np.asarray(target, np.float64)
    w_task = 1.0 if p.loss_kind in ("task+rate", "task") else 0.0
    w_rate = 1.0 if p.loss_kind in ("task+rate", "rate") else 0.0

    l_task = np.mean((y - target) ** 2)
    gy = w_task * 2.0 * (y - target) / y.size

    if p.rate_loss_kind == "plain":
        rates = z.mean(axis=(0, 1))
        l_rate = p.rate_cost * np.sum((rates - p.rate_target) ** 2)
        gz = np.broadcast_to(2.0 * p.rate_cost * (rates - p.rate_target) / (n_b * n_t),
                             z.shape).copy()
    else:
        # L = c/T sum_s sum_j (C_s/s - target)^2 with C_s = cumulative spike count.
        flat = z.reshape(n_b * n_t, n)
        s_idx = np.arange(1, n_b * n_t + 1)[:, None]
        running = np.cumsum(flat, axis=0) / s_idx
        l_rate = p.rate_cost / n_t * np.sum((running - p.rate_target) ** 2)
        g_count = p.rate_cost / n_t * 2.0 * (running - p.rate_target) / s_idx
        gz = np.cumsum(g_count[::-1], axis=0)[::-1].reshape(n_b, n_t, n)
    gz = w_rate * gz

    total = w_task * l_task + w_rate * l_rate
    return l_task, l_rate, total, gy, gz


def numpy_bptt(net, inputs, p, drop=()):
    """Reverse-mode BPTT written out by hand. Returns (fw, losses, grads).

    drop: names of gradient paths to leave out, to show the comparison would
    notice: 'adaptation', 'reset', 'refractory', 'recurrence', 'readout_filter'.
    """
    fw = numpy_forward(net, inputs, p)
    l_task, l_rate, total, gy, gz = numpy_loss_adjoints(fw, inputs["target"], p)
    w_rec = np.asarray(net["w_rec"], np.float64)
    w_out = np.asarray(net["w_out"], np.float64)
    x = np.asarray(inputs["spikes"], np.float64)
    n_b, n_t, n = fw["z"].shape
    E_L = p.E_L_mV
    reset = p.v_th_mV - p.E_L_mV

    # Readout filter: ybar_t = dL/dy_t + kappa ybar_{t+1}.
    kappa = 0.0 if "readout_filter" in drop else p.readout_decay
    ybar = np.zeros_like(gy)
    acc = np.zeros((n_b, gy.shape[2]))
    for t in reversed(range(n_t)):
        acc = gy[:, t] + kappa * acc
        ybar[:, t] = acc
    g_out = np.einsum("btn,bto->no", fw["z"], ybar)

    g_in = np.zeros(net["w_in"].shape)
    g_rec = np.zeros((n, n))
    vbar_next = np.zeros((n_b, n))      # dL/dv_{t+1}
    bbar_next = np.zeros((n_b, n))      # dL/db_{t+1}
    Abar_next = np.zeros((n_b, n))      # dL/dA_{t+1}
    for t in reversed(range(n_t)):
        v, A, s = fw["v"][:, t], fw["A"][:, t], fw["s"][:, t]

        # b_t feeds A_{t+1} (beta) and b_{t+1} (rho).
        bbar = p.beta_mV * Abar_next + p.rho * bbar_next
        if "adaptation" in drop:
            bbar = np.zeros_like(bbar)

        # z_t feeds y_t, the rate loss, v_{t+1} (recurrence, reset) and b_{t+1}.
        zbar = gz[:, t] + ybar[:, t] @ w_out.T + bbar_next
        if "recurrence" not in drop:
            zbar = zbar + vbar_next @ w_rec.T
        if "reset" not in drop:
            zbar = zbar - reset * vbar_next

        psi = p.gamma_pd * np.maximum(0.0, 1.0 - np.abs(s))
        if "refractory" not in drop:
            psi = psi * (~fw["refr"][:, t].astype(bool))
        sbar = zbar * psi

        # s_t = (v_t - A_t) / (A_t - E_L).
        vbar = sbar / (A - E_L) + p.alpha * vbar_next
        Abar = -sbar * (v - E_L) / (A - E_L) ** 2

        g_in += x[:, t].T @ vbar
        if t > 0:
            g_rec += fw["z"][:, t - 1].T @ vbar

        vbar_next, bbar_next, Abar_next = vbar, bbar, Abar

    grads = {"w_in": g_in, "w_rec": g_rec, "w_out": g_out}
    return fw, (l_task, l_rate, total), grads


def selftest():
    """Autograd reference versus hand-written BPTT on small random cases."""
    from make_grad_case import make_case

    failures = []
    cases = [
        ("task+rate", "rolling", 2, 1),
        ("task+rate", "plain", 2, 2),
        ("task", "rolling", 1, 3),
        ("rate", "rolling", 2, 4),
    ]
    for loss_kind, rate_kind, n_out, seed in cases:
        p = ref.Params(loss_kind=loss_kind, rate_loss_kind=rate_kind)
        p, net, inputs = make_case(seed=seed, n_out=n_out, params=p)
        res = ref.loss_and_grads(net, inputs, p)
        fw, (l_task, l_rate, total), grads = numpy_bptt(net, inputs, p)
        label = f"[{loss_kind}, {rate_kind}, n_out {n_out}, seed {seed}]"

        # The case must exercise what it claims to check.
        z, s, refr = res["z"], res["s"], res["refractory"]
        n_spikes = int(z.sum())
        n_blocked = int(((s > 0) & refr).sum())
        thr_rise = float((res["A"] - p.v_th_mV).max())
        n_active_pd = int(((np.abs(s) < 1) & ~refr).sum())
        print(f"{label} spikes {n_spikes} (rate {z.mean():.3f}/step), "
              f"refractory-blocked crossings {n_blocked}, max threshold rise "
              f"{thr_rise:.2f} mV, steps with nonzero pseudo-derivative {n_active_pd}")
        if n_spikes < 100 or n_blocked < 1 or thr_rise < 0.5 or n_active_pd < 1000:
            failures.append(f"{label}: the case does not exercise spikes, refractoriness "
                            f"and adaptation enough")

        if not np.array_equal(fw["z"].astype(np.uint8), z):
            failures.append(f"{label}: numpy and torch forward passes spike differently")

        for name, a, b in (("task", res["loss_task"], l_task),
                           ("rate", res["loss_rate"], l_rate),
                           ("total", res["loss_total"], total)):
            e = abs(a - b) / max(abs(b), 1e-300)
            if e > 1e-12:
                failures.append(f"{label}: loss {name} torch {a!r} numpy {b!r} rel err {e:.2e}")

        for name in ("w_in", "w_rec", "w_out"):
            g_t, g_n = res["grad_" + name], grads[name]
            e = rel_err(g_t, g_n)
            print(f"{label}   d/d{name}: |g| {np.linalg.norm(g_n):.4e}, "
                  f"autograd vs hand BPTT rel err {e:.2e}")
            if e > 1e-10:
                failures.append(f"{label}: d/d{name} autograd vs BPTT rel err {e:.2e}")

        # Leaving out any gradient path must show up far above the test tolerance.
        if loss_kind == "task+rate" and rate_kind == "rolling":
            for path in ("adaptation", "reset", "refractory", "recurrence", "readout_filter"):
                _, _, g_drop = numpy_bptt(net, inputs, p, drop=(path,))
                e = max(rel_err(g_drop[k], grads[k]) for k in grads)
                print(f"{label}   without the {path} path: largest rel change {e:.2e}")
                if e < 10 * TOL_GRAD:
                    failures.append(f"{label}: dropping the {path} path changes the "
                                    f"gradient by only {e:.2e}")

    # The file round trip: input part written, outputs filled by the reference
    # in float32 (like the C++ side), then checked in float64.
    import tempfile
    from make_grad_case import write_case

    with tempfile.TemporaryDirectory() as tmp:
        p, net, inputs = make_case(seed=1)
        write_case(os.path.join(tmp, "case.h5"), p, net, inputs)
        ref.fill(os.path.join(tmp, "case.h5"), os.path.join(tmp, "filled.h5"),
                 dtype=ref.torch.float32)
        print("[round trip] case written, outputs filled in float32, checked in float64:")
        if check_file(os.path.join(tmp, "filled.h5"), require_activity=True) != 0:
            failures.append("round trip through the gradient file failed")

    if failures:
        print("SELFTEST FAILED:")
        for msg in failures:
            print("  " + msg)
        return 1
    print("SELFTEST PASSED")
    return 0


# ---------------------------------------------------------------------------
# Checking a file written by `eisnn grad`

def describe_spike_mismatch(z_file, res, p):
    """Text about the first differing spike, in (trial, step, unit) order."""
    diff = np.argwhere(z_file != res["z"])
    i_b, i_t, i_n = diff[0]
    s = res["s"][i_b, i_t, i_n]
    v = res["v"][i_b, i_t, i_n]
    A = res["A"][i_b, i_t, i_n]
    refr = bool(res["refractory"][i_b, i_t, i_n])
    return (f"{len(diff)} of {z_file.size} spike entries differ; first at trial {i_b}, "
            f"step {i_t}, unit {i_n}: file z={z_file[i_b, i_t, i_n]}, reference "
            f"z={res['z'][i_b, i_t, i_n]} (reference v - A = {v - A:+.6g} mV, "
            f"s = {s:+.3g}, refractory {refr})")


def activity(res, p):
    """What the case exercises: spikes, refractory blocking, adaptation."""
    s, refr = res["s"], res["refractory"]
    return {
        "spikes": int(res["z"].sum()),
        "blocked": int(((s > 0) & refr).sum()),      # crossings suppressed by r > 0
        "thr_rise_mV": float((res["A"] - p.v_th_mV).max()),
        "active_pd": int(((np.abs(s) < 1) & ~refr).sum()),
        "gated_pd": int(((np.abs(s) < 1) & refr).sum()),   # zeroed by refractoriness
    }


def check_file(path, marginal_s=0.0, require_activity=False):
    """Returns 0 when every check passes, 1 otherwise."""
    p, net, inputs, out = ref.read_grad_file(path)
    if out is None:
        print(f"{path}: no outputs (/grad missing); run `eisnn grad` or alif_torch.py fill")
        return 2
    n_b, n_t, n_in = inputs["spikes"].shape
    n, n_out = net["w_out"].shape
    print(f"{path}: n_in {n_in}, n {n}, n_out {n_out}, B {n_b}, T {n_t}, "
          f"loss {p.loss_kind} ({p.rate_loss_kind} rate loss), "
          f"{int(net['mask_rec'].sum())} recurrent synapses")

    res = ref.loss_and_grads(net, inputs, p)
    ok = True

    # Does the case exercise every gradient path? (refractory blocking needs
    # a unit pushed above threshold again within n_ref steps of a spike)
    act = activity(res, p)
    lively = act["blocked"] > 0 and act["thr_rise_mV"] >= 0.5 and act["spikes"] >= 100
    tag = "PASS" if lively else ("FAIL" if require_activity else "WARN")
    ok &= lively or not require_activity
    print(f"  {tag} activity: {act['spikes']} spikes, {act['blocked']} refractory-blocked "
          f"crossings, max threshold rise {act['thr_rise_mV']:.2f} mV, "
          f"{act['active_pd']} unit-steps with nonzero pseudo-derivative, "
          f"{act['gated_pd']} zeroed by refractoriness"
          + ("" if lively else " (want >= 100 spikes, >= 1 blocked crossing, "
                                ">= 0.5 mV threshold rise)"))

    # (a) Spike trains. With --marginal-s, differences at |s| below it (float32
    # rounding at threshold) are tolerated and the reference is teacher-forced.
    z_file = out["z"].astype(np.uint8)
    if np.array_equal(z_file, res["z"]):
        print(f"  PASS spikes identical ({int(z_file.sum())} spikes, rate "
              f"{z_file.mean():.4f}/step)")
    else:
        msg = describe_spike_mismatch(z_file, res, p)
        diff = z_file != res["z"]
        worst = float(np.abs(res["s"][diff]).max())
        if marginal_s > 0 and worst < marginal_s:
            print(f"  WARN {msg}; all within |s| < {marginal_s:g}: teacher-forcing the "
                  f"reference with the file's spikes")
            res = ref.loss_and_grads(net, inputs, p, forced_z=z_file)
        else:
            print(f"  FAIL {msg}")
            ok = False

    # (b) Loss terms.
    for name in ("task", "rate", "total"):
        a, b = out["loss_" + name], res["loss_" + name]
        e = abs(a - b) / abs(b) if b != 0 else abs(a)
        good = e <= TOL_LOSS
        ok &= good
        hint = ""
        if name == "rate" and not good and b != 0 and abs(a / b - 1.0 / n_b) < 1e-3:
            hint = (" (file = reference / B: the rolling loss was averaged over the "
                    "concatenated sequence instead of summed over trials)")
        print(f"  {'PASS' if good else 'FAIL'} loss {name}: file {a:.9g} reference "
              f"{b:.9g} rel err {e:.2e} (tol {TOL_LOSS:g}){hint}")

    # (c) Gradients at existing synapses, and exact zeros elsewhere.
    for name, mask_name in GRADS:
        mask = net[mask_name].astype(bool)
        g_file = out["grad_" + name].astype(np.float64)
        g_ref = res["grad_" + name]
        e = rel_err(g_file[mask], g_ref[mask])
        absent_nonzero = int(np.count_nonzero(g_file[~mask]))
        good = e <= TOL_GRAD and absent_nonzero == 0
        ok &= good
        extra = f", {absent_nonzero} nonzero at absent synapses" if absent_nonzero else ""
        expected_zero = name == "w_out" and p.loss_kind == "rate"
        if np.linalg.norm(g_ref[mask]) == 0 and not expected_zero:
            # e.g. output-projecting units that never spike: nothing is compared.
            extra += " (WARN: the reference gradient is exactly 0, so this check is empty)"
        print(f"  {'PASS' if good else 'FAIL'} d/d{name} at {int(mask.sum())} synapses: "
              f"|g_ref| {np.linalg.norm(g_ref[mask]):.4e} rel err {e:.2e} "
              f"(tol {TOL_GRAD:g}){extra}")

    # (d) Readout.
    e = rel_err(out["y"], res["y"])
    good = e <= TOL_Y
    ok &= good
    print(f"  {'PASS' if good else 'FAIL'} output y rel err {e:.2e} (tol {TOL_Y:g})")

    print("GRADIENT CHECK " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check an `eisnn grad` file against the PyTorch reference.")
    ap.add_argument("gradfile", nargs="?", help="HDF5 file written by `eisnn grad`")
    ap.add_argument("--selftest", action="store_true",
                    help="check the reference itself against a hand-written BPTT")
    ap.add_argument("--marginal-s", type=float, default=0.0, metavar="EPS",
                    help="tolerate spike differences where the reference's |s| < EPS "
                         "(float32 rounding at threshold) by teacher forcing; default 0 "
                         "(spikes must be identical)")
    ap.add_argument("--require-activity", action="store_true",
                    help="fail, not just warn, when the case has under 100 spikes, no "
                         "refractory-blocked threshold crossing or under 0.5 mV of adaptation")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    if not args.gradfile:
        ap.error("give GRADFILE or --selftest")
    try:
        return check_file(args.gradfile, marginal_s=args.marginal_s,
                          require_activity=args.require_activity)
    except (OSError, KeyError, ValueError) as exc:
        print(f"{args.gradfile}: cannot check: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
