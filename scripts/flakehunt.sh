#!/usr/bin/env bash
# Hunts flaky tests: runs the whole suite N times the way scripts/test.sh
# does (go test -race -count=1 ./... with real peers required; no vet, no
# fuzz pass) with a CPU hog beside it (one busy loop per core), keeps each
# run's output, and lists every test that failed at least once with how
# many times. Exits non-zero when any test failed.
#
#   scripts/flakehunt.sh 10                      # ten runs
#   FLAKEHUNT_DIR=/tmp/hunt scripts/flakehunt.sh 3  # where the logs go
#   FLAKEHUNT_HOGS=0 scripts/flakehunt.sh 3      # no hog
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N   (N runs of the whole suite)" >&2
  exit 2
fi

scripts/peers.sh
scripts/samba.sh start >/dev/null
export OOBKIT_REQUIRE_PEERS=1
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

dir="${FLAKEHUNT_DIR:-$(mktemp -d /tmp/oobkit-flakehunt.XXXXXX)}"
mkdir -p "$dir"

hogs=()
stop_hogs() {
  if [ "${#hogs[@]}" -gt 0 ]; then kill "${hogs[@]}" 2>/dev/null || true; fi
  hogs=()
  scripts/samba.sh stop
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for _ in $(seq "${FLAKEHUNT_HOGS:-$(nproc)}"); do
  (while :; do :; done) &
  hogs+=($!)
done
echo "== flakehunt: $runs runs, ${#hogs[@]} busy loops beside them, logs in $dir"

go test -race -count=1 -run '^$' ./... >/dev/null 2>&1 || true # build once, outside the timings

# failures LOG: one "package test" line per failed test of a run's output.
# go test ./... prints each package's output in one piece, ending with its
# "ok"/"FAIL" line; a package that failed with no test named (a crash in
# TestMain, a build failure) is listed as "package (package)"; tests still
# running at a timeout are listed with "(timed out)".
failures() {
  awk '
    /^[ \t]*--- FAIL: / { name = $3; pending[++n] = name; next }
    /^running tests:/ { timeouts = 1; next }
    timeouts && /^\t[A-Za-z_][^ ]* \(/ { sub(/^\t/, ""); sub(/ \(.*/, ""); pending[++n] = $0 " (timed out)"; next }
    { timeouts = 0 }
    /^FAIL\t/ {
      split($0, f, "\t"); pkg = f[2]; sub(/ .*/, "", pkg)
      if (n == 0) print pkg " (package)"
      for (i = 1; i <= n; i++) print pkg " " pending[i]
      n = 0; next
    }
    /^ok  \t/ { n = 0 }
  ' "$1" | sort -u
}

failed_runs=0
for i in $(seq "$runs"); do
  log="$dir/run-$i.log"
  start=$(date +%s)
  if go test -race -count=1 -timeout 20m ./... >"$log" 2>&1; then
    echo "-- run $i/$runs: ok ($(( $(date +%s) - start ))s)"
  else
    failed_runs=$((failed_runs + 1))
    echo "-- run $i/$runs: FAILED ($(( $(date +%s) - start ))s), $log:"
    failures "$log" | sed 's/^/     /'
  fi
  failures "$log" >"$dir/run-$i.failed"
done
stop_hogs

echo "== flakehunt: $failed_runs of $runs runs failed"
if [ "$failed_runs" = 0 ]; then
  exit 0
fi
echo "failed tests (runs failed of $runs):"
cat "$dir"/run-*.failed | sort | uniq -c | sort -rn | awk '{ c = $1; $1 = ""; printf "  %3d  %s\n", c, substr($0, 2) }'
exit 1
