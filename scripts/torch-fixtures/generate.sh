#!/usr/bin/env bash
# Regenerates the PyTorch reference fixtures. Only this script needs torch; the tests read the
# committed JSON. Set PYTHON to pick an interpreter; otherwise the first of python3 on PATH and
# /usr/bin/python3 (Debian's python3-torch) that can import torch is used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# No __pycache__ beside the scripts: nothing to ignore or commit by mistake.
export PYTHONDONTWRITEBYTECODE=1
for py in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$py" -c 'import torch' >/dev/null 2>&1; then
    exec "$py" "$here/generate.py" "$@"
  fi
done
echo "fixtures:torch: no python3 with torch found (set PYTHON=/path/to/python3)" >&2
exit 1
