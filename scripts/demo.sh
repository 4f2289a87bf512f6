#!/usr/bin/env bash
# The main job on sample input, from a clean clone: set-up (idempotent), make the
# synthetic sample clips (a GT set and three methods, each wrong in one known way), then
# evaluate them all with the 8 metrics and print the GT-normalised leaderboard.
# Outputs (results.jsonl, per-metric CSVs, aggregate.csv, summary.json) go to sample-out/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
node bin/theval.js samples --out sample >/dev/null
node bin/theval.js leaderboard --gt sample/gt sample/static_mouth sample/shifted_audio sample/still_head --out sample-out "$@"
