#!/usr/bin/env bash
# eisnn analyze, perturb and report as a user runs them: a tiny run made by
# eisnn train on a synthetic rate file, every output file, and clear messages
# with a non-zero exit for bad input.
# Usage: test_cli_analysis.sh EISNN_BINARY FIGURES_DIR
set -u
eisnn=$1
export EISNN_FIGURES_DIR=$2
source "$(dirname "$0")/../cli/cli_lib.sh"
write_rates "$tmp/rates.h5" 40
tiny_network "$tmp/rates.h5"

set_flags=("${tiny_net[@]}" --set training.batch_size=8 --set training.batches_per_epoch=2
  --set training.snapshot_every_epochs=2 --set training.lr=0.01)
"$eisnn" -q train --out "$tmp/run" --epochs 12 "${set_flags[@]}" || fail "eisnn train"

"$eisnn" -q analyze "$tmp/run" --out "$tmp/an" || fail "analyze exit status"
"$eisnn" -q perturb "$tmp/run" --out "$tmp/an" --jitter 0,2 --repeats 2 || fail "perturb exit status"
for f in analysis.h5 analysis.txt perturb.h5 perturb.txt config.toml run.toml; do
  [[ -s "$tmp/an/$f" ]] || fail "missing $f"
done

# Block means and ratios recomputed independently from the stored network and groups.
$python - "$tmp/an/analysis.h5" <<'PY' || fail "block means differ from a NumPy recomputation"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as f:
    for name in f["networks"].attrs["names"].split(","):
        g = f["networks"][name]
        rec, group = g["network/rec"], g["tuning/group"][:]
        n = len(group)
        w = np.zeros((n, n))
        w[rec["pre"][:], rec["post"][:]] = rec["w_mV"][:]
        blocks = np.full((4, 4), np.nan)
        for a in range(4):
            for b in range(4):
                pre, post = np.flatnonzero(group == a), np.flatnonzero(group == b)
                pairs = len(pre) * len(post) - (len(pre) if a == b else 0)
                if pairs:
                    blocks[a, b] = w[np.ix_(pre, post)].sum() / pairs
        assert np.allclose(blocks, g["blocks/mean_mV"][:], equal_nan=True, rtol=1e-9), name
        cross = np.nanmean([blocks[2, 1], blocks[2, 3], blocks[3, 0], blocks[3, 2]])
        within = np.nanmean([blocks[2, 0], blocks[2, 2], blocks[3, 1], blocks[3, 3]])
        assert np.isclose(cross / within, g["blocks"].attrs["i_ratio"], rtol=1e-9), name
PY

"$eisnn" -q report "$tmp/an" --out "$tmp/report" || fail "report exit status"
figures="training_curves raster rate_violins block_matrices ratios_training input_weights
  ratios_conditions jitter silencing"
n=0
for name in $figures; do
  for ext in png svg; do
    [[ -s "$tmp/report/figures/$name.$ext" ]] || fail "missing figure $name.$ext"
  done
  n=$((n + 1))
done
for f in report.html stats.json; do [[ -s "$tmp/report/$f" ]] || fail "missing $f"; done
embedded=$(grep -o "data:image/png;base64" "$tmp/report/report.html" | wc -l)
[[ $embedded -eq $n ]] || fail "report.html embeds $embedded figures, expected $n"
grep -q "src=['\"]http\|src=['\"]figures/" "$tmp/report/report.html" && fail "report.html links outside"

# Several runs below one folder: statistics across networks.
mkdir "$tmp/many"
cp -r "$tmp/an" "$tmp/many/a"
cp -r "$tmp/an" "$tmp/many/b"
"$eisnn" -q report "$tmp/many" --out "$tmp/report2" || fail "report of two runs"
$python - "$tmp/report2/stats.json" <<'PY' || fail "stats.json of two runs"
import json, sys
st = json.load(open(sys.argv[1]))
assert len(st["networks"]) == 2, st["networks"]
c = st["conditions"]["main"]
assert c["trained"]["i_ratio"]["n"] == 2 and c["trained"]["i_ratio"]["sd"] == 0.0, c
assert c["ks_I_blocks_cross_vs_within_trained"]["n"] == [8, 8], c
PY

# Bad input.
mkdir "$tmp/unfinished"
cp "$tmp/run/config.toml" "$tmp/unfinished/"
expect_error "run without network" "network.h5" "$eisnn" analyze "$tmp/unfinished" --out "$tmp/x"
expect_error "one-hot of a 1-output run" "one-hot" "$eisnn" analyze "$tmp/run" --one-hot --out "$tmp/x"
cp -r "$tmp/run" "$tmp/corrupt"
echo "garbage" > "$tmp/corrupt/network.h5"
expect_error "corrupt network.h5" "corrupt/network.h5" "$eisnn" perturb "$tmp/corrupt" --out "$tmp/x"
mkdir "$tmp/bad_an"
echo "garbage" > "$tmp/bad_an/analysis.h5"
expect_error "corrupt analysis.h5" "bad_an/analysis.h5" "$eisnn" report "$tmp/bad_an" --out "$tmp/x"
expect_error "report of an empty folder" "eisnn analyze" "$eisnn" report "$tmp/unfinished" --out "$tmp/x"

finish "CLI analysis"
