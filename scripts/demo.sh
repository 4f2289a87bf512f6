#!/usr/bin/env bash
# The main job on sample input, from a clean clone: set-up (idempotent), make the
# synthetic sample clips, then run theval on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
node bin/theval.js samples --out sample >/dev/null
node bin/theval.js probe sample/*/*.mp4
