#!/usr/bin/env bash
# Installs what is missing, builds eisnn and runs its main job: for now, a
# simulation of the study's default network (30 trials x 4080 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target eisnn
./build/app/eisnn simulate --out out/simulate
echo
echo "outputs: $(pwd)/out/simulate/{network.h5, spikes.h5, config.toml, run.toml}"
echo "layout:  docs/file-formats.md"
