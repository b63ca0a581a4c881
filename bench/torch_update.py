#!/usr/bin/python3
"""Time one full training update of the default model in PyTorch on the CPU.

The baseline that eisnn's speed is compared with (issue 4): the model of
SPEC §2 and the update of SPEC §4, written the way a PyTorch user would —
autograd through a Python loop over time (python/reference/alif_torch.py,
float32 here), two Adam optimisers (1e-3 for input and recurrent weights,
1e-5 for output weights, eps 1e-7), then Dale sign masks on all three weight
sets and count-preserving recurrent rewiring. Gradients are masked to
existing synapses before the Adam step, as in eisnn.

    /usr/bin/python3 bench/torch_update.py [--n 300] [--t 4080] [--b 30]
                                           [--threads 2] [--repeats 3]

One JSON line per thread count on stdout:
    {"impl": "torch", "n": 300, "t": 4080, "b": 30, "threads": 2,
     "median_s": ..., "runs": [...], "min_s": ..., "cpu_runs": [...],
     "other_load": [...], "niced_load": [...],
     "peak_rss_mb": ..., "torch": ..., "blas": ..., "loadavg_1min": ..., "omp_wait_policy": ...}
(wall-clock seconds per update; cpu_runs is the process CPU time, all
threads together; other_load and niced_load the cores' worth of other
processes' work at normal and at lowered priority during each update, from
/proc/stat: near 0 on a quiet machine).
Progress goes to stderr. At the default size an update takes tens of
seconds on this 2-core machine, hence the default of 3 repeats; pass
--threads 1,2 to time both thread counts in one run. The 1-minute load
average at the end is reported: timings taken while other work shares the
cores (a build, say) are not comparable, multi-threaded ones least of all.

The BLAS matters: Debian's python3-torch calls the system libblas.so.3,
which is the netlib reference BLAS unless an optimised one is installed. The
"blas" field names the library actually loaded. To time with OpenBLAS
without changing the system:

    apt-get download libopenblas0-pthread
    dpkg-deb -x libopenblas0-pthread_*.deb /tmp/oblas
    LD_LIBRARY_PATH=/tmp/oblas/usr/lib/x86_64-linux-gnu/openblas-pthread \
        /usr/bin/python3 bench/torch_update.py

With 2 threads and other work on the second core (even niced work), libgomp's
default spin-waiting makes torch several times slower than with 1 thread;
OMP_WAIT_POLICY=PASSIVE (set in the environment, recorded in the output)
avoids that. On a quiet machine leave it unset.

Autograd keeps every step's tensors: at the default size the process peaks
at about 2.1 GB.
"""

import argparse
import ctypes
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python", "reference"))
import alif_torch as ref  # noqa: E402

# Out-degree probabilities per (pre, post) population, SPEC §2.
P_CONN = {("E", "E"): 0.160, ("E", "I"): 0.205, ("I", "E"): 0.252, ("I", "I"): 0.284}
LOGN_MU, LOGN_SIGMA = -0.64, 0.51


def make_network(rng, n, n_in, n_out, i_scale=10.0):
    """Random network in the manner of SPEC §2 (fixed out-degree, log-normal
    magnitudes, Dale signs; outputs from 38 E + 15 I units scaled to n;
    input channels onto 60 non-output units scaled to n). Returns float32
    numpy w_in [n_in, n], w_rec [n, n] (pre, post), w_out [n, n_out], masks,
    and the unit signs [n]."""
    n_e = int(round(0.8 * n))
    pop = {"E": np.arange(n_e), "I": np.arange(n_e, n)}
    sign = np.where(np.arange(n) < n_e, 1.0, -1.0)
    inh_scale = i_scale / 10.0

    mask_rec = np.zeros((n, n), dtype=bool)
    for (pre, post), prob in P_CONN.items():
        for i in pop[pre]:
            cand = pop[post][pop[post] != i]
            k = int(round(prob * len(cand)))
            mask_rec[i, rng.choice(cand, size=k, replace=False)] = True
    mag = rng.lognormal(LOGN_MU, LOGN_SIGMA, size=(n, n))
    row_scale = np.where(sign > 0, 0.1, inh_scale)[:, None]
    w_rec = sign[:, None] * mag * row_scale * mask_rec

    mask_out = np.zeros((n, n_out), dtype=bool)
    k_e = max(1, int(round(38 * n / 300)))
    k_i = max(1, int(round(15 * n / 300)))
    for o in range(n_out):
        mask_out[rng.choice(pop["E"], size=k_e, replace=False), o] = True
        mask_out[rng.choice(pop["I"], size=k_i, replace=False), o] = True
    mag = rng.lognormal(LOGN_MU, LOGN_SIGMA, size=(n, n_out))
    w_out = sign[:, None] * mag * row_scale * mask_out

    # "No input to output": channels reach only units that do not project out.
    free = np.flatnonzero(~mask_out.any(axis=1))
    k_in = min(len(free), max(1, int(round(60 * n / 300))))
    mask_in = np.zeros((n_in, n), dtype=bool)
    for c in range(n_in):
        mask_in[c, rng.choice(free, size=k_in, replace=False)] = True
    w_in = rng.uniform(0.0, 2.0, size=(n_in, n)) * mask_in

    f32 = lambda a: a.astype(np.float32)  # noqa: E731
    return f32(w_in), f32(w_rec), f32(w_out), mask_in, mask_rec, mask_out, sign


class TorchTrainer:
    """Weights, masks and optimisers of one network; `update` is the timed unit."""

    def __init__(self, rng, n, n_in, n_out, params):
        w_in, w_rec, w_out, m_in, m_rec, m_out, sign = make_network(rng, n, n_in, n_out)
        self.p = params
        self.rng = rng
        self.w_in = torch.tensor(w_in, requires_grad=True)
        self.w_rec = torch.tensor(w_rec, requires_grad=True)
        self.w_out = torch.tensor(w_out, requires_grad=True)
        self.m_in = torch.tensor(m_in)
        self.m_rec = torch.tensor(m_rec)
        self.m_out = torch.tensor(m_out)
        self.sign = torch.tensor(sign, dtype=torch.float32)          # [n] per unit
        self.offdiag = ~torch.eye(n, dtype=torch.bool)
        self.opt_main = torch.optim.Adam([self.w_in, self.w_rec], lr=1e-3,
                                         betas=(0.9, 0.999), eps=1e-7)
        self.opt_out = torch.optim.Adam([self.w_out], lr=1e-5,
                                        betas=(0.9, 0.999), eps=1e-7)

    def update(self, x, v0, target):
        """Forward, backward, Adam, sign masks, rewiring. Returns the loss terms."""
        self.opt_main.zero_grad(set_to_none=True)
        self.opt_out.zero_grad(set_to_none=True)
        out = ref.simulate(self.w_in, self.w_rec, self.w_out, x, v0, self.p)
        l_task, l_rate, total = ref.losses(out["y"], out["z"], target, self.p)
        total.backward()

        with torch.no_grad():
            # Gradients exist only at synapses.
            self.w_in.grad.mul_(self.m_in)
            self.w_rec.grad.mul_(self.m_rec)
            self.w_out.grad.mul_(self.m_out)
            self.opt_main.step()
            self.opt_out.step()

            # Dale: a weight whose sign differs from its presynaptic unit's goes.
            # Input channels are excitatory; outputs take the unit's sign.
            keep_in = self.m_in & (self.w_in > 0)
            keep_rec = self.m_rec & (self.sign[:, None] * self.w_rec > 0)
            keep_out = self.m_out & (self.sign[:, None] * self.w_out > 0)
            n_pruned = int((self.m_rec & ~keep_rec).sum())
            self.w_in.mul_(keep_in)
            self.w_rec.mul_(keep_rec)
            self.w_out.mul_(keep_out)
            self.m_in, self.m_rec, self.m_out = keep_in, keep_rec, keep_out

            # Rewiring: as many new recurrent synapses at random absent
            # off-diagonal positions, presynaptic sign, Adam state zeroed.
            if n_pruned:
                free = torch.nonzero(~self.m_rec & self.offdiag)
                pick = free[torch.from_numpy(
                    self.rng.choice(len(free), size=n_pruned, replace=False))]
                pre, post = pick[:, 0], pick[:, 1]
                mag = torch.from_numpy(self.rng.lognormal(
                    LOGN_MU, LOGN_SIGMA, size=n_pruned).astype(np.float32))
                scale = torch.where(self.sign[pre] > 0, 0.1, 1.0)
                self.w_rec[pre, post] = self.sign[pre] * mag * scale
                self.m_rec[pre, post] = True
                state = self.opt_main.state[self.w_rec]
                state["exp_avg"][pre, post] = 0.0
                state["exp_avg_sq"][pre, post] = 0.0
        return float(l_task), float(l_rate), int(out["z"].sum())


def blas_library():
    """Path of the BLAS library this process loaded (Debian's torch uses the
    system's libblas.so.3 alternative: netlib reference BLAS unless another,
    e.g. OpenBLAS, is installed or put first on LD_LIBRARY_PATH)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
    except OSError:
        return "unknown"
    return ",".join(sorted(os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p)
                           for p in paths)) or "none"


def set_blas_threads(threads):
    """torch.set_num_threads does not reach a generic BLAS; OpenBLAS has its own call."""
    for name in ("libopenblas.so.0", "libopenblasp-r0.3.21.so"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(threads)
            return
        except (OSError, AttributeError):
            continue


def busy_cpu_s():
    """CPU seconds spent busy since boot by processes at normal priority and by
    niced ones (from /proc/stat), to tell how much other work shared the
    cores during a timed update."""
    try:
        with open("/proc/stat") as stat:
            f = [int(v) for v in stat.readline().split()[1:9]]
    except OSError:
        return float("nan"), float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    # user, nice, system, idle, iowait, irq, softirq, steal
    normal = f[0] + f[2] + f[5] + f[6] + f[7]
    return normal / tick, f[1] / tick


def make_batch(rng, n_b, n_t, n_in, n_out, n, rate):
    """Bernoulli input spikes at `rate` per ms and channel, v0 ~ N(-65, 5),
    targets with one state change per trial."""
    x = torch.from_numpy((rng.random((n_b, n_t, n_in)) < rate).astype(np.float32))
    v0 = torch.from_numpy(rng.normal(-65.0, 5.0, size=(n_b, n)).astype(np.float32))
    label = np.zeros((n_b, n_t), dtype=np.float32)
    for i_b in range(n_b):
        change = rng.integers(n_t // 8, 7 * n_t // 8)
        label[i_b, change:] = 1.0
        if i_b % 2:
            label[i_b] = 1.0 - label[i_b]
    if n_out == 1:
        target = label[:, :, None]
    else:
        target = np.zeros((n_b, n_t, n_out), dtype=np.float32)
        target[:, :, 0] = 1.0 - label
        target[:, :, 1] = label
    return x, v0, torch.from_numpy(np.ascontiguousarray(target))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Time one training update (forward + backward + Adam + masks + "
                    "rewiring) of the default model in PyTorch on the CPU.")
    ap.add_argument("--n", type=int, default=300, help="recurrent units, 80%% E (default 300)")
    ap.add_argument("--t", type=int, default=4080, help="steps per trial (default 4080)")
    ap.add_argument("--b", type=int, default=30, help="trials per batch (default 30)")
    ap.add_argument("--n-in", type=int, default=16, help="input channels (default 16)")
    ap.add_argument("--n-out", type=int, default=1, help="outputs (default 1)")
    ap.add_argument("--threads", default="2",
                    help="torch threads; a comma list times each (default 2)")
    ap.add_argument("--repeats", type=int, default=3, help="timed updates (default 3)")
    ap.add_argument("--warmup", type=int, default=0, help="untimed updates first (default 0)")
    ap.add_argument("--input-rate", type=float, default=0.17,
                    help="input spike probability per ms and channel (default 0.17)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args(argv)

    torch.set_num_interop_threads(1)
    p = ref.Params()
    for threads in [int(s) for s in args.threads.split(",")]:
        torch.set_num_threads(threads)
        set_blas_threads(threads)
        rng = np.random.default_rng(args.seed)
        torch.manual_seed(args.seed)
        trainer = TorchTrainer(rng, args.n, args.n_in, args.n_out, p)
        runs, cpu_runs, other, niced = [], [], [], []
        for i in range(args.warmup + args.repeats):
            x, v0, target = make_batch(rng, args.b, args.t, args.n_in, args.n_out,
                                       args.n, args.input_rate)
            start, start_cpu, start_busy = time.perf_counter(), time.process_time(), busy_cpu_s()
            l_task, l_rate, n_spikes = trainer.update(x, v0, target)
            elapsed = time.perf_counter() - start
            elapsed_cpu = time.process_time() - start_cpu
            # Cores' worth of other work during the update (0 = quiet machine);
            # niced work (a background training run, say) yields to this one.
            end_busy = busy_cpu_s()
            other_load = max(0.0, (end_busy[0] - start_busy[0] - elapsed_cpu) / elapsed)
            niced_load = (end_busy[1] - start_busy[1]) / elapsed
            rate = n_spikes / (args.b * args.t * args.n)
            print(f"threads {threads} update {i + 1}: {elapsed:.3f} s, cpu {elapsed_cpu:.3f} s, "
                  f"other load {other_load:.2f} (niced {niced_load:.2f}) "
                  f"(task {l_task:.4f}, rate loss {l_rate:.4f}, mean rate {rate:.4f}/ms"
                  f"{', warm-up' if i < args.warmup else ''})", file=sys.stderr)
            if i >= args.warmup:
                runs.append(round(elapsed, 4))
                cpu_runs.append(round(elapsed_cpu, 4))
                other.append(round(other_load, 2))
                niced.append(round(niced_load, 2))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(json.dumps({
            "impl": "torch", "n": args.n, "t": args.t, "b": args.b, "threads": threads,
            "median_s": round(statistics.median(runs), 4), "runs": runs,
            "min_s": min(runs), "cpu_runs": cpu_runs, "other_load": other,
            "niced_load": niced,
            "peak_rss_mb": round(peak_mb, 1), "torch": torch.__version__,
            "blas": blas_library(), "loadavg_1min": round(os.getloadavg()[0], 2),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
