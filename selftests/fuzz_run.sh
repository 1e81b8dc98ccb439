#!/bin/bash
# Runs one libFuzzer harness for a bounded time; a crash or leak is a failing test.
set -o pipefail
fuzzer=$1 seconds=$2
corpus=$(mktemp -d)
chmod 1777 "$corpus" # a harness may run as nobody
trap 'rm -rf "$corpus"' EXIT
# committed seeds (tools/fuzz/corpus/NAME), read but never written
seeds=$(dirname "$0")/../tools/fuzz/corpus/$(basename "$fuzzer")
[ -d "$seeds" ] || seeds=
if "$fuzzer" -max_total_time="$seconds" -timeout=60 -max_len=4096 -rss_limit_mb=2048 "$corpus" $seeds 2>&1 | tail -5; then
	echo "ok 1 - $(basename "$fuzzer") ran ${seconds}s with no crash"
else
	echo "not ok 1 - $(basename "$fuzzer") found a crash"
	exit 1
fi
