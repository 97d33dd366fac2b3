#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Layers include only downward: base, proto, topology, runtime, components,
# workers, each above the ones before it. components/ and examples/ see
# only the public header (and components/ their own helpers).
set -euo pipefail
cd "$1"
allowed() {
  case $1 in
  base) echo "base" ;;
  proto) echo "base proto" ;;
  topology) echo "base proto topology" ;;
  runtime) echo "base proto topology runtime" ;;
  components) echo "components" ;;
  workers) echo "base proto topology runtime components workers" ;;
  esac
}
bad=0
for layer in base proto topology runtime components workers; do
  ok=$(allowed $layer)
  while IFS=: read -r file line inc; do
    dir=${inc%%/*}
    case " $ok " in *" $dir "*) continue ;; esac
    echo "$file:$line: $layer/ includes $inc"
    bad=1
  done < <(grep -nHoE '#include "[^"]+/[^"]+"' $layer/*.[ch] |
    sed -E 's/#include "([^"]+)"/\1/')
done
for f in examples/*/*.c; do
  if grep -nH '#include "' "$f" | grep -v '#include "gale.h"'; then
    bad=1
  fi
done
[ $bad = 0 ] && echo "every include points down"
exit $bad
