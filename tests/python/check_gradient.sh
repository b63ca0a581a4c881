#!/usr/bin/env bash
# Writes a gradient file with grad_case and checks it with the PyTorch reference.
# Usage: check_gradient.sh GRAD_CASE OUT.h5 [section.key=value ...]
set -euo pipefail
grad_case="$1"
out="$2"
shift 2
"$grad_case" "$out" "$@"
exec /usr/bin/python3 "$(dirname "$0")/test_gradient.py" --require-activity "$out"
