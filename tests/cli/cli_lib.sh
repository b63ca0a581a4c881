# Shared by the command-line test scripts (sourced, not run): a scratch
# folder removed on exit, failure counting, an expected-error check, a
# synthetic rate file and the flags of a tiny network that trains on it.

python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Expects a non-zero exit and a message containing $2 from the command after it.
expect_error() {
  local what=$1 needle=$2
  shift 2
  if "$@" >"$tmp/out.txt" 2>&1; then
    fail "$what: exit 0"
  elif ! grep -q -- "$needle" "$tmp/out.txt"; then
    fail "$what: message lacks '$needle': $(cat "$tmp/out.txt")"
  fi
}

# write_rates FILE N_TRIALS: a synthetic task of 300 ms trials, channels 0-7
# at 0.3 per ms in state 1 (0.1 otherwise); trials start in state i % 2 and
# half of them (i % 4 < 2) change at a random time in [100, 200) ms.
write_rates() {
  $python - "$1" "$2" <<'PY' || { echo "FAIL: cannot write the rate file $1"; exit 1; }
import sys, h5py, numpy as np
rng = np.random.default_rng(1)
n, t = int(sys.argv[2]), 300
labels = np.zeros((n, t), np.uint8)
for i in range(n):
    labels[i] = i % 2
    if i % 4 < 2:
        labels[i, 100 + rng.integers(100):] = 1 - i % 2
rates = np.where(labels[:, :, None] == 1, np.r_[np.full(8, 0.3), np.full(8, 0.1)], 0.1)
with h5py.File(sys.argv[1], "w") as f:
    f["rates"] = rates.astype(np.float32)
    f["labels"] = labels
PY
}

# tiny_network RATES_FILE: sets the array tiny_net to the flags of a 50-unit
# network (40 E, 10 I) under the clean preset that reads RATES_FILE.
tiny_network() {
  tiny_net=(--preset clean --set network.n_e=40 --set network.n_i=10
    --set connectivity.in_fan_out=12 --set connectivity.n_out_from_e=8
    --set connectivity.n_out_from_i=3 --set connectivity.w_in_max_mV=6
    --set "task.front_end=\"file\"" --set "task.rates_file=\"$1\"")
}

# same_run DIR OTHER...: the run folders OTHER hold the same network file, every
# dataset of it, and the same metrics but wall times, bit for bit, as DIR.
same_run() {
  $python - "$@" <<'PY'
import sys, h5py, numpy as np
def load(d):
    out = {}
    with h5py.File(f"{d}/network.h5") as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
    with h5py.File(f"{d}/metrics.h5") as f:
        for g in ("updates", "heldout"):
            for k in f[g]:
                if k != "seconds":
                    out[f"{g}/{k}"] = f[g][k][()]
    return out
ref = load(sys.argv[1])
assert len(ref) > 20, sorted(ref)
for d in sys.argv[2:]:
    other = load(d)
    differ = [k for k in ref if k not in other or not np.array_equal(ref[k], other[k])]
    if differ:
        sys.exit(f"{d} differs from {sys.argv[1]} in {differ}")
PY
}

# checkpointed DIR N: true once the run folder DIR holds a checkpoint of update N or later.
checkpointed() {
  $python -c "import h5py, sys; sys.exit(int(h5py.File(sys.argv[1])['/'].attrs['next_update'] < int(sys.argv[2])))" \
    "$1/checkpoint.h5" "$2" 2>/dev/null
}

# finish NAME: the exit status and last line of a test script.
finish() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "all $1 checks passed"
}
