#!/usr/bin/env bash
# Time and peak memory of monolint on each pathological document (see pathological.py).
#   bench/pathological.sh [SCALE]      # SCALE 1 = full size (the default)
#   MAX=200000000 bench/pathological.sh 0.1   # raise max_file_size to lint what the
#                                             # default 8 MiB limit refuses
# Records nothing by itself: copy the table into BENCHMARKS.md with the date.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1}
dir=target/pathological-$scale
python3 bench/pathological.py "$dir" --scale "$scale" > /dev/null
cargo build -q --release -p monolint-cli
bin=target/release/monolint
config=()
if [ -n "${MAX:-}" ]; then
  printf 'max_file_size: %s\n' "$MAX" > "$dir.yaml"
  config=(--config "$dir.yaml")
fi
printf '| document | bytes | seconds | peak RSS (MB) | exit | findings / note |\n|---|---|---|---|---|---|\n'
for f in "$dir"/*.*; do
  size=$(stat -c %s "$f")
 /usr/bin/time -f '%e %M' -o /tmp/pathological.time "$bin" check --no-cache "${config[@]}" --format json "$f" > /tmp/pathological.json 2>/tmp/pathological.err && code=0 || code=$?
  read -r secs kb < <(tail -1 /tmp/pathological.time)
  note=$(python3 -c "import json,sys; d=json.load(open('/tmp/pathological.json')); r=[x['rule'] for x in d['diagnostics']]; print(len(r), 'findings', ('io/too-large' if 'io/too-large' in r else ''))" 2>/dev/null || head -c 80 /tmp/pathological.err)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$(basename "$f")" "$size" "$secs" "$((kb / 1024))" "$code" "$note"
done
