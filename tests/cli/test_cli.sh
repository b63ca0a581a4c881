#!/usr/bin/env bash
# The eisnn program as a user meets it: bad input gives one clear message and a
# non-zero exit, and never damages what an earlier run wrote.
set -u
eisnn="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

check() {  # check NAME EXPECTED_TEXT COMMAND...: must fail, stderr must contain the text
  local name="$1" text="$2"
  shift 2
  if "$@" >"$work/out" 2>"$work/err"; then
    echo "FAIL $name: exited 0"; failures=$((failures + 1)); return
  fi
  if ! grep -qF -- "$text" "$work/err"; then
    echo "FAIL $name: message lacks '$text':"; cat "$work/err"; failures=$((failures + 1)); return
  fi
  if [ "$(grep -c . "$work/err")" -ne 1 ]; then
    echo "FAIL $name: expected one line of error, got:"; cat "$work/err"; failures=$((failures + 1)); return
  fi
  passed=$((passed + 1))
}

small=(--set simulation.n_trials=2 --set simulation.duration_ms=200)

# A good run first: its files must survive every failing run below.
"$eisnn" -q simulate "${small[@]}" --out "$work/good" || { echo "FAIL good run"; exit 1; }
for f in network.h5 spikes.h5 config.toml run.toml; do
  [ -s "$work/good/$f" ] || { echo "FAIL good run did not write $f"; failures=$((failures + 1)); }
done
before=$(cd "$work/good" && md5sum network.h5 spikes.h5 config.toml run.toml)

printf '[neuron]\ntau_mm = 3\n' >"$work/unknown.toml"
check unknown-key "neuron.tau_mm" "$eisnn" simulate -c "$work/unknown.toml" --out "$work/good"
printf '[neuron]\ntau_m_ms = -20\n' >"$work/negative.toml"
check negative-tau "must be > 0" "$eisnn" simulate -c "$work/negative.toml" --out "$work/good"
printf '[connectivity]\np_EI = 1.2\n' >"$work/prob.toml"
check probability "connectivity.p_EI = 1.2" "$eisnn" simulate -c "$work/prob.toml" --out "$work/good"
printf '[connectivity]\nn_out_from_e = 500\n' >"$work/targets.toml"
check too-many-targets "exceeds network.n_e" "$eisnn" simulate -c "$work/targets.toml" --out "$work/good"
check bad-override "simulation.n_trials" "$eisnn" simulate --set simulation.n_trials=zero --out "$work/good"
touch "$work/a-file"
check unwritable-out "output folder" "$eisnn" simulate "${small[@]}" --out "$work/a-file/sub"
printf 'x' >"$work/rates.h5"
check corrupt-rates "rates.h5" "$eisnn" simulate "${small[@]}" --set "simulation.rates_file=\"$work/rates.h5\"" --out "$work/good"

after=$(cd "$work/good" && md5sum network.h5 spikes.h5 config.toml run.toml)
if [ "$before" != "$after" ]; then echo "FAIL earlier outputs changed"; failures=$((failures + 1)); fi
if ls "$work/good" | grep -q tmp; then echo "FAIL temporary files left"; failures=$((failures + 1)); fi

# h5py reads what simulate wrote, with the documented layout.
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 - "$work/good" <<'PY' || failures=$((failures + 1))
import sys, h5py, numpy as np
d = sys.argv[1]
with h5py.File(d + "/spikes.h5") as f:
    start = f["spikes/trial_start"][:]
    assert start.shape == (3,), start.shape
    t, u = f["spikes/time_ms"][:], f["spikes/unit"][:]
    assert len(t) == start[-1] and t.max() < 200 and u.max() < 300
    assert f["output/y"].shape == (2, 200, 1)
with h5py.File(d + "/network.h5") as f:
    assert f["network"].attrs["n_e"] == 240
    assert len(f["network/rec/w_mV"]) == 16620
PY
  passed=$((passed + 1))
fi

echo "cli: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
