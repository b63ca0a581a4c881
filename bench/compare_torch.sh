#!/usr/bin/env bash
# One training update of the default network (N 300, 30 trials x 4080 ms),
# eisnn against a PyTorch implementation of the same model and update
# (bench/torch_update.py), side by side in one run and with the same thread
# counts. Prints the medians and the ratio for each thread count.
# Usage: bench/compare_torch.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
repeats="${2:-3}"
for threads in 1 2; do
  eisnn_s=$("$build/bench/bench_training" \
    --benchmark_filter="BM_TrainingUpdate/N:300/T:4080/threads:$threads/" \
    --benchmark_repetitions="$repeats" --benchmark_min_time=1 --benchmark_format=json 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["benchmarks"]; print([b["real_time"]/1e3 for b in r if b.get("aggregate_name")=="median"][0])')
  torch_json=$(OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_update.py --threads "$threads" \
    --repeats "$repeats" 2>/dev/null | tail -n 1)
  torch_s=$(echo "$torch_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["median_s"])')
  blas=$(echo "$torch_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("blas",""))')
  /usr/bin/python3 -c "print(f'threads $threads: eisnn {float($eisnn_s):.3f} s, torch {float($torch_s):.2f} s per update (median of $repeats; torch BLAS: $blas): eisnn {float($torch_s)/float($eisnn_s):.1f}x faster')"
done
