#!/usr/bin/env bash
# The benchmark harness (issue 4). Not part of CI: it takes minutes and its figures are
# recorded in BENCHMARKS.md. Needs hyperfine (apt-get install -y hyperfine) and ripgrep
# (cargo install ripgrep). Corpora are generated under target/bench (never in git).
#
#   bench/run.sh            # everything; results in target/bench/results.md
#   PAGES=20000 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${BENCH_DIR:-$ROOT/target/bench}
PAGES=${PAGES:-20000}
SMALL=$((PAGES / 10))
TINY=200
RUNS=${RUNS:-5}
mkdir -p "$OUT"
for tool in hyperfine rg python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done
cargo build --release -q -p monolint-cli -p monolint-bench
B=$ROOT/target/release
ML=$B/monolint
cd "$OUT"

corpus() { # NAME PAGES
  [ -d "$1" ] || "$B/gen-corpus" pages "$1" --pages "$2" --seed 1 >/dev/null
}
corpus big "$PAGES"; corpus small "$SMALL"; corpus tiny "$TINY"
"$B/gen-corpus" patterns patterns-unicode.txt
"$B/gen-corpus" patterns patterns-ascii.txt --ascii
# a 10 KB page: two generated pages end to end, cut at 10,240 bytes on a line end
cat big/section-0000/page-00000{0,1}.* | head -c 10240 | sed '$d' > page-10k.md
mkdir -p reg10 reg10000
"$B/gen-corpus" registry reg10/gen.yaml --count 10 --seed 3
"$B/gen-corpus" registry reg10000/gen.yaml --count 10000 --seed 3
for r in reg10 reg10000; do printf 'compounds: [gen.yaml]\n' > $r/monolint.yaml; done
bytes() { du -sb --apparent-size "$1" | cut -f1; }
BIG=$(bytes big); SMALLB=$(bytes small); TINYB=$(bytes tiny)

# the host's own speed, at the start and at the end: a fixed CPU loop (median of three),
# alone and as two copies at once (the slower copy), so that a run whose machine slowed
# down under it, or did not give it two whole cores, says so (a shared host's speed has
# been seen to drift by 2x within an hour)
LOOP='import statistics as s, time
def once():
    t = time.perf_counter(); sum(range(10_000_000)); return time.perf_counter() - t
print(round(1000 * s.median(once() for _ in range(3))))'
probe() {
  local one a b
  one=$(python3 -c "$LOOP")
  python3 -c "$LOOP" > probe-a.txt & python3 -c "$LOOP" > probe-b.txt; wait
  a=$(cat probe-a.txt); b=$(cat probe-b.txt)
  echo "$one/$(( a > b ? a : b ))"
}
PROBE_START=$(probe)

H="hyperfine -N --warmup 1 --runs $RUNS --export-json"
CHECK="$ML check --format json --no-cache"

echo "== throughput: $PAGES pages ($BIG bytes), monolint vs ripgrep (ASCII \\b)"
$H throughput.json -i \
  -n monolint "$CHECK big" \
  -n rg-ascii "rg -c -i -f patterns-ascii.txt big"
echo "== the same $TINY pages ($TINYB bytes) with ripgrep's Unicode \\b too (one run: it is slow)"
hyperfine -N --runs 1 --export-json unicode.json -i \
  -n monolint "$CHECK tiny" \
  -n rg-ascii "rg -c -i -f patterns-ascii.txt tiny" \
  -n rg-unicode "rg -c -i -f patterns-unicode.txt tiny"
echo "== threads"
$H threads.json -i -n t1 "$CHECK --threads 1 big" -n t2 "$CHECK --threads 2 big"
echo "== size: $SMALL vs $PAGES pages"
$H linear.json -i -n small "$CHECK small" -n big "$CHECK big"
echo "== one 10 KB page, start to exit; pack load (monolint rules)"
hyperfine -N --warmup 5 --runs 50 --export-json page.json -i \
  -n page "$CHECK page-10k.md" -n load "$ML rules"
echo "== registry: 10 vs 10,000 generated compounds (on top of the default registry)"
# a fifth of a second a run, and a ratio near its target: five times the runs, so that
# one run slowed by the shared machine does not move the median
hyperfine -N --warmup 3 --runs $((RUNS * 5)) --export-json registry.json -i \
  -n reg10 "$ML check --format json --no-cache --config reg10/monolint.yaml small" \
  -n reg10000 "$ML check --format json --no-cache --config reg10000/monolint.yaml small"
echo "== cache: cold vs warm ($PAGES pages)"
$H cache.json -i --prepare "rm -rf cache" -n cold "$ML check --format json --cache-dir cache big"
$ML check --format json --cache-dir cache big >/dev/null || true
$H cache-warm.json -i -n warm "$ML check --format json --cache-dir cache big"
echo "== the three ratios again, the commands in alternation (bench/interleave.py)"
IL="python3 $ROOT/bench/interleave.py"
$IL --runs $((RUNS * 3)) --json il-throughput.json \
  -n monolint "$CHECK big" -n rg-ascii "rg -c -i -f patterns-ascii.txt big"
$IL --runs $((RUNS * 2)) --json il-threads.json \
  -n t1 "$CHECK --threads 1 big" -n t2 "$CHECK --threads 2 big"
$IL --runs $((RUNS * 8)) --json il-registry.json \
  -n reg10 "$CHECK --config reg10/monolint.yaml small" \
  -n reg10000 "$CHECK --config reg10000/monolint.yaml small"
echo "== peak memory"
mem() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F': ' '/Maximum resident/ {print $2}'; }
MEM_SMALL=$(mem $CHECK small); MEM_BIG=$(mem $CHECK big)
PROBE_END=$(probe)

python3 - "$BIG" "$SMALLB" "$TINYB" "$MEM_SMALL" "$MEM_BIG" "$PAGES" "$SMALL" "$PROBE_START" "$PROBE_END" <<'PY' | tee results.md
import json, sys
big, small, tiny, mem_s, mem_b, pages, spages = map(int, sys.argv[1:8])
(p0, q0), (p1, q1) = (map(int, p.split("/")) for p in sys.argv[8:10])
def med(f, name):
    for r in json.load(open(f))["results"]:
        if r["command"] == name:
            return r["median"]
    raise SystemExit(f"{name} missing in {f}")
mbs = lambda b, s: b / s / 1e6
ml, rga = med("throughput.json", "monolint"), med("throughput.json", "rg-ascii")
tml, tra, tru = (med("unicode.json", n) for n in ("monolint", "rg-ascii", "rg-unicode"))
t1, t2 = med("threads.json", "t1"), med("threads.json", "t2")
ls, lb = med("linear.json", "small"), med("linear.json", "big")
page, load = med("page.json", "page"), med("page.json", "load")
r10, r10k = med("registry.json", "reg10"), med("registry.json", "reg10000")
cold, warm = med("cache.json", "cold"), med("cache-warm.json", "warm")
rows = [
 (f"throughput, {pages} pages ({big/1e6:.1f} MB)", f"monolint {ml:.3f} s = {mbs(big, ml):.1f} MB/s; rg ASCII {rga:.3f} s = {mbs(big, rga):.1f} MB/s", f"monolint/rg-ASCII throughput = {rga/ml:.3f}x", ">= 150 MB/s and >= 0.5x rg ASCII"),
 (f"{200} pages ({tiny/1e6:.2f} MB), 1 run each", f"monolint {tml:.3f} s = {mbs(tiny, tml):.1f} MB/s; rg ASCII {tra:.3f} s = {mbs(tiny, tra):.1f} MB/s; rg Unicode {tru:.2f} s = {mbs(tiny, tru):.2f} MB/s", f"vs rg ASCII {tra/tml:.2f}x, vs rg Unicode {tru/tml:.0f}x", "-"),
 ("threads", f"1: {t1:.3f} s, 2: {t2:.3f} s", f"speed-up {t1/t2:.3f}x", ">= 1.8x"),
 (f"size {spages} vs {pages} pages", f"{ls:.3f} s vs {lb:.3f} s", f"time ratio {lb/ls:.2f} for {big/small:.2f}x the bytes", "linear"),
 ("one 10 KB page", f"{page*1000:.1f} ms (pack load alone, `monolint rules`: {load*1000:.1f} ms)", "", "<= 10 ms"),
 ("registry 10 vs 10,000 compounds", f"{r10:.3f} s vs {r10k:.3f} s", f"{r10k/r10:.3f}x", "<= 1.2x"),
 ("cache", f"cold {cold:.3f} s, warm {warm:.3f} s", f"warm = {100*warm/cold:.1f}% of cold", "<= 10%"),
 ("peak memory (RSS)", f"{spages} pages: {mem_s/1024:.1f} MB, {pages} pages: {mem_b/1024:.1f} MB", f"{100*(mem_b-mem_s)/mem_s:+.1f}%", "<= 64 MB, within 10%"),
]
il_ml, il_rg = med("il-throughput.json", "monolint"), med("il-throughput.json", "rg-ascii")
il_t1, il_t2 = med("il-threads.json", "t1"), med("il-threads.json", "t2")
il_r10, il_r10k = med("il-registry.json", "reg10"), med("il-registry.json", "reg10000")
rows += [
 ("throughput, interleaved", f"monolint {il_ml:.3f} s; rg ASCII {il_rg:.3f} s", f"{il_rg/il_ml:.3f}x", ">= 0.5x rg ASCII"),
 ("threads, interleaved", f"1: {il_t1:.3f} s, 2: {il_t2:.3f} s", f"speed-up {il_t1/il_t2:.3f}x", ">= 1.8x"),
 ("registry, interleaved", f"{il_r10:.3f} s vs {il_r10k:.3f} s", f"{il_r10k/il_r10:.3f}x", "<= 1.2x"),
 ("host speed (a fixed CPU loop)", f"alone {p0} ms at the start, {p1} ms at the end; two at once (the slower) {q0} and {q1} ms", f"drift {100*(p1-p0)/p0:+.0f}%; two at once {q0/p0:.2f}x and {q1/p1:.2f}x alone", "- (a steady host with two cores: near 0%, near 1.00x)"),
]
print("| measure | figures (medians) | ratio | target |\n|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
