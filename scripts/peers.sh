#!/usr/bin/env bash
# Installs the real peers the tests talk to (Debian packages) when any is
# missing, and stops the system daemons those packages start. Called by
# scripts/test.sh and scripts/flakehunt.sh; safe to run again.
set -euo pipefail

PEER_PACKAGES=(openipmi ipmitool freeipmi-tools snmpd snmptrapd snmp amtterm wsl uuid-runtime python3-pyghmi python3-winrm vncsnapshot chromium samba-ad-dc samba-ad-provision samba-dsdb-modules krb5-user ldap-utils)
PEER_BINARIES=(ipmi_sim ipmitool ipmi-pet ipmi-sel ipmi-fru ipmi-sensors snmpd snmptrapd snmpget snmptrap amtterm wsl uuidgen fakebmc vncsnapshot chromium samba samba-tool kinit kvno ldapmodify)

missing=0
for b in "${PEER_BINARIES[@]}"; do
  if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then missing=1; fi
done
# pyghmi is a Python module: Debian's /usr/bin/python3 must import it (a pyenv python3 on PATH would not).
/usr/bin/python3 -c 'import pyghmi.ipmi.bmc, winrm' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  echo "== installing real peers: ${PEER_PACKAGES[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${PEER_PACKAGES[@]}" >/dev/null
fi
# snmpd/snmptrapd packages start system daemons on 161/162; our tests use
# their own loopback high ports, so the system ones are not needed.
# The same for Samba's daemons: our domain controller is scripts/samba.sh's,
# on 127.0.0.88 in a private folder.
for svc in snmpd snmptrapd samba-ad-dc smbd nmbd winbind; do
  (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || true
done

# noVNC for the browser-console test (redirect/kvmbridge, headless Chromium):
# npm @novnc/novnc into the git-ignored node_modules/ at the repository root.
cd "$(dirname "$0")/.."
if [ ! -f node_modules/@novnc/novnc/core/rfb.js ]; then
  scripts/novnc.sh
fi
