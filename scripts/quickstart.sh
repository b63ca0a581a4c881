#!/usr/bin/env bash
# Installs what is missing, builds eisnn and runs its main job: a quick
# reproduction of the study (every condition and every step, small enough for
# minutes on a laptop), ending with the report.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target eisnn
./build/app/eisnn reproduce --out out/study --quick
echo
echo "report:  $(pwd)/out/study/report/report.html"
echo "summary: $(pwd)/out/study/report/summary.json"
