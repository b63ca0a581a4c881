#!/usr/bin/env bash
# eisnn stimulus / eisnn dataset as a user runs them: outputs on success; on
# bad input a message naming the file and the problem, exit code 2, nothing
# written. Usage: test_cli_task.sh path/to/eisnn
set -u
eisnn="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }

# Skip (CTest code 77) until the commands are registered in app/main.cpp.
"$eisnn" stimulus --help > /dev/null 2>&1 || { echo "eisnn has no stimulus command: skipped"; exit 77; }

# Stimulus: contact sheet, frames and run record.
"$eisnn" stimulus --trial 1 --out "$work/stim" 2> "$work/log"
check "stimulus exit 0" "[ $? -eq 0 ]"
check "contact sheet written" "[ -s '$work/stim/trial-1-sheet.png' ]"
check "run record written" "[ -s '$work/stim/config.toml' ] && [ -s '$work/stim/run.toml' ]"
"$eisnn" stimulus --trial 600 --out "$work/stim600" 2> "$work/log"
check "trial out of range exits 2" "[ $? -eq 2 ]"
check "trial out of range is named" "grep -q 'trial 600 is out of range' '$work/log'"
check "nothing written for a bad trial" "[ ! -e '$work/stim600' ]"

# Dataset from a rate file (fast): a .npy with NaN, labels of the wrong length.
/usr/bin/python3 - "$work" <<'PY' || { echo "no numpy: skipped"; exit 77; }
import sys, numpy as np
w = sys.argv[1]
r = np.full((4, 100, 16), 0.2, np.float32)
np.save(f"{w}/rates.npy", r)
np.save(f"{w}/labels.npy", np.zeros((4, 100), np.uint8))
np.save(f"{w}/short.npy", np.zeros((4, 99), np.uint8))
r[1, 2, 3] = np.nan
np.save(f"{w}/nan.npy", r)
PY
file_args=(--set task.front_end=file --set task.trials_per_movie=2 --set task.labels_file="$work/labels.npy")
"$eisnn" dataset "${file_args[@]}" --set task.rates_file="$work/rates.npy" --out "$work/ok.h5" 2> "$work/log"
check "file dataset exit 0" "[ $? -eq 0 ] && [ -s '$work/ok.h5' ]"
"$eisnn" dataset "${file_args[@]}" --set task.rates_file="$work/nan.npy" --out "$work/nan.h5" 2> "$work/log"
check "NaN rates exit 2" "[ $? -eq 2 ]"
check "NaN rates named" "grep -q 'nan.npy.*NaN' '$work/log'"
check "nothing written for NaN rates" "[ ! -e '$work/nan.h5' ]"
"$eisnn" dataset --set task.front_end=file --set task.trials_per_movie=2 --set task.labels_file="$work/short.npy" \
  --set task.rates_file="$work/rates.npy" --out "$work/short.h5" 2> "$work/log"
check "short labels exit 2" "[ $? -eq 2 ]"
check "short labels named" "grep -q 'short.npy.*does not match' '$work/log'"
"$eisnn" dataset --set task.cnn_weights="$work/missing.h5" --set task.n_trials=10 \
  --set task.cache_dir="$work/cache" --out "$work/w.h5" 2> "$work/log"
check "missing weights exit 2" "[ $? -eq 2 ]"
check "missing weights named" "grep -q 'missing.h5.*does not exist' '$work/log'"
check "nothing written for missing weights" "[ ! -e '$work/w.h5' ] && [ ! -e '$work/cache' ]"
"$eisnn" dataset --set task.coherence_low=1.5 --out "$work/c.h5" 2> "$work/log"
check "coherence 1.5 exits 2" "[ $? -eq 2 ]"
check "coherence 1.5 named" "grep -q 'coherence_low' '$work/log'"

[ $fail -eq 0 ] && echo "cli task tests passed"
exit $fail
