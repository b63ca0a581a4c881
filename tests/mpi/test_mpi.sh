#!/usr/bin/env bash
# eisnn over MPI on this machine (loopback): training a network with 1, 2 and
# 3 ranks and with 2 threads gives bit-identical weights and metrics; resuming
# under another number of ranks, after a rank was killed, and after SIGUSR1
# loses nothing; a sweep over 2 and 3 ranks equals running the networks one
# by one; commands that run in one process refuse an MPI job of several ranks.
# Usage: test_mpi.sh EISNN_BINARY MPIEXEC FIGURES_DIR
set -u
eisnn=$1
mpiexec=$2
export EISNN_FIGURES_DIR=$3
source "$(dirname "$0")/../cli/cli_lib.sh"

# Open MPI refuses root without these; containers often lack the kernel
# feature (CMA) of its default single-copy transport; 3 ranks on 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
mpi() {
  local n=$1
  shift
  "$mpiexec" -np "$n" --bind-to none "$eisnn" "$@"
}

write_rates "$tmp/rates.h5" 60
tiny_network "$tmp/rates.h5"

# 50 units; batches of 20 trials are 3 groups of 8 lanes (8, 8, 4), so 2
# ranks split them unevenly and 3 ranks take one each.
net=("${tiny_net[@]}" --set "task.cache_dir=\"$tmp/cache\""
  --set training.batch_size=20 --set training.batches_per_epoch=2 --set training.lr=0.02)
train=("${net[@]}" --set training.epochs=6)

# 1. One network: 1 rank, 1 rank with 2 threads, 2 ranks, 3 ranks.
"$eisnn" -q train -j 1 --out "$tmp/one" "${train[@]}" || fail "train, 1 process"
"$eisnn" -q train -j 2 --out "$tmp/threads" "${train[@]}" || fail "train, 2 threads"
mpi 2 -q train -j 1 --out "$tmp/ranks2" "${train[@]}" || fail "train, 2 ranks"
mpi 3 -q train -j 1 --out "$tmp/ranks3" "${train[@]}" || fail "train, 3 ranks"
grep -q "ranks = 2" "$tmp/ranks2/run.toml" || fail "run.toml does not record 2 ranks"
same_run "$tmp/one" "$tmp/threads" "$tmp/ranks2" "$tmp/ranks3" || fail "ranks or threads change the run"

# 2. Stopped after 3 epochs in one process, resumed over 2 ranks.
"$eisnn" -q train -j 1 --out "$tmp/resumed" "${net[@]}" --set training.epochs=3 ||
  fail "train 3 epochs"
mpi 2 -q train -j 1 --resume "$tmp/resumed" --epochs 6 || fail "resume over 2 ranks"
same_run "$tmp/one" "$tmp/resumed" || fail "resuming over 2 ranks changes the run"

# 3. A rank killed mid-run ends the job with a message naming it; the run
#    resumes from its last checkpoint and ends as if never stopped.
long=("${net[@]}" --set training.epochs=300 --set training.checkpoint_every_epochs=1)
"$eisnn" -q train -j 1 --out "$tmp/long-ref" "${long[@]}" || fail "long run"
mpi 2 -q train -j 1 --out "$tmp/killed" "${long[@]}" >"$tmp/killed.log" 2>&1 &
launcher=$!
for _ in $(seq 300); do
  checkpointed "$tmp/killed" 20 && break
  sleep 0.1
done
killed=0
for pid in $(pgrep -f -- "--out $tmp/killed"); do
  # The launcher's command line matches too, but only a rank has a rank number.
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then
    kill -9 "$pid" && killed=1
  fi
done
[ "$killed" = 1 ] || fail "could not find rank 1 to kill"
wait "$launcher"
rc=$?
[ "$rc" != 0 ] || fail "job with a killed rank exited 0"
grep -q "rank 1" "$tmp/killed.log" || fail "no message names the killed rank: $(cat "$tmp/killed.log")"
mpi 2 -q train -j 1 --resume "$tmp/killed" || fail "resume after a killed rank"
same_run "$tmp/long-ref" "$tmp/killed" || fail "the resumed run differs from the uninterrupted one"

# 4. SIGUSR1 (mpirun forwards it; schedulers send it before a time limit):
#    every rank stops with a checkpoint, exit status 130; resuming ends as if
#    never stopped.
mpi 2 -q train -j 1 --out "$tmp/usr1" "${long[@]}" >"$tmp/usr1.log" 2>&1 &
launcher=$!
for _ in $(seq 300); do
  checkpointed "$tmp/usr1" 20 && break
  sleep 0.1
done
pkill -USR1 -f -- "--out $tmp/usr1"
wait "$launcher"
rc=$?
[ "$rc" = 130 ] || fail "SIGUSR1: exit status $rc, not 130: $(cat "$tmp/usr1.log")"
mpi 2 -q train -j 1 --resume "$tmp/usr1" || fail "resume after SIGUSR1"
same_run "$tmp/long-ref" "$tmp/usr1" || fail "the run resumed after SIGUSR1 differs"

# 5. Sweeps: 4 networks one by one, over 2 ranks (2 each), and 2 networks
#    over 3 ranks (a team of 2 ranks trains one of them).
sweep=("${net[@]}" --set training.epochs=4 --quick --jitter 0,3 --repeats 1 -j 1)
"$eisnn" -q reproduce --out "$tmp/sweep1" --conditions main,one-hot --seeds 2 "${sweep[@]}" ||
  fail "sweep, 1 process"
mpi 2 -q reproduce --out "$tmp/sweep2" --conditions main,one-hot --seeds 2 "${sweep[@]}" ||
  fail "sweep, 2 ranks"
mpi 3 -q reproduce --out "$tmp/sweep3" --conditions main,one-hot --seeds 1 "${sweep[@]}" ||
  fail "sweep, 3 ranks"
$python - "$tmp/sweep1" "$tmp/sweep2" "$tmp/sweep3" <<'PY' || fail "sweeps differ"
import json, os, sys, h5py, numpy as np
def load(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
    return {k: v for k, v in out.items() if not k.endswith("seconds")}
ref = sys.argv[1]
for other in sys.argv[2:]:
    summary = json.load(open(f"{other}/reproduce.json"))
    names = [n["name"] for n in summary["networks"]]
    assert all(n["training"] == "trained" for n in summary["networks"]), summary["networks"]
    assert os.path.exists(f"{other}/report/report.html"), other
    for name in names:
        for rel in ("runs/{}/network.h5", "analysis/{}/analysis.h5", "analysis/{}/perturb.h5"):
            a, b = load(f"{ref}/" + rel.format(name)), load(f"{other}/" + rel.format(name))
            differ = [k for k in a if not np.array_equal(a[k], b[k])]
            assert not differ, (other, rel.format(name), differ)
PY

# 6. Commands that run in one process refuse several ranks.
if mpi 2 simulate --out "$tmp/sim" >"$tmp/sim.log" 2>&1; then
  fail "simulate over 2 ranks exited 0"
elif ! grep -q "runs in one process" "$tmp/sim.log"; then
  fail "simulate over 2 ranks: unclear message: $(cat "$tmp/sim.log")"
fi

finish "MPI"
