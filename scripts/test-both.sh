#!/usr/bin/env bash
# The whole suite, twice: on embedded PGlite and on PostgreSQL (each test file makes its own scratch
# database and drops it). Extra arguments go to vitest, e.g. `npm test -- test/foundation.test.ts`.
set -uo pipefail
cd "$(dirname "$0")/.."
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
# The project's Node (package.json's `node` dependency) first, as npm does for `npm test`, so the script runs
# the suite on it when started directly too.
export PATH="$PWD/node_modules/.bin:$PATH"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
echo "== Node $(node --version)"
bash scripts/system-tools.sh

echo "== type check (tsc --noEmit)"
npx tsc --noEmit || { echo "type check failed"; exit 1; }

if ! node -e "const c=new (require('pg').Client)(process.env.TEST_POSTGRES_URL);c.connect().then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})"; then
  echo "PostgreSQL is not reachable at $TEST_POSTGRES_URL: start it (see README) or set TEST_POSTGRES_URL." >&2
  exit 1
fi

status=0
for engine in pglite postgres; do
  echo "== vitest on $engine"
  TEST_DATABASE=$engine npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$engine.json" "$@" || status=1
done

node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const f of fs.readdirSync(process.argv[1])) {
  const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0); skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`Both databases: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$reports" || status=1
exit $status
