#!/bin/sh
# debian-root.sh SUITE DIR [PACKAGES]: a minimal Debian root (debootstrap
# --variant=minbase) of SUITE in DIR with PACKAGES (comma-separated), built
# once and reused: DIR/.complete marks a finished root. The mirror is the
# machine's own: the first Debian archive its apt sources name.
set -eu

suite=$1 dir=$2 packages=${3:-}

[ -e "$dir/.complete" ] && exit 0

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	# deb822 sources (URIs: ...) first, then one-line sources (deb URL SUITE ...)
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
fi
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }')
fi
if [ -z "$mirror" ]; then
	echo "debian-root: no Debian mirror in this machine's apt sources" >&2
	exit 1
fi
command -v debootstrap >/dev/null || { echo "debian-root: debootstrap is not installed (make deps)" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
echo "debian-root: building a $suite root in $dir from $mirror" >&2
debootstrap --variant=minbase ${packages:+--include="$packages"} "$suite" "$dir" "$mirror" \
	>"$dir.log" 2>&1 || { echo "debian-root: debootstrap failed; log: $dir.log" >&2; tail -5 "$dir.log" >&2; exit 1; }
touch "$dir/.complete"
