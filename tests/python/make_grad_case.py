#!/usr/bin/python3
"""Write a small random gradient-check case without the C++ side.

Writes the input part of the gradient file layout (docs/gradient-file.md):
root attributes, /network and /input. Fill in the outputs with the reference,

    /usr/bin/python3 tests/python/make_grad_case.py case.h5
    /usr/bin/python3 python/reference/alif_torch.py fill case.h5 filled.h5
    /usr/bin/python3 tests/python/test_gradient.py filled.h5

or hand case.h5's network and inputs to `eisnn grad`.

The default case (n_in 4, 16 E + 4 I units, 2 outputs, 3 trials of 150 ms)
is driven hard enough that spikes, adaptation and refractory blocking all
occur; the connectivity follows SPEC §2 in kind (fixed out-degree, no
self-connections, log-normal magnitudes with Dale signs) at small size.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python", "reference"))
from alif_torch import Params  # noqa: E402


def make_case(seed=1, n_in=4, n_e=16, n_i=4, n_out=2, n_b=3, n_t=150,
              input_rate=0.35, w_in_max_mV=4.0, p_rec=0.3, i_scale=10.0,
              rec_gain=4.0, params=None):
    """Returns (params, net, inputs) as numpy arrays in the file's layout.

    input_rate: Bernoulli spike probability per step and channel.
    rec_gain: extra factor on the recurrent magnitudes, so that the small
    network's recurrence matters as much as the full-size one's.
    """
    rng = np.random.default_rng(seed)
    n = n_e + n_i
    params = params or Params()
    sign = np.where(np.arange(n) < n_e, 1.0, -1.0)          # [n] Dale sign per unit

    # Recurrent: each pre unit picks k targets in each population, never itself.
    mask_rec = np.zeros((n, n), dtype=np.uint8)              # [pre, post]
    for i in range(n):
        for lo, hi in ((0, n_e), (n_e, n)):
            cand = np.array([j for j in range(lo, hi) if j != i])
            k = max(1, int(round(p_rec * len(cand))))
            mask_rec[i, rng.choice(cand, size=k, replace=False)] = 1
    mag = rng.lognormal(-0.64, 0.51, size=(n, n))
    scale = np.where(sign > 0, 0.1, i_scale / 10.0)[:, None] * rec_gain
    w_rec = (sign[:, None] * mag * scale * mask_rec).astype(np.float32)

    # Output: from about half the E and half the I units.
    mask_out = np.zeros((n, n_out), dtype=np.uint8)          # [unit, output]
    for o in range(n_out):
        mask_out[rng.choice(n_e, size=max(1, n_e // 2), replace=False), o] = 1
        mask_out[n_e + rng.choice(n_i, size=max(1, n_i // 2), replace=False), o] = 1
    mag = rng.lognormal(-0.64, 0.51, size=(n, n_out))
    w_out = (sign[:, None] * mag * np.where(sign > 0, 0.1, i_scale / 10.0)[:, None]
             * mask_out).astype(np.float32)

    # Input: each channel reaches 3/4 of the units, Uniform(0, w_in_max).
    mask_in = np.zeros((n_in, n), dtype=np.uint8)            # [channel, unit]
    for c in range(n_in):
        mask_in[c, rng.choice(n, size=max(1, (3 * n) // 4), replace=False)] = 1
    w_in = (rng.uniform(0.0, w_in_max_mV, size=(n_in, n)) * mask_in).astype(np.float32)

    # Inputs: channel rates differ by state; target one state change per trial.
    spikes = np.zeros((n_b, n_t, n_in), dtype=np.uint8)
    target = np.zeros((n_b, n_t, n_out), dtype=np.float32)
    chan_gain = rng.uniform(0.6, 1.4, size=(2, n_in))
    for i_b in range(n_b):
        label = np.zeros(n_t)
        first = i_b % 2
        change = rng.integers(n_t // 4, 3 * n_t // 4)
        label[:change] = first
        label[change:] = 1 - first
        prob = input_rate * chan_gain[label.astype(int)]          # [T, n_in]
        spikes[i_b] = rng.random((n_t, n_in)) < prob
        if n_out == 1:
            target[i_b, :, 0] = label
        else:
            target[i_b, :, 0] = 1.0 - label
            target[i_b, :, 1] = label
            target[i_b, :, 2:] = 0.0
    v0 = rng.normal(-65.0, 5.0, size=(n_b, n)).astype(np.float32)

    net = {"w_in": w_in, "w_rec": w_rec, "w_out": w_out,
           "mask_in": mask_in, "mask_rec": mask_rec, "mask_out": mask_out}
    inputs = {"spikes": spikes, "v0": v0, "target": target}
    return params, net, inputs


def write_case(path, params, net, inputs):
    """Write the input part of the layout (attributes, /network, /input)."""
    import h5py

    with h5py.File(path, "w") as f:
        params.to_attrs(f.attrs)
        for key in ("w_in", "w_rec", "w_out"):
            f["network/" + key] = net[key].astype(np.float32)
        for key in ("mask_in", "mask_rec", "mask_out"):
            f["network/" + key] = net[key].astype(np.uint8)
        f["input/spikes"] = inputs["spikes"].astype(np.uint8)
        f["input/v0"] = inputs["v0"].astype(np.float32)
        f["input/target"] = inputs["target"].astype(np.float32)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a small random gradient-check input file.")
    ap.add_argument("output", help="HDF5 file to write")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--n-in", type=int, default=4, help="input channels (default 4)")
    ap.add_argument("--n-e", type=int, default=16, help="excitatory units (default 16)")
    ap.add_argument("--n-i", type=int, default=4, help="inhibitory units (default 4)")
    ap.add_argument("--n-out", type=int, default=2, help="outputs (default 2)")
    ap.add_argument("--b", type=int, default=3, help="trials (default 3)")
    ap.add_argument("--t", type=int, default=150, help="steps per trial (default 150)")
    ap.add_argument("--input-rate", type=float, default=0.35,
                    help="input spike probability per step and channel (default 0.35)")
    ap.add_argument("--loss-kind", choices=("task+rate", "task", "rate"), default="task+rate",
                    help="loss_kind attribute (default task+rate)")
    ap.add_argument("--rate-loss-kind", choices=("rolling", "plain"), default="rolling",
                    help="rate_loss_kind attribute (default rolling)")
    args = ap.parse_args(argv)

    params = Params(loss_kind=args.loss_kind, rate_loss_kind=args.rate_loss_kind)
    params, net, inputs = make_case(
        seed=args.seed, n_in=args.n_in, n_e=args.n_e, n_i=args.n_i, n_out=args.n_out,
        n_b=args.b, n_t=args.t, input_rate=args.input_rate, params=params)
    write_case(args.output, params, net, inputs)
    print(f"wrote {args.output}: n_in {args.n_in}, n {args.n_e + args.n_i}, "
          f"n_out {args.n_out}, B {args.b}, T {args.t}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
