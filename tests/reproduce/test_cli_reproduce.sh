#!/usr/bin/env bash
# eisnn reproduce as a user runs it, on a tiny configuration (50 units, 300 ms
# trials from a synthetic rate file, 8 updates per network): every condition
# trained, analysed, perturbed and reported; every report section and summary
# field present; a second invocation trains nothing; a run without its
# network.h5 is resumed from its checkpoint; bad input gives one clear message.
# Usage: test_cli_reproduce.sh EISNN_BINARY FIGURES_DIR
set -u
eisnn=$1
export EISNN_FIGURES_DIR=$2
source "$(dirname "$0")/../cli/cli_lib.sh"
write_rates "$tmp/rates.h5" 40
tiny_network "$tmp/rates.h5"

sizes=("${tiny_net[@]}" --set training.batch_size=8 --set training.batches_per_epoch=2
  --set training.epochs=4 --set training.lr=0.01 --seeds 1 --jitter 0,1,3 --repeats 2)
tiny=("${sizes[@]}" -j 2)

start=$(date +%s)
"$eisnn" reproduce --out "$tmp/study" --quick "${tiny[@]}" 2>"$tmp/first.log" ||
  { fail "first reproduce: $(tail -5 "$tmp/first.log")"; }
echo "first invocation: $(($(date +%s) - start)) s"
grep -q "starting" "$tmp/first.log" || fail "first invocation logs no network starting"
grep -q "training left" "$tmp/first.log" || fail "no progress line with the time left"

for c in main one-hot no-dale lower-inhibition rate-only; do
  [[ -s "$tmp/study/runs/$c-s1/network.h5" ]] || fail "no trained network for $c"
  for f in analysis.h5 perturb.h5 analysis.txt perturb.txt; do
    [[ -s "$tmp/study/analysis/$c-s1/$f" ]] || fail "missing analysis/$c-s1/$f"
  done
done
for f in reproduce.json config.toml run.toml report/report.html report/summary.json \
  report/stats.json; do
  [[ -s "$tmp/study/$f" ]] || fail "missing $f"
done

# Every report section, every figure embedded, the quick-run notice.
html="$tmp/study/report/report.html"
for section in "<h2>Claims</h2>" "<h2>Task success</h2>" "<h2>This run</h2>" "QUICK RUN" \
  "<h2>Ratios across networks</h2>"; do
  grep -q "$section" "$html" || fail "report.html lacks '$section'"
done
for id in C1 C2 C3 C4 C5 C6; do grep -q "<b>$id</b>" "$html" || fail "claims table lacks $id"; done
for name in training_curves raster rate_violins block_matrices ratios_training input_weights \
  ratios_conditions jitter silencing; do
  grep -q "alt='$name'" "$html" || fail "report.html lacks figure $name"
done

# Every summary field.
$python - "$tmp/study/report/summary.json" <<'PY' || fail "summary.json incomplete"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("reproduce", "claims", "task_success", "networks", "stats", "alpha"):
    assert k in s, k
r = s["reproduce"]
for k in ("format", "mode", "quick", "command", "version", "git_commit", "started", "machine",
          "seeds", "conditions", "settings", "durations_s", "networks"):
    assert k in r, k
assert r["quick"] is True and r["mode"] == "quick" and r["seeds"] == [1], r
for k in ("host", "os", "arch", "cores", "threads_used"):
    assert k in r["machine"], k
for k in ("datasets", "training", "analysis", "report", "total"):
    assert r["durations_s"][k] is not None, k
for k in ("preset", "n_trials", "epochs", "batches_per_epoch", "batch_size",
          "n_updates_per_network", "perturb_j_ms", "perturb_repeats"):
    assert k in r["settings"], k
assert r["settings"]["n_updates_per_network"] == 8, r["settings"]
assert len(r["networks"]) == 5
for n in r["networks"]:
    assert n["training"] == "trained" and n["n_updates"] == 8, n
    for k in ("name", "condition", "seed", "run_dir", "analysis_dir", "start_update", "train_s",
              "analysis_s", "perturb_s", "per_ms_accuracy"):
        assert k in n, k
assert [c["id"] for c in s["claims"]] == ["C1", "C2", "C3", "C4", "C5", "C6"]
for c in s["claims"]:
    for k in ("claim", "measured", "criterion", "verdict", "parts"):
        assert k in c, (c["id"], k)
    assert c["verdict"] in ("holds", "does not hold", "not enough data"), c
# One network per condition: every test across networks lacks data.
assert s["claims"][2]["verdict"] == "not enough data", s["claims"][2]
assert sorted(s["task_success"]) == sorted(
    ["main", "one-hot", "no-dale", "lower-inhibition", "rate-only"]), s["task_success"]
for cond, row in s["task_success"].items():
    assert row["n_networks"] == 1 and row["per_ms_accuracy"]["mean"] is not None, (cond, row)
PY

# Started again: nothing is trained or analysed again.
stamp=$(stat -c %Y "$tmp/study/runs/main-s1/network.h5")
"$eisnn" reproduce --out "$tmp/study" --quick "${tiny[@]}" 2>"$tmp/second.log" ||
  fail "second reproduce: $(tail -5 "$tmp/second.log")"
grep -q "starting\|resuming" "$tmp/second.log" &&
  fail "second invocation trained: $(cat "$tmp/second.log")"
[[ $(grep -c "skipped" "$tmp/second.log") -eq 10 ]] || fail "second invocation skipped not 10 steps"
[[ $(stat -c %Y "$tmp/study/runs/main-s1/network.h5") == "$stamp" ]] || fail "network.h5 rewritten"
$python -c "
import json, sys
r = json.load(open('$tmp/study/report/summary.json'))['reproduce']
assert all(n['training'] == 'skipped' for n in r['networks']), r['networks']
" || fail "summary of the second invocation does not say skipped"

# A network without network.h5 but with its checkpoint is resumed, not restarted.
rm "$tmp/study/runs/no-dale-s1/network.h5"
"$eisnn" reproduce --out "$tmp/study" --quick "${tiny[@]}" 2>"$tmp/third.log" ||
  fail "third reproduce: $(tail -5 "$tmp/third.log")"
grep -q "no-dale-s1: resuming at update 8" "$tmp/third.log" || fail "no-dale-s1 not resumed"
[[ -s "$tmp/study/runs/no-dale-s1/network.h5" ]] || fail "resumed run left no network.h5"

# The last network of the first invocation (rate-only) took over the core of
# the worker that found no network left, if it finished first; trained alone
# on one core it is the same, bit for bit.
"$eisnn" reproduce --out "$tmp/alone" --quick "${sizes[@]}" -j 1 --conditions rate-only \
  2>"$tmp/alone.log" || fail "reproduce of rate-only alone: $(tail -5 "$tmp/alone.log")"
same_run "$tmp/study/runs/rate-only-s1" "$tmp/alone/runs/rate-only-s1" ||
  fail "rate-only-s1 trained side by side differs from rate-only-s1 trained alone"

# Ctrl-C: every network in training checkpoints, exit status 130.
"$eisnn" reproduce --out "$tmp/long" --quick "${tiny[@]}" --set training.epochs=100000 \
  2>"$tmp/long.log" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
[[ $rc -eq 130 ]] ||
  fail "interrupted reproduce: exit $rc, expected 130: $(tail -3 "$tmp/long.log")"
grep -q "run the same command again to resume" "$tmp/long.log" || fail "no resume hint"
[[ -s "$tmp/long/runs/main-s1/checkpoint.h5" ]] || fail "interrupted main-s1 left no checkpoint"
grep -q '"training": "interrupted"' "$tmp/long/reproduce.json" ||
  fail "reproduce.json lacks interrupted"

# Bad input: one clear message, non-zero exit.
expect_error "unknown condition" "condition 'sideways' is unknown" \
  "$eisnn" reproduce --out "$tmp/x" --conditions main,sideways
expect_error "seeds 0" "--seeds 0: must be at least 1" "$eisnn" reproduce --out "$tmp/x" --seeds 0
touch "$tmp/a-file"
expect_error "unwritable folder" "a-file" "$eisnn" reproduce --out "$tmp/a-file/out" --quick
expect_error "other configuration" "another configuration" \
  "$eisnn" reproduce --out "$tmp/study" --quick "${tiny[@]}" --set training.lr=0.02
expect_error "missing report script" "figure script" \
  "$eisnn" reproduce --out "$tmp/y" --scripts "$tmp/nowhere"

finish "reproduce"
