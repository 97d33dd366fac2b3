#!/usr/bin/env bash
# The word count demo: validates the examples, then runs the random word
# count and prints the top words and the final stats table.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")"
"$build/gale" validate examples/wordcount/*.yaml
