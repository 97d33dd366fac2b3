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
# The text cases take turns (add_interleaved): each has its row, in the
# order of the suite, and the paired ratios reach the report.
rows = [(r["case"], r["variant"]) for r in doc["rows"]
        if r["case"].startswith("text-")]
want = [(c, "output=%s workers=%d" % (o, w))
        for c in ("text-ack", "text-noack") for o in ("on", "off")
        for w in (1, 2)]
want += [("text-pending1", "output=on workers=%d" % w) for w in (1, 2)]
assert rows == want, f"text rows {rows}"
for r in doc["rows"]:
    if r["case"].startswith("text-"):
        assert r["status"] == "ok", f"{r['case']} {r['variant']}: {r}"
        assert r["interleaved"] is True
        assert r["metrics"]["words"]["runs"], r
print("bench smoke: valid JSON,", len(text), "bytes")
PY
grep -q '| output on / off |' "$out/report.md"
