#!/usr/bin/env bash
# The stack's TLS certificates (docs/OPERATIONS.md, "SIP over TLS"), made with the
# openssl command line on the first start and reused afterwards:
#
#   DIR/ca.key, DIR/ca.pem          a private certificate authority (10 years)
#   DIR/server.key, DIR/server.pem  Kamailio's certificate, signed by that CA (2 years),
#                                   for ADDR (an IP address SAN and the CN), localhost
#                                   and this machine's host name (DNS SANs)
#   DIR/cafile.pem                  the CA certificate again, under the name sofia-sip
#                                   clients look for in their certificate directory
#                                   (client/pchat --tls-ca DIR/ca.pem does without it)
#
# DIR is made 0700 and the keys 0600.  The server certificate is made again (by the same
# CA, so clients that trust it need nothing new) when it expires within 30 days or does
# not name ADDR; the CA only when it is missing or expires within 30 days.  An operator
# with a real certificate does not use this script: tls.cfg names her files instead.
#
# usage: scripts/tls-certs.sh DIR ADDR
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 DIR ADDR" >&2
  exit 2
fi
dir=$1
addr=$2
renew_within=$((30 * 24 * 3600))

mkdir -p "$dir"
chmod 0700 "$dir"
cd "$dir"
umask 077

# usable FILE: the certificate exists and stays valid for renew_within seconds more
usable() { [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend "$renew_within" >/dev/null 2>&1; }

if ! usable ca.pem || [ ! -s ca.key ]; then
  rm -f server.pem
  openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/O=pchat/CN=pchat private CA $(hostname)" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca.key -out ca.pem 2>/dev/null
fi

if ! usable server.pem || [ ! -s server.key ] \
  || ! openssl x509 -in server.pem -noout -checkip "$addr" 2>/dev/null | grep -q "does match"; then
  # an address or a host name: the SAN entry's type follows it
  # (an address is a DNS name too: sofia-sip's client, client/pchat's, compares the
  # host it connected to with the DNS names and the CN only)
  if [[ $addr =~ ^[0-9.]+$ || $addr == *:* ]]; then san="IP:$addr,DNS:$addr"; else san="DNS:$addr"; fi
  host=$(hostname)
  ext=$(mktemp)
  trap 'rm -f "$ext" server.csr' EXIT
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=$san,DNS:localhost,DNS:$host" >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=pchat/CN=$addr" \
    -keyout server.key -out server.csr 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 \
    -days 730 -extfile "$ext" -out server.pem 2>/dev/null
fi
cp ca.pem cafile.pem
chmod 0600 ca.key server.key
chmod 0644 ca.pem cafile.pem server.pem
