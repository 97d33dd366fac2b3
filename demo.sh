#!/usr/bin/env bash
# The word count demo: validates the examples, runs the random word count
# on two worker processes, and prints the top words and the stats table.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")"
"$build/gale" validate examples/wordcount/*.yaml
out="$build/wordcount-random.tsv"
rm -f "$out"
"$build/gale" local examples/wordcount/random.yaml \
  --set count.output="$out" --stats-json "$build/wordcount-random.json"
echo
echo "top words ($(wc -l < "$out") distinct, in $out):"
sort -t$'\t' -k2,2nr -k1,1 "$out" | head -10 | awk -F'\t' '{printf "  %-12s %s\n", $1, $2}'
