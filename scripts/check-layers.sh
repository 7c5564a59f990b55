#!/usr/bin/env bash
# Layering check for pchatd: lower layers never call higher ones (backend/README.md, "Layers").
#
#   scripts/check-layers.sh [MAP [OBJECT...]]   check OBJECTs (default: the *.o beside MAP)
#                                               against MAP (default: backend/layers.txt)
#   scripts/check-layers.sh --self-test         prove the check catches a violation
#
# An object (or a member of a static library the map lists) that references (nm -u) a
# symbol defined (nm --defined-only, global) by an object of a HIGHER layer is reported:
#
#   LAYER VIOLATION: sessions.o (sessions) -> commands_restore defined in commands.o (commands)
#
# then a count. Exit status 1 for violations, 2 for a broken map (a listed object that
# does not exist, an object in no layer...), 0 when clean. The map's format is described
# in backend/layers.txt. Run it after make build (make lint does both).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
py="$here/check_layers.py"

self_test() {
	local tmp fails=0 out rc
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	CC=${CC:-cc}
	# low.o calls high_fn and reads high_var; high.o calls low_fn (allowed);
	# helper() is static in both, so neither sees the other's.
	cat >"$tmp/low.c" <<-'EOF'
		#ifndef NO_CALL
		extern int high_fn(void);
		#endif
		static int helper(void) { return 1; }
		int low_fn(void)
		{
		#ifdef DATA_REF
			extern int high_data, high_bss;
			extern const int high_rodata;
			return high_data + high_bss + high_rodata;
		#elif !defined(NO_CALL)
			return high_fn() + helper();
		#else
			return helper();
		#endif
		}
	EOF
	cat >"$tmp/high.c" <<-'EOF'
		extern int low_fn(void);
		static int helper(void) { return 2; }
		int high_fn(void) { return low_fn() + helper(); }
		int high_data = 1, high_bss;
		const int high_rodata = 3;
	EOF
	mkdir "$tmp/lib" "$tmp/nocall" "$tmp/data"
	"$CC" -c -o "$tmp/low.o" "$tmp/low.c"
	"$CC" -c -o "$tmp/high.o" "$tmp/high.c"
	"$CC" -c -DNO_CALL -o "$tmp/nocall/low.o" "$tmp/low.c"
	cp "$tmp/high.o" "$tmp/nocall/high.o"
	"$CC" -c -DDATA_REF -o "$tmp/data/low.o" "$tmp/low.c"
	cp "$tmp/high.o" "$tmp/data/high.o"
	# the same low object as a member of a static library, for the .a form of an entry
	ar rcs "$tmp/lib/liblow.a" "$tmp/low.o"
	cp "$tmp/high.o" "$tmp/lib/high.o"

	# check NAME EXPECTED_RC EXPECTED_VIOLATIONS MAP_TEXT MAP_DIR [OBJECT...]
	check() {
		local name=$1 want_rc=$2 want=$3 map=$4 dir=$5
		shift 5
		printf '%s\n' "$map" >"$dir/layers.txt"
		rc=0
		out=$(python3 "$py" "$dir/layers.txt" "$@") || rc=$?
		local got count
		got=$(grep '^LAYER VIOLATION' <<<"$out" || true)
		count=$(grep -c . <<<"$want" || true)
		if [ "$rc" != "$want_rc" ] || [ "$got" != "$want" ] ||
			! grep -q "^$count layer violations\?," <<<"$out"; then
			echo "self-test FAILED: $name: exit $rc (want $want_rc), output:"
			sed 's/^/    /' <<<"$out"
			fails=$((fails + 1))
		else
			echo "self-test ok: $name (exit $rc)"
		fi
	}
	local v_low='LAYER VIOLATION: low.o (low) -> high_fn defined in high.o (high)'
	local v_high='LAYER VIOLATION: high.o (low) -> low_fn defined in low.o (high)'
	check "low calls high" 1 "$v_low" $'# a comment\nlow: low\nhigh: high' "$tmp"
	check "layers swapped" 1 "$v_high" $'low: high\nhigh: low.o' "$tmp"
	check "call removed" 0 "" $'low: low\nhigh: high' "$tmp/nocall"
	check "data references" 1 "$(printf '%s\n' \
		'LAYER VIOLATION: low.o (low) -> high_bss defined in high.o (high)' \
		'LAYER VIOLATION: low.o (low) -> high_data defined in high.o (high)' \
		'LAYER VIOLATION: low.o (low) -> high_rodata defined in high.o (high)')" \
		$'low: low\nhigh: high' "$tmp/data"
	check "same layer" 0 "" 'all: low high' "$tmp"
	check "glob entry" 1 "$v_low" $'low: l*\nhigh: h?gh' "$tmp"
	check "static library entry" 1 \
		'LAYER VIOLATION: liblow.a(low.o) (low) -> high_fn defined in high.o (high)' \
		$'low: nosuch|liblow.a\nhigh: high' "$tmp/lib"
	check "listed object missing" 2 "$v_low" $'low: low nosuch\nhigh: high' "$tmp"
	check "object in no layer" 2 "" 'low: low' "$tmp" "$tmp/low.o" "$tmp/high.o"
	check "explicit objects" 0 "" $'low: low\nhigh: high' "$tmp/nocall" "$tmp/nocall/low.o" \
		"$tmp/nocall/high.o"
	if [ "$fails" -ne 0 ]; then
		echo "check-layers self-test: $fails case(s) failed"
		return 1
	fi
	echo "check-layers self-test: all cases passed"
}

if [ "${1:-}" = "--self-test" ]; then
	self_test
	exit
fi
if [ $# -eq 0 ]; then
	set -- "$top/backend/layers.txt"
fi
exec python3 "$py" "$@"
