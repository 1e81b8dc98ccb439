#!/bin/bash
# The manual pages: mandoc -Tlint finds nothing in any of them, and every option each
# program's getopt string accepts is in its manual's synopsis and in its usage text.
. "$(dirname "$0")/lib.sh"
MAN=$TOP/packaging/man

for page in "$MAN"/*.[158]; do
	check "mandoc -Tlint: $(basename "$page") is clean" bash -c "out=\$(mandoc -Tlint -Wwarning '$page' 2>&1) && [ -z \"\$out\" ] ||
		{ echo \"\$out\" | sed 's/^/# /'; exit 1; }"
done

# PROGRAM SOURCE PAGE: the letters of its getopt string against .Fl in the page and the usage text
documented() {
	local prog=$1 src=$2 page=$3 opts letters missing="" usage
	opts=$(grep -o 'getopt[_a-z]*(argc, argv, "[^"]*"' "$TOP/$src" | head -1 | sed 's/.*"\(.*\)"/\1/')
	letters=$(echo "$opts" | tr -d '+:' | fold -w1)
	usage=$("$TOP/$BUILD/$prog" -h 2>&1)
	for l in $letters; do
		[ "$l" = h ] && continue
		grep -Eq "^\.(Op |It |Nm .*)?Fl [A-Za-z]*$l|Fl $l( |$)|Fl [A-Za-z]*$l " "$MAN/$page" || missing="$missing $l(man)"
		grep -Eq -- "-[A-Za-z]*$l" <<<"$usage" || missing="$missing $l(usage)"
	done
	[ -n "$letters" ] && [ -z "$missing" ] || { echo "# $prog getopt '$opts': missing$missing"; return 1; }
}
check "ksshd's options are all in ksshd(8) and its usage" documented ksshd userspace/sshd/main.c ksshd.8
check "kssh's options are all in kssh(1) and its usage" documented kssh userspace/ssh/main.c kssh.1
check "ksftp's options are all in ksftp(1) and its usage" documented ksftp userspace/sftp/ksftp.c ksftp.1
check "kscp's options are all in kscp(1) and its usage" documented kscp userspace/scp/kscp.c kscp.1
check "ksftp-server's options are all in ksftp-server(8) and its usage" documented ksftp-server userspace/sftp/sftp_server_main.c ksftp-server.8

check "make install puts the manuals in place" bash -c "make -s -C '$TOP' BUILD='$BUILD' install DESTDIR='$TEST_TMP/d' PREFIX=/usr >/dev/null 2>&1 &&
	for m in man1/kssh.1 man1/ksftp.1 man1/kscp.1 man1/kssh-bench.1 man5/kssh.conf.5 man8/ksshd.8 man8/ksshctl.8 man8/ksftp-server.8; do
		[ -f '$TEST_TMP/d/usr/share/man/'\$m ] || exit 1; done"

done_testing
