#!/usr/bin/env bash
# eisnn train as a user meets it: a run killed with SIGKILL at random moments,
# or stopped with Ctrl-C, resumes and ends with the same weights and metrics,
# bit for bit, as a run never stopped; a bad checkpoint or flag gives one line
# of error, a non-zero exit, and leaves the run folder as it was.
# Usage: test_cli_train.sh EISNN_BINARY
set -u
eisnn=$1
source "$(dirname "$0")/cli_lib.sh"

write_rates "$tmp/rates.h5" 60
tiny_network "$tmp/rates.h5"
run=("${tiny_net[@]}" --set "task.cache_dir=\"$tmp/cache\"" --set training.batch_size=20
  --set training.batches_per_epoch=2 --set training.lr=0.02 --set training.epochs=150
  --set training.checkpoint_every_epochs=1 -j 1)

# 1. The reference, never stopped; its duration only spreads the kills below.
started=$(date +%s%N)
"$eisnn" -q train --out "$tmp/ref" "${run[@]}" || fail "uninterrupted run"
run_s=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { print ns / 1e9 }')

# 2. SIGKILL at random moments (during an update, a checkpoint write, the
#    start-up), each time started again as a user would: --resume once the
#    folder holds a checkpoint, else the same --out command.
RANDOM=7
kills=0
for _ in $(seq 40); do
  [[ -f "$tmp/killed/network.h5" ]] && break
  if [[ -f "$tmp/killed/checkpoint.h5" ]]; then
    "$eisnn" -q train --resume "$tmp/killed" -j 1 &
  else
    "$eisnn" -q train --out "$tmp/killed" "${run[@]}" &
  fi
  pid=$!
  sleep "$(awk -v s="$run_s" -v r=$RANDOM 'BEGIN { printf "%.3f", s * 0.3 * r / 32767 }')"
  kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
  wait "$pid" 2>/dev/null
done
[[ -f "$tmp/killed/network.h5" ]] || "$eisnn" -q train --resume "$tmp/killed" -j 1 ||
  fail "resume after the last kill"
[[ $kills -ge 3 ]] || fail "only $kills kills landed in a running process"
same_run "$tmp/ref" "$tmp/killed" || fail "a run killed $kills times differs from the reference"

# 3. Ctrl-C: a checkpoint, exit status 130 and how to go on; resuming ends as
#    if never stopped.
"$eisnn" train --out "$tmp/stopped" "${run[@]}" 2>"$tmp/stopped.log" &
pid=$!
for _ in $(seq 300); do
  checkpointed "$tmp/stopped" 20 && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
rc=$?
[[ $rc = 130 ]] || fail "Ctrl-C: exit status $rc, not 130"
grep -q -- "--resume $tmp/stopped" "$tmp/stopped.log" || fail "Ctrl-C: no word on how to resume"
"$eisnn" -q train --resume "$tmp/stopped" -j 1 || fail "resume after Ctrl-C"
same_run "$tmp/ref" "$tmp/stopped" || fail "the run resumed after Ctrl-C differs"

# 4. Bad input: one line of error naming the problem, and every file of the
#    folders involved as it was.
cp -r "$tmp/ref" "$tmp/bad"
mkdir "$tmp/empty"
fingerprint() { (cd "$tmp" && find ref bad empty -type f -print0 | sort -z | xargs -0 md5sum); }
corrupt() {  # corrupt PYTHON_STATEMENT: bad/checkpoint.h5 = ref's, changed by the statement on f
  cp "$tmp/ref/checkpoint.h5" "$tmp/bad/checkpoint.h5"
  $python -c "import h5py, numpy as np; f = h5py.File('$tmp/bad/checkpoint.h5', 'a'); $1"
}
expect_one_error() {  # as expect_error, with exactly one line of output
  expect_error "$@"
  [[ $(grep -c . "$tmp/out.txt") = 1 ]] || fail "$1: not one line: $(cat "$tmp/out.txt")"
}

corrupt "f.attrs['next_update'] = 7"
expect_one_error "update count" "next_update = 7" "$eisnn" -q train --resume "$tmp/bad"
corrupt "f['adam/rec'].attrs['step'] = 3"
expect_one_error "Adam steps" "Adam state" "$eisnn" -q train --resume "$tmp/bad"
corrupt "del f['adam/in/v']"
expect_one_error "missing Adam state" "/adam/in/v" "$eisnn" -q train --resume "$tmp/bad"
corrupt "f['network/rec/post'][3] = 5000"
expect_one_error "synapse out of range" "post index 5000" "$eisnn" -q train --resume "$tmp/bad"
head -c 3000 "$tmp/ref/checkpoint.h5" >"$tmp/bad/checkpoint.h5"
expect_one_error "truncated checkpoint" "bad/checkpoint.h5" "$eisnn" -q train --resume "$tmp/bad"
expect_one_error "grad from a truncated checkpoint" "bad/checkpoint.h5" \
  "$eisnn" -q grad --checkpoint "$tmp/bad" --trials 0 --out "$tmp/g.h5"
cp "$tmp/ref/checkpoint.h5" "$tmp/bad/checkpoint.h5"
before=$(fingerprint)

expect_one_error "fewer epochs than done" "--epochs of at least 150" \
  "$eisnn" -q train --resume "$tmp/bad" --epochs 100
expect_one_error "no checkpoint" "holds no checkpoint.h5" "$eisnn" -q train --resume "$tmp/empty"
expect_one_error "no folder" "does not exist" "$eisnn" -q train --resume "$tmp/nowhere"
expect_one_error "new keys on resume" "--resume continues" \
  "$eisnn" -q train --resume "$tmp/bad" --set training.lr=0.1
expect_one_error "new run over a checkpoint" "already holds a checkpoint" \
  "$eisnn" -q train --out "$tmp/bad" "${run[@]}"
expect_one_error "neither --out nor --resume" "exactly one of" "$eisnn" -q train
expect_one_error "unknown condition" "no-such" "$eisnn" -q train --out "$tmp/bad" --condition no-such
expect_one_error "zero epochs" "--epochs" "$eisnn" -q train --resume "$tmp/bad" --epochs 0
expect_one_error "grad, trial out of range" "--trials lists 99" \
  "$eisnn" -q grad --checkpoint "$tmp/bad" --trials 1,99 --out "$tmp/g.h5"
[[ "$(fingerprint)" = "$before" ]] || fail "a refused command changed a run folder"
[[ ! -e "$tmp/g.h5" ]] || fail "a refused grad wrote its file"

finish "train"
