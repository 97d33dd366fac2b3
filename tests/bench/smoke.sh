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

# --against: another binary (here the same one) runs the text cases too,
# taking turns; its rows are marked and the built one's get a ratio to them.
"$src/bench/run" --quick --no-build --build-dir "$build" --cases text-noack \
  --against "$build/gale" --out "$out/against.json" > "$out/against.md"
python3 - "$out/against.json" "$out/against.md" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
rows = [(r["case"], r["variant"]) for r in doc["rows"]
        if r["case"].startswith("text-")]
want = [("text-noack", "output=%s workers=%d%s" % (o, w, b))
        for o in ("on", "off") for w in (1, 2)
        for b in ("", " build=against")]
assert rows == want, f"text rows {rows}"
for r in doc["rows"]:
    if r["case"].startswith("text-"):
        assert r["status"] == "ok", f"{r['case']} {r['variant']}: {r}"
table = open(sys.argv[2]).read()
assert "| / against |" in table, table
# A row of the built binary has a ratio in the last column; one of the
# other binary has none. (raw_words_per_sec: a quick run may be too short
# for the corrected rate.)
built = [l for l in table.splitlines() if l.startswith(
    "| text-noack | output=on workers=1 | raw_words_per_sec")]
other = [l for l in table.splitlines() if l.startswith(
    "| text-noack | output=on workers=1 build=against | raw_words_per_sec")]
assert len(built) == 1 and len(other) == 1, table
assert re.search(r"\| [0-9.]+ \|$", built[0]), built[0]
assert other[0].endswith("|  |"), other[0]
print("bench smoke: --against rows and ratios")
PY
