#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine (run as root):
#  1. installs the Debian packages the project needs,
#  2. fetches the source of the *installed* Kamailio from Debian's source packages and
#     configures it exactly as debian/rules does (so our module's version and compile
#     flags match the packaged core; see docs/OPERATIONS.md),
# Nothing is downloaded from anywhere but the machine's configured Debian archive.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
mkdir -p "$build"

packages=(kamailio kamailio-mysql-modules
          kamailio-tls-modules      # SIP over TLS (docs/OPERATIONS.md, "SIP over TLS")
          openssl                   # its command line: the private CA and server certificate
                                    # (scripts/tls-certs.sh), and e2e's TLS checks
          mariadb-server mariadb-client
          libmariadb-dev libevent-dev libxml2-dev libcriterion-dev
          libsofia-sip-ua-dev dpkg-dev pkg-config gcc make
          pidgin-sipe libpurple-dev
          libjansson-dev            # JSON for the admin CLI and the web API
          libmicrohttpd-dev         # pchatd's file service (docs/FILES.md)
          libcurl4-openssl-dev      # client/pchat's /upload and /download (docs/FILES.md)
          libssl-dev                # libcrypto: MD5 for the SIP Digest HA1 of the web sign-in
          nettle-dev                # MD4 for the NT hash pchat-admin user new|set stores for NTLM
                                    # (OpenSSL 3 has MD4 only in its legacy provider), and
                                    # MD5, HMAC-MD5, RC4 and base64 for the NTLM core (common/)
          gss-ntlmssp gss-ntlmssp-dev libkrb5-dev  # tests/unit/test_ntlm_peer.c: an independent
                                    # NTLM client (gss-ntlmssp through MIT GSSAPI)
          libxslt1-dev              # CustomConfiguration: XSLT on the compliance output
          libxml2-utils             # xmllint: the compliance output checked against its schema,
                                    # and the module's DocBook documentation validated
          xsltproc docbook-xsl docbook-xml lynx  # kamailio-module/README from doc/*.xml,
                                    # as Kamailio builds its modules' READMEs (make module-doc)
          chromium chromium-driver  # the web page's browser test (tests/web)
          jq curl                   # the browser test drives ChromeDriver's HTTP API
          clang-14                  # the libFuzzer harnesses (tests/fuzz), and
          libclang-rt-14-dev        # libFuzzer's runtime, which clang-14 only recommends
          gnuplot-nox               # the benchmark curves and dashboard picture (bench/plot.py)
          galera-4 mariadb-backup   # make run-pool's Galera cluster: the provider, and its
          socat iproute2)           # state transfer (wsrep_sst_mariabackup: socat, ss)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's maintainer scripts must not start the system MariaDB or Kamailio:
  # the project runs private instances of both.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Kamailio source of the installed version, configured like debian/rules does.
kver=$(dpkg-query -W -f='${Version}' kamailio)
ksrc="$build/kamailio-src"
if [ ! -f "$ksrc/.configured-$kver" ]; then
  if ! ls /etc/apt/sources.list.d/*.sources 2>/dev/null | xargs -r grep -l '^Types: deb-src' >/dev/null 2>&1 \
     && ! grep -qs '^deb-src ' /etc/apt/sources.list; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        > /etc/apt/sources.list.d/debian-src.sources
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/debian-src.list
    fi
    apt-get update -qq
  fi
  rm -rf "$ksrc" "$build/kamailio-dl"
  mkdir -p "$build/kamailio-dl"
  (cd "$build/kamailio-dl" && apt-get source -qq --download-only "kamailio=$kver" >/dev/null \
     && dpkg-source -x --no-check ./*.dsc "$ksrc" >/dev/null)
  (cd "$ksrc" && make cfg prefix=/usr FLAVOUR=kamailio \
     CC_EXTRA_OPTS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS) -DVERSION_NODATE" \
     LD_EXTRA_OPTS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null)
  touch "$ksrc/.configured-$kver"
fi
echo "setup: ok (kamailio $kver source in $ksrc)"
