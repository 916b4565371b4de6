#!/usr/bin/env bash
# The project's test command. It installs the real peers the tests talk to
# (Debian packages), then runs go vet, the whole test suite under the race
# detector with real peers required, and a short pass of every fuzz target.
#
#   scripts/test.sh              # everything
#   FUZZTIME=2s scripts/test.sh  # shorter fuzz pass
#   SKIP_FUZZ=1 scripts/test.sh  # no fuzz pass
set -euo pipefail
cd "$(dirname "$0")/.."

PEER_PACKAGES=(openipmi ipmitool freeipmi-tools snmpd snmptrapd snmp amtterm wsl uuid-runtime python3-pyghmi python3-winrm vncsnapshot)
PEER_BINARIES=(ipmi_sim ipmitool ipmi-pet ipmi-sel ipmi-fru ipmi-sensors snmpd snmptrapd snmpget snmptrap amtterm wsl uuidgen fakebmc vncsnapshot)

missing=0
for b in "${PEER_BINARIES[@]}"; do
  if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then missing=1; fi
done
# pyghmi is a Python module: Debian's /usr/bin/python3 must import it (a pyenv python3 on PATH would not).
/usr/bin/python3 -c 'import pyghmi.ipmi.bmc' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  echo "== installing real peers: ${PEER_PACKAGES[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${PEER_PACKAGES[@]}" >/dev/null
fi
# snmpd/snmptrapd packages start system daemons on 161/162; our tests use
# their own loopback high ports, so the system ones are not needed.
for svc in snmpd snmptrapd; do
  (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || true
done

export OOBKIT_REQUIRE_PEERS=1
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 20m ./...

if [ "${SKIP_FUZZ:-}" != 1 ]; then
  FUZZTIME="${FUZZTIME:-4s}"
  echo "== fuzz pass (${FUZZTIME} per target)"
  for pkg in $(go list ./...); do
    for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
      echo "-- $pkg $target"
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/oobkit-fuzz.log 2>&1 || {
        cat /tmp/oobkit-fuzz.log; echo "FUZZ FAILED: $pkg $target"; exit 1; }
    done
  done
fi
echo "== all tests passed"
