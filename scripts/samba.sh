#!/usr/bin/env bash
# A real Active Directory domain controller for the tests (issue 22): Debian's
# Samba AD DC, provisioned into a private folder and listening on 127.0.0.88
# only (KDC 88, LDAP 389, LDAPS 636). Nothing system-wide changes: no
# /etc/krb5.conf, no /etc/samba/smb.conf, no address added to lo (Linux routes
# all of 127/8 to lo and Samba binds 127.0.0.88 when told "127.0.0.88/8").
#
#   scripts/samba.sh start   # provision (first time) and start; prints the folder
#   scripts/samba.sh stop    # stop and remove the folder
#   scripts/samba.sh status  # exit 0 when the DC answers
#
# The folder is $OOBKIT_SAMBA_DIR (default /tmp/oobkit-samba). It holds
# dc.json, which package internal/sambatest reads: realm, addresses, the
# administrator's password (made up at provision time, random per run), the
# LDAPS CA certificate and a krb5.conf for the realm.
set -euo pipefail

DIR="${OOBKIT_SAMBA_DIR:-/tmp/oobkit-samba}"
IP=127.0.0.88
REALM=OOBKIT.TEST
DOMAIN=OOBKIT
DNSDOMAIN=oobkit.test
HOST=dc1

answers() {
  # The KDC (88) and LDAPS (636) both accept a TCP connection.
  (exec 3<>"/dev/tcp/$IP/88") 2>/dev/null && (exec 3<>"/dev/tcp/$IP/636") 2>/dev/null
}

stop() {
  if [ -f "$DIR/run/samba.pid" ]; then
    pid=$(cat "$DIR/run/samba.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}

provision() {
  rm -rf "$DIR"
  mkdir -p "$DIR/run" "$DIR/tls"
  chmod 700 "$DIR"
  # A random administrator password that meets AD complexity rules.
  pass="Oob-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')-K1t"
  samba-tool domain provision --realm="$REALM" --domain="$DOMAIN" --server-role=dc \
    --dns-backend=NONE --adminpass="$pass" --host-name="$HOST" --host-ip="$IP" \
    --targetdir="$DIR" --use-rfc2307 \
    --option="interfaces = $IP/8" --option="bind interfaces only = yes" \
    --option="server services = ldap, cldap, kdc" \
    --option="pid directory = $DIR/run" \
    --option="log file = $DIR/samba.log" \
    --option="tls enabled = yes" \
    --option="tls keyfile = $DIR/tls/key.pem" \
    --option="tls certfile = $DIR/tls/cert.pem" \
    --option="tls cafile = $DIR/tls/ca.pem" >"$DIR/provision.log" 2>&1

  # Our own CA and a server certificate naming the DC by name and address,
  # so clients verify it as they would a real DC (no "skip verify").
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=oobkit test AD CA" \
    -keyout "$DIR/tls/ca.key" -out "$DIR/tls/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST.$DNSDOMAIN" \
    -keyout "$DIR/tls/key.pem" -out "$DIR/tls/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:%s.%s,IP:%s\nextendedKeyUsage=serverAuth\n' "$HOST" "$DNSDOMAIN" "$IP" >"$DIR/tls/ext.cnf"
  openssl x509 -req -in "$DIR/tls/server.csr" -CA "$DIR/tls/ca.pem" -CAkey "$DIR/tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$DIR/tls/ext.cnf" -out "$DIR/tls/cert.pem" >/dev/null 2>&1
  rm -f "$DIR/tls/ca.key" "$DIR/tls/server.csr"
  chmod 600 "$DIR/tls/key.pem"

  # Tests change their own users' passwords right after creating them: no
  # minimum age in this private domain (a test that needs one sets a
  # password settings object on its own group). Nothing expires during a run.
  samba-tool domain passwordsettings set -s "$DIR/etc/smb.conf" \
    --min-pwd-age=0 --max-pwd-age=0 >>"$DIR/provision.log" 2>&1

  cat >"$DIR/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
[realms]
	$REALM = {
		kdc = $IP
		admin_server = $IP
		kpasswd_server = $IP
	}
[domain_realm]
	.$DNSDOMAIN = $REALM
	$DNSDOMAIN = $REALM
EOF

  cat >"$DIR/dc.json" <<EOF
{
  "realm": "$REALM",
  "domain": "$DOMAIN",
  "host": "$HOST.$DNSDOMAIN",
  "ip": "$IP",
  "kdc": "$IP:88",
  "ldap": "$IP:389",
  "ldaps": "$IP:636",
  "baseDN": "DC=${DNSDOMAIN//./,DC=}",
  "adminUser": "Administrator",
  "adminPassword": "$pass",
  "caFile": "$DIR/tls/ca.pem",
  "krb5Conf": "$DIR/krb5.conf",
  "smbConf": "$DIR/etc/smb.conf"
}
EOF
  chmod 600 "$DIR/dc.json"
}

start() {
  if [ -f "$DIR/dc.json" ] && answers; then
    echo "$DIR"
    return 0
  fi
  stop
  provision
  samba -s "$DIR/etc/smb.conf" -D
  for _ in $(seq 1 300); do
    if answers; then
      echo "$DIR"
      return 0
    fi
    sleep 0.1
  done
  echo "samba did not start; see $DIR/samba.log" >&2
  tail -20 "$DIR/samba.log" >&2 || true
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) [ -f "$DIR/dc.json" ] && answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
