#!/usr/bin/python3
"""Independent PyTorch reference of the eisnn model and training loss.

Forward dynamics: SPEC §2 (adaptive LIF units with delayed reset, absolute
refractoriness and a leaky readout). Loss: SPEC §4 (MSE task loss plus a
rolling or plain firing-rate loss). Gradients come from torch autograd; the
only hand-written derivative is the pseudo-derivative of the spike function
(Bellec et al. 2018, "Long short-term memory and learning-to-learn in
networks of spiking neurons"): dz/ds = gamma max(0, 1 - |s|), and 0 while the
unit is refractory.

This file deliberately shares no code with the C++ library. It is used by
tests/python/test_gradient.py (gradient check of `eisnn grad` output files,
layout in docs/gradient-file.md) and, in the same formulation, by
bench/torch_update.py.

Time indexing (the file layout uses the same): the state at t = 0 is
v_0 (given), b_0 = r_0 = z_0 = 0, y_0 = 0. Steps t = 1..T consume the input
spikes x_t and produce z_t and y_t; array index k = t - 1 holds step t.

Matrix layouts: W_in [n_in, n] (channel, unit), W_rec [n, n] (pre, post),
W_out [n, n_out] (unit, output). Row vectors: x_t [B, n_in], z_t [B, n].

Command line (writes the outputs of the gradient file layout into a copy of
an input-only file, as `eisnn grad` would; used to test the round trip):

    /usr/bin/python3 python/reference/alif_torch.py fill IN.h5 OUT.h5 [--dtype float32]
"""

import argparse
import dataclasses
import math
import shutil
import sys

import numpy as np
import torch

LOSS_KINDS = ("task+rate", "task", "rate")
RATE_LOSS_KINDS = ("rolling", "plain")


@dataclasses.dataclass
class Params:
    """Neuron, readout and loss parameters (SPEC §2, §4), as in the file's
    root attributes. Defaults are the study's values."""

    E_L_mV: float = -70.6
    v_th_mV: float = -50.4
    alpha: float = math.exp(-1.0 / 20.0)   # exp(-dt / tau_m)
    rho: float = math.exp(-1.0 / 100.0)    # exp(-dt / tau_a)
    beta_mV: float = 0.16                  # threshold increase per unit of b
    n_ref: int = 4                         # refractory length in steps
    gamma_pd: float = 0.3                  # pseudo-derivative gain
    readout_decay: float = 0.8             # kappa
    rate_target: float = 0.02              # spikes per step (20 Hz)
    rate_cost: float = 0.1
    loss_kind: str = "task+rate"
    rate_loss_kind: str = "rolling"

    def validate(self):
        if self.loss_kind not in LOSS_KINDS:
            raise ValueError(f"loss_kind {self.loss_kind!r} is not one of {LOSS_KINDS}")
        if self.rate_loss_kind not in RATE_LOSS_KINDS:
            raise ValueError(
                f"rate_loss_kind {self.rate_loss_kind!r} is not one of {RATE_LOSS_KINDS}")
        if self.n_ref < 1:
            raise ValueError(f"n_ref must be at least 1, got {self.n_ref}")
        if not self.v_th_mV > self.E_L_mV:
            raise ValueError(f"v_th_mV ({self.v_th_mV}) must exceed E_L_mV ({self.E_L_mV})")

    @classmethod
    def from_attrs(cls, attrs):
        """Read the root attributes of a gradient file (all are required)."""
        values = {}
        for field in dataclasses.fields(cls):
            if field.name not in attrs:
                raise KeyError(f"gradient file lacks root attribute {field.name!r}")
            raw = attrs[field.name]
            if isinstance(raw, np.ndarray):
                raw = raw.reshape(-1)[0]
            if field.type == "str" or field.type is str:
                raw = raw.decode() if isinstance(raw, bytes) else str(raw)
                raw = raw.rstrip("\x00").strip()
            elif field.type == "int" or field.type is int:
                raw = int(np.asarray(raw).reshape(-1)[0])
            else:
                raw = float(np.asarray(raw).reshape(-1)[0])
            values[field.name] = raw
        params = cls(**values)
        params.validate()
        return params

    def to_attrs(self, attrs):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, str):
                attrs[field.name] = value
            elif isinstance(value, int):
                attrs[field.name] = np.int64(value)
            else:
                attrs[field.name] = np.float64(value)


class SpikeFunction(torch.autograd.Function):
    """z = H(s) outside refractoriness, 0 inside; backward uses the
    triangular pseudo-derivative gamma max(0, 1 - |s|), 0 while refractory.

    forced_z (optional): a spike train to emit instead of H(s) (teacher
    forcing, used only to diagnose runs whose spikes differ marginally);
    the backward pass is unchanged.
    """

    @staticmethod
    def forward(ctx, s, refractory, gamma, forced_z):
        ctx.save_for_backward(s, refractory)
        ctx.gamma = gamma
        if forced_z is not None:
            return forced_z.to(s.dtype)
        return ((s > 0) & ~refractory).to(s.dtype)

    @staticmethod
    def backward(ctx, grad_z):
        s, refractory = ctx.saved_tensors
        psi = ctx.gamma * torch.clamp(1.0 - s.abs(), min=0.0)
        psi = psi.masked_fill(refractory, 0.0)
        return grad_z * psi, None, None, None


def simulate(w_in, w_rec, w_out, x, v0, p, record=False, forced_z=None):
    """Run B trials of T steps in parallel.

    w_in [n_in, n], w_rec [n, n] (pre, post), w_out [n, n_out];
    x [B, T, n_in] input spikes (0/1); v0 [B, n] initial voltages (mV).
    Returns dict with z [B, T, n] and y [B, T, n_out]; with record=True also
    (detached) v, A, s [B, T, n] and refractory [B, T, n] (r_{t-1} > 0).
    """
    n_b, n_t, _ = x.shape
    n = w_rec.shape[0]
    dtype = w_rec.dtype
    E_L, v_th = p.E_L_mV, p.v_th_mV
    reset_mV = p.v_th_mV - p.E_L_mV  # subtracted one step after a spike

    # Input currents of all steps at once: [B, T, n]. unbind, not i_in[:, t]:
    # the backward of T separate selects would cost O(T^2) memory traffic.
    i_in = torch.matmul(x, w_in).unbind(1)
    forced = None if forced_z is None else forced_z.unbind(1)

    v = v0
    b = torch.zeros(n_b, n, dtype=dtype)
    r = torch.zeros(n_b, n, dtype=dtype)   # carries no gradient
    z = torch.zeros(n_b, n, dtype=dtype)
    z_steps = []
    rec = {"v": [], "A": [], "s": [], "refractory": []} if record else None

    for t in range(n_t):
        # Membrane: leak, input in the same step, recurrent spikes and reset one step late.
        v = E_L + p.alpha * (v - E_L) + i_in[t] + z @ w_rec - reset_mV * z

        # Adaptive threshold from b_{t-1}; scaled voltage -1 at rest, 0 at threshold.
        A = v_th + p.beta_mV * b
        s = (v - A) / (A - E_L)

        refractory = r > 0
        z_new = SpikeFunction.apply(
            s, refractory, p.gamma_pd, None if forced is None else forced[t])

        # b_t = rho b_{t-1} + z_{t-1}; r_t from z_t, without gradient.
        b = p.rho * b + z
        r = torch.clamp(r - 1.0 + p.n_ref * z_new.detach(), 0.0, float(p.n_ref))
        z = z_new
        z_steps.append(z)

        if record:
            rec["v"].append(v.detach())
            rec["A"].append(A.detach())
            rec["s"].append(s.detach())
            rec["refractory"].append(refractory)

    z_all = torch.stack(z_steps, dim=1)                 # [B, T, n]

    # Leaky readout y_t = kappa y_{t-1} + z_t W_out, y_0 = 0.
    drive = torch.matmul(z_all, w_out).unbind(1)      # T x [B, n_out]
    y = torch.zeros(n_b, w_out.shape[1], dtype=dtype)
    y_steps = []
    for t in range(n_t):
        y = p.readout_decay * y + drive[t]
        y_steps.append(y)
    out = {"z": z_all, "y": torch.stack(y_steps, dim=1)}

    if record:
        for key, steps in rec.items():
            out[key] = torch.stack(steps, dim=1)
    return out


def task_loss(y, target):
    """Mean over batch, time and outputs of (y - target)^2."""
    return torch.mean((y - target) ** 2)


def rate_loss(z, p):
    """Rate loss including its weight rate_cost (SPEC §4).

    rolling: the B trials are concatenated in time (trial 0 first) into one
    sequence of S = B T steps; R_s = (spikes of the unit in steps 1..s) / s;
    loss = rate_cost * sum over trials b and units j of
           (1/T) sum_{t in trial b} (R_{bT+t} - target)^2
         = rate_cost * B * sum_j mean_s (R_{s,j} - target)^2.
    This is the study's code (neurotrino/reservoir, trainers/std_single_task.py,
    Trainer.rate_loss, algorithm "rolling").
    plain: rate_cost * sum_j (mean over trials and steps of z_j - target)^2.
    """
    n_b, n_t, n = z.shape
    if p.rate_loss_kind == "plain":
        rates = z.mean(dim=(0, 1))
        return p.rate_cost * torch.sum((rates - p.rate_target) ** 2)

    flat = z.reshape(n_b * n_t, n)
    counts = torch.arange(1, n_b * n_t + 1, dtype=z.dtype).unsqueeze(1)
    running = (torch.cumsum(flat, dim=0) / counts).reshape(n_b, n_t, n)
    per_trial_unit = torch.mean((running - p.rate_target) ** 2, dim=1)   # [B, n]
    return p.rate_cost * torch.sum(per_trial_unit)


def losses(y, z, target, p):
    """Returns (task, rate, total); total follows p.loss_kind."""
    l_task = task_loss(y, target)
    l_rate = rate_loss(z, p)
    if p.loss_kind == "task+rate":
        total = l_task + l_rate
    elif p.loss_kind == "task":
        total = l_task
    else:
        total = l_rate
    return l_task, l_rate, total


def loss_and_grads(net, inputs, p, dtype=torch.float64, forced_z=None, record=True):
    """Forward pass, loss terms and dense gradients of the total loss.

    net: dict of numpy arrays w_in, w_rec, w_out; inputs: dict spikes
    [B, T, n_in], v0 [B, n], target [B, T, n_out]. Returns a dict of numpy
    arrays: loss_task, loss_rate, loss_total (floats), grad_w_in, grad_w_rec,
    grad_w_out (dense), z (uint8), y, and the recorded v, A, s, refractory.
    """
    p.validate()
    as_t = lambda a: torch.as_tensor(np.asarray(a), dtype=dtype)   # noqa: E731
    w_in = as_t(net["w_in"]).requires_grad_()
    w_rec = as_t(net["w_rec"]).requires_grad_()
    w_out = as_t(net["w_out"]).requires_grad_()
    x = as_t(inputs["spikes"])
    v0 = as_t(inputs["v0"])
    target = as_t(inputs["target"])
    forced = None if forced_z is None else as_t(forced_z)

    out = simulate(w_in, w_rec, w_out, x, v0, p, record=record, forced_z=forced)
    l_task, l_rate, total = losses(out["y"], out["z"], target, p)
    g_in, g_rec, g_out = torch.autograd.grad(
        total, (w_in, w_rec, w_out), allow_unused=True)

    def dense(g, w):
        return np.zeros(w.shape) if g is None else g.detach().numpy()

    res = {
        "loss_task": float(l_task),
        "loss_rate": float(l_rate),
        "loss_total": float(total),
        "grad_w_in": dense(g_in, w_in),
        "grad_w_rec": dense(g_rec, w_rec),
        "grad_w_out": dense(g_out, w_out),
        "z": out["z"].detach().numpy().astype(np.uint8),
        "y": out["y"].detach().numpy(),
    }
    if record:
        for key in ("v", "A", "s", "refractory"):
            res[key] = out[key].numpy()
    return res


# ---------------------------------------------------------------------------
# Gradient file (docs/gradient-file.md)

def read_grad_file(path):
    """Returns (params, net, inputs, outputs); outputs is None when the file
    holds only the input part of the layout."""
    import h5py

    with h5py.File(path, "r") as f:
        params = Params.from_attrs(f.attrs)
        net = {k: f["network"][k][()] for k in
               ("w_in", "w_rec", "w_out", "mask_in", "mask_rec", "mask_out")}
        inputs = {k: f["input"][k][()] for k in ("spikes", "v0", "target")}
        outputs = None
        if "grad" in f:
            outputs = {
                "loss_task": float(f["loss/task"][()].reshape(-1)[0]),
                "loss_rate": float(f["loss/rate"][()].reshape(-1)[0]),
                "loss_total": float(f["loss/total"][()].reshape(-1)[0]),
                "grad_w_in": f["grad/w_in"][()],
                "grad_w_rec": f["grad/w_rec"][()],
                "grad_w_out": f["grad/w_out"][()],
                "z": f["spikes/z"][()],
                "y": f["output/y"][()],
            }
    check_layout(net, inputs, outputs)
    return params, net, inputs, outputs


def check_layout(net, inputs, outputs=None):
    """Raises ValueError naming the dataset whose shape does not fit."""
    n_in, n = net["w_in"].shape
    n_out = net["w_out"].shape[1]
    n_b, n_t = inputs["spikes"].shape[:2]
    expected = {
        "network/w_in": (net["w_in"], (n_in, n)),
        "network/w_rec": (net["w_rec"], (n, n)),
        "network/w_out": (net["w_out"], (n, n_out)),
        "network/mask_in": (net["mask_in"], (n_in, n)),
        "network/mask_rec": (net["mask_rec"], (n, n)),
        "network/mask_out": (net["mask_out"], (n, n_out)),
        "input/spikes": (inputs["spikes"], (n_b, n_t, n_in)),
        "input/v0": (inputs["v0"], (n_b, n)),
        "input/target": (inputs["target"], (n_b, n_t, n_out)),
    }
    if outputs is not None:
        expected.update({
            "grad/w_in": (outputs["grad_w_in"], (n_in, n)),
            "grad/w_rec": (outputs["grad_w_rec"], (n, n)),
            "grad/w_out": (outputs["grad_w_out"], (n, n_out)),
            "spikes/z": (outputs["z"], (n_b, n_t, n)),
            "output/y": (outputs["y"], (n_b, n_t, n_out)),
        })
    for name, (array, shape) in expected.items():
        if tuple(array.shape) != shape:
            raise ValueError(f"/{name} has shape {tuple(array.shape)}, expected {shape}")


def write_outputs(path, res):
    """Write the output part of the layout (float32 as `eisnn grad` does)."""
    import h5py

    with h5py.File(path, "r+") as f:
        for group in ("loss", "grad", "spikes", "output"):
            if group in f:
                del f[group]
        f["loss/task"] = np.array([res["loss_task"]], dtype=np.float64)
        f["loss/rate"] = np.array([res["loss_rate"]], dtype=np.float64)
        f["loss/total"] = np.array([res["loss_total"]], dtype=np.float64)
        f["grad/w_in"] = res["grad_w_in"].astype(np.float32)
        f["grad/w_rec"] = res["grad_w_rec"].astype(np.float32)
        f["grad/w_out"] = res["grad_w_out"].astype(np.float32)
        f["spikes/z"] = res["z"].astype(np.uint8)
        f["output/y"] = res["y"].astype(np.float32)


def fill(path_in, path_out, dtype):
    """Compute the outputs for an input-only file, like `eisnn grad`."""
    params, net, inputs, _ = read_grad_file(path_in)
    res = loss_and_grads(net, inputs, params, dtype=dtype, record=False)
    # Gradients exist only at synapses, as in the C++ side.
    res["grad_w_in"] = res["grad_w_in"] * net["mask_in"]
    res["grad_w_rec"] = res["grad_w_rec"] * net["mask_rec"]
    res["grad_w_out"] = res["grad_w_out"] * net["mask_out"]
    if path_out != path_in:
        shutil.copyfile(path_in, path_out)
    write_outputs(path_out, res)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    fp = sub.add_parser("fill", help="write reference outputs into a copy of an input-only file")
    fp.add_argument("input")
    fp.add_argument("output")
    fp.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                    help="precision of the reference computation (default float64)")
    args = ap.parse_args(argv)
    if args.cmd == "fill":
        dtype = torch.float64 if args.dtype == "float64" else torch.float32
        res = fill(args.input, args.output, dtype)
        print(f"wrote {args.output}: loss task {res['loss_task']:.9g} "
              f"rate {res['loss_rate']:.9g} total {res['loss_total']:.9g}, "
              f"{int(res['z'].sum())} spikes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
