#!/usr/bin/env bash
# make deb: builds the Debian packages (debian/) into build/deb/ and checks them with
# lintian.  Works from a clean clone: scripts/setup.sh (run by make first) prepares the
# Kamailio source tree the module is compiled in; this script installs the packaging
# tools it needs (debhelper, lintian) and builds from a copy of the source tree (its
# tracked and new files), so the development build in the checkout is left alone.
# Output: build/deb/*.deb, build/deb/lintian.txt.  Fails on any lintian error.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/deb"
ksrc="$top/build/kamailio-src"

need=()
for p in debhelper lintian; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "deb: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

version=$(cd "$top" && dpkg-parsechangelog -S Version)
if [ "$version" != "$(cat "$top/VERSION")" ]; then
  echo "deb: debian/changelog is at $version but VERSION says $(cat "$top/VERSION")"; exit 1
fi

rm -rf "$out"
src="$out/pchat-$version"
mkdir -p "$src"
# the source tree as git sees it (tracked and new files, nothing ignored or built)
(cd "$top" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$top" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
  (cd "$top" && tar --null -T - -cf -) | tar -xf - -C "$src"

echo "deb: building pchat $version (Kamailio $(dpkg-query -W -f='${Version}' kamailio))"
# a plain build whatever the calling make had (make test builds with SANITIZE=1)
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE
(cd "$src" && PCHAT_KSRC="$ksrc" dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) || {
  tail -40 "$out/build.log"; echo "deb: dpkg-buildpackage failed (build/deb/build.log)"; exit 1; }
ls "$out"/*.deb | sed "s|^$top/|deb: built |"

# lintian over the .changes (every package); overrides: debian/*.lintian-overrides
lrc=0
lintian --fail-on error --display-info "$out"/pchat_"$version"_*.changes >"$out/lintian.txt" 2>&1 || lrc=$?
sed 's/^/lintian: /' "$out/lintian.txt"
if [ "$lrc" -ne 0 ]; then echo "deb: lintian found errors (build/deb/lintian.txt)"; exit 1; fi
echo "deb: lintian: $(grep -c '^E:' "$out/lintian.txt" || true) errors, $(grep -c '^W:' "$out/lintian.txt" || true) warnings"
