#!/bin/bash
# ML-KEM-768 and sntrup761 are constant-time in their secrets: under valgrind's memcheck
# with every secret marked undefined (selftests/ct/pq_ct.c), no branch and no memory index
# may depend on one. The check proves it can fail: a deliberate secret branch is reported.
. "$(dirname "$0")/../interop/lib.sh"
CT=$TOP/$BUILD/selftests/ct/pq_ct

vg() { valgrind -q --error-exitcode=99 --exit-on-first-error=no "$@"; }

clean_run() {
	local out rc
	out=$(vg "$CT" 2>&1); rc=$?
	[ "$rc" -eq 0 ] && grep -q 'ran on secret inputs' <<<"$out" && ! grep -q '==[0-9]*==' <<<"$out" ||
		{ echo "$out" | head -40 | sed 's/^/# /'; return 1; }
}
check "no branch or index on a secret in ML-KEM-768 or sntrup761 (valgrind memcheck)" clean_run

leak_seen() {
	local out
	out=$(vg "$CT" --leak 2>&1)
	[ $? -eq 99 ] && grep -q 'Conditional jump or move depends on uninitialised value' <<<"$out"
}
check "the check catches a deliberate branch on a secret" leak_seen

done_testing
