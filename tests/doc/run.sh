#!/usr/bin/env bash
# make doc-test: the Kamailio module's documentation (kamailio-module/doc/*.xml) against
# its code and its committed README.  About 3 seconds.
#   1. the README is built from the XML (scripts/module-doc.sh: DocBook validation,
#      xsltproc, lynx) and must be the committed kamailio-module/README;
#   2. check_module_doc.py: every modparam, script function, KEMI function, RPC command
#      and statistic of kamailio-module/*.c has its section, with the parameter's type
#      and default, and the documentation names nothing the code lacks;
#   3. the checks can fail: on altered copies of the XML (a parameter's section removed,
#      also no longer matching the committed README; a statistic the code does not
#      have; a wrong default; an element DocBook does not allow) each must fail,
#      saying what is wrong.
# Every step runs; the exit status is 1 if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
doc="$top/kamailio-module/doc"
check=(python3 "$top/tests/doc/check_module_doc.py" "$top/kamailio-module")
work=$(mktemp -d "${TMPDIR:-/tmp}/pchat-doc-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0

ok() { echo "doc-test: ok: $*"; }
fail() {
  echo "doc-test: FAIL: $*"
  fails=$((fails + 1))
}

# 1. README generation, and the committed README up to date
if "$top/scripts/module-doc.sh" "$doc" "$work/README"; then
  if cmp -s "$work/README" "$top/kamailio-module/README"; then
    ok "README built from the XML, and it is the committed kamailio-module/README"
  else
    fail "kamailio-module/README is not what doc/*.xml gives: run make module-doc and commit it"
    diff -u "$top/kamailio-module/README" "$work/README" | head -40
  fi
else
  fail "the README could not be built from $doc"
fi

# 2. code and documentation in sync
if "${check[@]}" "$doc"; then
  ok "code and documentation name the same exports"
else
  fail "code and documentation differ (above)"
fi

# 3. each alteration must be caught.  mutant NAME SED-SCRIPT: a copy of the XML
# altered by SED-SCRIPT (applied to pchat_admin.xml) in $work/NAME.
mutant() {
  mkdir -p "$work/$1"
  cp "$doc"/Makefile "$doc"/*.xml "$work/$1/"
  sed -i "$2" "$work/$1/pchat_admin.xml"
  cmp -s "$doc/pchat_admin.xml" "$work/$1/pchat_admin.xml" && echo "doc-test: $1: sed changed nothing"
}
# expect_failure WHAT PATTERN COMMAND...: COMMAND must exit 1 and print PATTERN.
expect_failure() {
  local what=$1 pattern=$2 out rc=0
  shift 2
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -eq 1 ] && grep -q -- "$pattern" <<<"$out"; then
    ok "$what: caught: $(grep -m1 -- "$pattern" <<<"$out")"
  else
    fail "$what: expected exit 1 and \"$pattern\", got exit $rc:"
    head -20 <<<"$out"
  fi
}

mutant no-param '/<section id="pchat.p.max_body">/,/<\/section>/d'
expect_failure "a modparam without its section" "undocumented modparam max_body" \
  "${check[@]}" "$work/no-param"

# the README of an edited XML is not the committed one (what step 1 would report)
if "$top/scripts/module-doc.sh" "$work/no-param" "$work/no-param/README" 2>/dev/null &&
  ! cmp -s "$work/no-param/README" "$top/kamailio-module/README"; then
  ok "an XML edit not carried into the README: caught (the README differs)"
else
  fail "the README built from the edited XML should differ from the committed one"
fi

mutant stale-stat 's|<section id="pchat.s.pending">|<section id="pchat.s.gone"><title>gone</title></section>\n&|'
expect_failure "a statistic the code lacks" "stale documentation: statistic gone" \
  "${check[@]}" "$work/stale-stat"

mutant wrong-default '/<section id="pchat.p.retry_after">/,/<\/section>/s|<literal>5</literal>|<literal>7</literal>|'
expect_failure "a wrong default" "retry_after: the default is 5 in the code, 7" \
  "${check[@]}" "$work/wrong-default"

mutant invalid '0,/<para>/s|<para>|<para><bogus/>|'
expect_failure "an element DocBook does not allow" "bogus" \
  "$top/scripts/module-doc.sh" "$work/invalid" "$work/invalid/README"
[ -e "$work/invalid/README" ] && fail "module-doc.sh wrote a README from an invalid document"

if [ "$fails" -ne 0 ]; then
  echo "doc-test: $fails check(s) failed"
  exit 1
fi
echo "doc-test: all passed"
