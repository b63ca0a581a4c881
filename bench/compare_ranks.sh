#!/usr/bin/env bash
# One training update of the default network (N 300, 30 trials x 4080 ms)
# as 1 rank of 1 thread, 2 MPI ranks of 1 thread each, and 1 rank of 2
# threads, in alternating rounds of one run so that the machine's noise falls
# on all three alike. Prints the median per update of each, the speed-up over
# 1 rank of 1 thread, the scaling efficiency (speed-up / 2) and the bytes
# rank 0 received per update. Target: 2 ranks at least 1.8x faster.
# Usage: bench/compare_ranks.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
rounds="${2:-5}"
bench="$build/bench/bench_ranks"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none

# Seconds per update and bytes per update of one run, as "s bytes".
measure() {
  "$@" --benchmark_format=json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
b = json.load(sys.stdin)["benchmarks"][0]
print(b["real_time"] / 1e3, b["bytes_per_update"])'
}

declare -A times bytes
for round in $(seq "$rounds"); do
  read -r s b < <(OMP_NUM_THREADS=1 measure "$bench" --benchmark_filter='threads:1/')
  times[one]+="$s "; bytes[one]=$b
  read -r s b < <(OMP_NUM_THREADS=1 measure mpirun -np 2 --bind-to core "$bench" \
    --benchmark_filter='threads:1/')
  times[ranks]+="$s "; bytes[ranks]=$b
  read -r s b < <(measure "$bench" --benchmark_filter='threads:2/')
  times[threads]+="$s "; bytes[threads]=$b
  echo "round $round/$rounds done" >&2
done

/usr/bin/python3 - "${times[one]}" "${times[ranks]}" "${times[threads]}" "${bytes[ranks]}" \
  "$rounds" <<'PY'
import statistics, sys
one, ranks, threads = (statistics.median(map(float, a.split())) for a in sys.argv[1:4])
print(f"median of {sys.argv[5]} rounds (3 updates each), seconds per update:")
print(f"  1 rank  x 1 thread : {one:.3f} s")
print(f"  2 ranks x 1 thread : {ranks:.3f} s  speed-up {one / ranks:.2f}x, "
      f"efficiency {one / ranks / 2:.0%}, {float(sys.argv[4]) / 1e6:.2f} MB received per update")
print(f"  1 rank  x 2 threads: {threads:.3f} s  speed-up {one / threads:.2f}x")
PY
