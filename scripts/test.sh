#!/usr/bin/env bash
# The whole test suite, from a clean clone: set-up (idempotent), type check, vitest.
# Extra arguments go to vitest (e.g. scripts/test.sh test/decode.test.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
echo "theval test: type check" >&2
npx tsc -p tsconfig.json --noEmit
report=$(mktemp -t theval-vitest-XXXXXX.json)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line for CI readers: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A file that fails outside its tests (a hook, an import) fails none of its tests: count it.
  const broken = (r.testResults ?? []).filter((f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed")).length;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + broken} failed, ${skipped} skipped`);
' "$report" || true
rm -f "$report"
exit $status
