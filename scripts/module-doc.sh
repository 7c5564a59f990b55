#!/usr/bin/env bash
# Builds the pchat module's README from its DocBook documentation exactly as Kamailio
# builds its own modules' READMEs: with Kamailio's doc/docbook/Makefile.module, run
# on the module's doc/Makefile (the same three lines as every Kamailio module's):
# "make check" validates the document (xmllint, after XInclude), then "make README"
# turns it into XHTML with Kamailio's readme.xsl over the DocBook XSL stylesheets
# (xsltproc) and dumps that to text (lynx).  Nothing is fetched from the network
# (--nonet): the DocBook DTD and stylesheets come from the system catalog
# (/etc/xml/catalog: Debian's docbook-xml and docbook-xsl).
#
#   scripts/module-doc.sh [DOC_DIR [OUT]]
#
# DOC_DIR (default kamailio-module/doc) holds Makefile, pchat.xml and pchat_admin.xml;
# OUT (default kamailio-module/README, the committed copy) receives the README.
# The documents name Kamailio's entities as its modules do
# (../../../../doc/docbook/entities.xml), so they are built from a copy placed as
# src/modules/pchat/doc of a scratch tree whose doc/ and src/Makefile.* are those of
# the Kamailio source tree scripts/setup.sh prepares (build/kamailio-src).
# Exit status: 0 written, 1 invalid document or failed conversion (OUT untouched).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=${KSRC:-$top/build/kamailio-src}
doc_dir=${1:-$top/kamailio-module/doc}
out=${2:-$top/kamailio-module/README}

for f in "$ksrc/doc/docbook/Makefile.module" "$ksrc/src/Makefile.targets"; do
  [ -f "$f" ] || { echo "module-doc: $f is missing (run make setup)" >&2; exit 1; }
done
scratch=$(mktemp -d "${TMPDIR:-/tmp}/pchat-doc.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src/modules/pchat/doc"
ln -s "$ksrc/doc" "$scratch/doc"
ln -s "$ksrc/src/Makefile.targets" "$ksrc/src/Makefile.dirs" "$scratch/src/"
cp "$doc_dir"/Makefile "$doc_dir"/*.xml "$scratch/src/modules/pchat/doc/"

# xmllint: --nofixup-base-uris, or the included chapter gets an xml:base attribute
# DocBook 4 does not declare.  SHELL with pipefail: the README recipe pipes xsltproc
# into lynx, and a failed xsltproc must fail it.  C.UTF-8: the text as Kamailio's
# READMEs have it (UTF-8), whatever the caller's locale.
if ! LC_ALL=C.UTF-8 make -s --no-print-directory -C "$scratch/src/modules/pchat/doc" \
     check README \
     xmllint_flags="--nonet --xinclude --nofixup-base-uris --postvalid --noout" \
     xsltproc_flags=--nonet SHELL=/bin/bash .SHELLFLAGS="-o pipefail -c" >&2; then
  echo "module-doc: building the README from $doc_dir failed (above; after XInclude," \
       "xmllint names pchat.xml for the lines of pchat_admin.xml too)" >&2
  exit 1
fi
cp "$scratch/src/modules/pchat/README" "$out"
