#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gale binary exports exactly the functions include/gale.h declares:
# no internal symbol is visible to component libraries, and none that the
# header promises is missing.
set -euo pipefail
header=$1
binary=$2
declared=$(mktemp)
exported=$(mktemp)
trap 'rm -f "$declared" "$exported"' EXIT

# Every name declared with GALE_EXPORT, whatever its line breaks.
tr '\n' ' ' <"$header" | grep -oE 'GALE_EXPORT [^;{(]*\(' |
  grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\($' | tr -d ' (' |
  grep -v '^_' | sort -u >"$declared"
[ -s "$declared" ] || { echo "no GALE_EXPORT declarations in $header"; exit 1; }

# Every symbol the binary defines in its dynamic table, less what the C
# runtime and the linker put there (names with a leading underscore,
# data_start) and copy-relocated libc data (stdout@GLIBC...).
nm -D --defined-only "$binary" | awk '{print $3}' | grep -v '@' |
  grep -vE '^(_|data_start$)' | sort -u >"$exported"

if ! diff -u "$declared" "$exported"; then
  echo "exports of $binary differ from $header (- declared, + exported)"
  exit 1
fi
echo "$(wc -l <"$declared") functions exported, as gale.h declares"
