#!/usr/bin/env bash
# Installs the Debian 12 packages eisnn needs to build, test, benchmark and draw
# figures. Safe to run again: packages already present are left as they are.
set -euo pipefail

packages=(
  cmake g++ make pkg-config git
  libhdf5-dev            # every data file
  libtomlplusplus-dev    # configuration
  libcli11-dev           # command line
  libspdlog-dev libfmt-dev  # logging
  libgtest-dev libgmock-dev  # tests
  libbenchmark-dev       # benchmarks
  libpng-dev zlib1g-dev  # stimulus frames (eisnn stimulus), .npz rate files
  libopenmpi-dev openmpi-bin  # multi-process training and sweeps
  python3 python3-numpy python3-h5py python3-matplotlib python3-scipy  # figures, analysis checks
  python3-torch          # independent gradient check and speed reference
  libopenblas0-pthread   # an optimised BLAS for that reference (and numpy)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
