#!/usr/bin/env bash
# The benchmark suite in its quick form, as a smoke test: it runs, and its
# results are valid JSON with a row per case. It asserts no speed.
set -euo pipefail
src=$1 build=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$src/bench/run" --quick --no-build --build-dir "$build" \
  --out "$out/results.json" --markdown "$out/report.md" > "$out/stdout"
python3 - "$out/results.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
text = json.dumps(doc)
for case in ("wordcount-noack", "wordcount-ack", "ceiling"):
    assert case in text, f"no {case} in the results"
print("bench smoke: valid JSON,", len(text), "bytes")
PY
grep -q '|' "$out/report.md"
