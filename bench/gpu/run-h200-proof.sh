#!/usr/bin/env bash
# The GPU proof of nightshift's CUDA path, for a machine with one NVIDIA GPU, the CUDA toolkit (nvcc, ncu,
# compute-sanitizer, cuBLAS) and no Node.js. It runs a kit exported by `npx tsx bench/gpu/export-kit.ts KIT`:
#   1. builds every variant with the pipeline's own commands, the host harness and compare program with gcc
#   2. measures the device's ceilings: cudaMemcpy device-to-device bandwidth, cuBLAS SGEMM
#   3. checks theoretical occupancy against cudaOccupancyMaxActiveBlocksPerMultiprocessor (probe kernels)
#   4. sweeps both examples through the full protocol: run (verify + time), then the compare program
#   5. runs the deliberately broken variants and the sanitizers (memcheck, racecheck) on cheats and controls
#   6. reads achieved occupancy with ncu for the baselines and the best variants
# Raw evidence goes to RESULTS (default $OUT, else KIT/results); `npx tsx bench/gpu/summarize.ts RESULTS` turns it
# into typed results and the tables in docs/. Prints a short table last. Meant to finish in under 8 minutes.
#
# usage: run-h200-proof.sh KIT_DIR [RESULTS_DIR]
set -uo pipefail

KIT=$(cd "${1:?usage: run-h200-proof.sh KIT_DIR [RESULTS_DIR]}" && pwd)
RES=${2:-${OUT:-$KIT/results}}
mkdir -p "$RES/variants"
RES=$(cd "$RES" && pwd)
export PATH="/usr/local/cuda/bin:$PATH"
export NVCC="${NVCC:-nvcc}"
JOBS=$(nproc 2>/dev/null || echo 4)
VARIANT_LIMIT_S=${VARIANT_LIMIT_S:-120}
T0=$(date +%s)
log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$RES/driver.log"; }

# ---- 0. what machine this is ----
{
  date -u
  nvidia-smi 2>&1 || echo "nvidia-smi unavailable"
  "$NVCC" --version 2>&1
  command -v ncu && ncu --version 2>&1 | tail -1
  command -v compute-sanitizer && compute-sanitizer --version 2>&1 | tail -1
  nproc
} > "$RES/env.txt" 2>&1
cp "$KIT/manifest.tsv" "$KIT/kit.json" "$RES/" 2>/dev/null

# ---- 1. builds ----
log "building tools"
TOOLS="$RES/tools"
mkdir -p "$TOOLS"
gcc -O2 -o "$TOOLS/sample-stats" "$KIT/tools/sample-stats.c"
"$NVCC" -arch=sm_90 -O2 -o "$TOOLS/d2d-bandwidth" "$KIT/tools/d2d-bandwidth.cu" > "$TOOLS/d2d-build.log" 2>&1 &
"$NVCC" -arch=sm_90 -O2 -o "$TOOLS/occupancy-probe" "$KIT/tools/occupancy-probe.cu" > "$TOOLS/probe-build.log" 2>&1 &
"$NVCC" -arch=sm_90 -O2 -o "$TOOLS/cublas-sgemm" "$KIT/tools/cublas-sgemm.cu" -lcublas > "$TOOLS/cublas-build.log" 2>&1 &
for ex in "$KIT"/examples/*/; do sh "$ex/build.sh"; done
for ex in "$KIT"/examples/*/; do grep -q '^ok' "$ex/build.status" || { log "example $(basename "$ex") failed to build:"; cat "$ex"/build_*.log; exit 1; }; done
log "building $(ls -d "$KIT"/variants/*/ | wc -l) variants on $JOBS cores"
ls -d "$KIT"/variants/*/ | xargs -P "$JOBS" -I{} sh {}build.sh
wait
log "builds done: $(grep -l '^ok' "$KIT"/variants/*/build.status | wc -l) ok, $(grep -L '^ok' "$KIT"/variants/*/build.status | wc -l) failed"

# ---- 2. ceilings ----
log "device-to-device copy bandwidth"
"$TOOLS/d2d-bandwidth" 2048 30 > "$RES/d2d.tsv" 2> "$RES/d2d.err" || log "d2d-bandwidth failed: $(tail -1 "$RES/d2d.err")"
if [ -x "$TOOLS/cublas-sgemm" ]; then
  log "cuBLAS SGEMM"
  "$TOOLS/cublas-sgemm" 2048 2048 2048 30 > "$RES/cublas.tsv" 2> "$RES/cublas.err" || log "cublas-sgemm failed: $(tail -1 "$RES/cublas.err")"
else
  log "cuBLAS SGEMM skipped: $(tail -2 "$TOOLS/cublas-build.log")"
fi

# ---- 3. occupancy model against the driver ----
log "theoretical occupancy against cudaOccupancyMaxActiveBlocksPerMultiprocessor"
"$TOOLS/occupancy-probe" "$KIT/tools/occupancy-expected.tsv" > "$RES/occupancy.tsv" 2> "$RES/occupancy.err"
echo "exit $?" >> "$RES/occupancy.err"

# ---- 4 and 5. the protocol on every variant ----
random_seed() { echo $(( ( (RANDOM << 16) ^ (RANDOM << 1) ^ RANDOM ) % 2147483646 + 1 )); }

run_variant() { # id -> runs variant_bin in its directory, keeps the evidence
  local id=$1 d="$KIT/variants/$1" r="$RES/variants/$1"
  mkdir -p "$r"
  cp "$d/meta.json" "$d/build.status" "$d/nm.txt" "$d"/*.log "$r/" 2>/dev/null
  grep -q '^ok' "$d/build.status" || return 1
  local seed; seed=$(random_seed)
  echo "$seed" > "$r/seed"
  (
    cd "$d" || exit 1
    rm -f c*_*.bin timed_*.bin samples.bin wall_samples.bin harness.json progress.log
    local t0 t1
    t0=$(date +%s%N)
    timeout -s KILL "$VARIANT_LIMIT_S" ./variant_bin "$seed" < /dev/null > "$r/stdout.txt" 2> "$r/stderr.txt"
    echo $? > "$r/run.rc"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) > "$r/wall_us"
    cp harness.json progress.log samples.bin wall_samples.bin "$r/" 2>/dev/null
  )
  return 0
}

compare_variant() { # id example -> the compare program from its own directory, then the dumps go
  local id=$1 ex=$2 d="$KIT/variants/$1" r="$RES/variants/$1"
  mkdir -p "$r/ref"
  (
    cd "$r/ref" || exit 1
    timeout -s KILL 900 "$KIT/examples/$ex/ref/compare_bin" "$(cat "$r/seed")" "$d" < /dev/null > compare.out 2>&1
    echo $? > compare.rc
    mv verdict.json "$r/" 2>/dev/null
  )
  rm -f "$d"/c*_*.bin "$d"/timed_*.bin
}

outcome_of() { # id -> one word, for the table printed here (the typed result comes from summarize.ts)
  local r="$RES/variants/$1"
  grep -q '^ok' "$r/build.status" 2>/dev/null || { echo "build_failed"; return; }
  local rc; rc=$(cat "$r/run.rc" 2>/dev/null || echo none)
  case "$rc" in
    0) ;;
    91) echo "infra_error:no_device"; return ;;
    92) echo "runtime_error:kernel_fault"; return ;;
    93) echo "infra_error:device_fault"; return ;;
    137|124) echo "timeout"; return ;;
    *) echo "runtime_error:exit_$rc"; return ;;
  esac
  if grep -q '"stop"' "$r/harness.json" 2>/dev/null; then
    echo "rejected:$(sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p' "$r/harness.json")"
    return
  fi
  [ -f "$r/verdict.json" ] || { echo "pending_or_no_verdict"; return; }
  if grep -q '"wrong":null' "$r/verdict.json" && grep -q '"inputsModified":null' "$r/verdict.json" && grep -q '"nondeterministic":null' "$r/verdict.json"; then
    echo "verified"
  elif ! grep -q '"wrong":null' "$r/verdict.json"; then echo "wrong_result"
  elif ! grep -q '"inputsModified":null' "$r/verdict.json"; then echo "rejected:inputs_modified"
  else echo "rejected:nondeterministic"; fi
}

CJOBS=$((JOBS > 2 ? JOBS - 1 : 1))
n=0
total=$(($(wc -l < "$KIT/manifest.tsv") - 1))
log "running $total variants (compare programs on up to $CJOBS cores alongside)"
while IFS=$'\t' read -r id ex role sanitize label; do
  [ "$id" = "id" ] && continue
  n=$((n + 1))
  if run_variant "$id"; then
    while [ "$(jobs -rp | wc -l)" -ge "$CJOBS" ]; do wait -n; done
    if [ "$(cat "$RES/variants/$id/run.rc")" = 0 ] && ! grep -q '"stop"' "$RES/variants/$id/harness.json" 2>/dev/null; then
      compare_variant "$id" "$ex" &
    else
      rm -f "$KIT/variants/$id"/c*_*.bin "$KIT/variants/$id"/timed_*.bin
    fi
  fi
  [ $((n % 10)) -eq 0 ] && log "$n/$total variants run"
done < "$KIT/manifest.tsv"
wait
log "all compare programs done"

# ---- sanitizers on the cheats that need them and on honest controls ----
if command -v compute-sanitizer > /dev/null; then
  while IFS=$'\t' read -r id ex role sanitize label; do
    [ "$sanitize" = 1 ] || continue
    grep -q '^ok' "$KIT/variants/$id/build.status" || continue
    for tool in memcheck racecheck; do
      log "compute-sanitizer $tool on $id ($label)"
      (
        cd "$KIT/variants/$id" || exit 1
        timeout -s KILL 300 compute-sanitizer --tool "$tool" --error-exitcode 97 --print-limit 20 ./variant_bin "$(cat "$RES/variants/$id/seed")" --sanitize \
          < /dev/null > "$RES/variants/$id/$tool.txt" 2>&1
        echo $? > "$RES/variants/$id/$tool.rc"
        rm -f c*_*.bin timed_*.bin
      )
    done
  done < "$KIT/manifest.tsv"
else
  log "compute-sanitizer not found: sanitizer checks skipped"
fi

# ---- best verified variant per example ----
best_of() { # example -> "id median_ms" of the fastest verified variant
  local ex=$1 best="" bestm=""
  while IFS=$'\t' read -r id e role sanitize label; do
    [ "$e" = "$ex" ] || continue
    [ "$role" = cheat ] && continue
    [ "$(outcome_of "$id")" = verified ] || continue
    local m; m=$("$TOOLS/sample-stats" "$RES/variants/$id/samples.bin" | cut -d' ' -f1)
    if [ -z "$bestm" ] || awk "BEGIN{exit !($m < $bestm)}"; then best=$id; bestm=$m; fi
  done < "$KIT/manifest.tsv"
  echo "$best $bestm"
}

# ---- 6. achieved occupancy (ncu) for the baselines and the winners ----
read -r BEST_T BEST_T_MS <<< "$(best_of transpose-cuda)"
read -r BEST_S BEST_S_MS <<< "$(best_of sgemm-cuda)"
if command -v ncu > /dev/null; then
  for id in $(awk -F'\t' '$3=="baseline"{print $1}' "$KIT/manifest.tsv") $BEST_T $BEST_S; do
    log "ncu occupancy of $id"
    (
      cd "$KIT/variants/$id" || exit 1
      timeout -s KILL 240 ncu --csv --launch-count 1 --kernel-name regex:'^(transpose|sgemm)$' \
        --metrics sm__warps_active.avg.pct_of_peak_sustained_active,sm__maximum_warps_per_active_cycle_pct,launch__registers_per_thread,launch__occupancy_limit_registers,launch__occupancy_limit_shared_mem,launch__occupancy_limit_warps,launch__occupancy_limit_blocks \
        ./variant_bin "$(cat "$RES/variants/$id/seed")" < /dev/null > "$RES/variants/$id/ncu.csv" 2> "$RES/variants/$id/ncu.err"
      echo $? > "$RES/variants/$id/ncu.rc"
      rm -f c*_*.bin timed_*.bin
    )
  done
else
  log "ncu not found: achieved occupancy not measured"
fi

# ---- summary ----
{
  printf "id\texample\trole\tlabel\toutcome\tmedian_ms\tmin_ms\tmemcheck\tracecheck\n"
  while IFS=$'\t' read -r id ex role sanitize label; do
    [ "$id" = "id" ] && continue
    stats=$("$TOOLS/sample-stats" "$RES/variants/$id/samples.bin" 2>/dev/null | cut -d' ' -f1,2 | tr ' ' '\t')
    [ -n "$stats" ] || stats=$'nan\tnan'
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$id" "$ex" "$role" "$label" "$(outcome_of "$id")" "$stats" \
      "$(cat "$RES/variants/$id/memcheck.rc" 2>/dev/null || echo -)" "$(cat "$RES/variants/$id/racecheck.rc" 2>/dev/null || echo -)"
  done < "$KIT/manifest.tsv"
} > "$RES/summary.tsv"

D2D_GBS=$(awk -F'\t' '$1=="cudaMemcpyD2D"{print $5}' "$RES/d2d.tsv" 2>/dev/null)
CUBLAS_MS=$(awk -F'\t' '$1=="default"{print $5}' "$RES/cublas.tsv" 2>/dev/null)
T_BYTES=$(sed -n 's/.*"tuneBytes": *\([0-9]*\).*/\1/p' "$KIT/examples/transpose-cuda/spec.json")
S_FLOPS=$(sed -n 's/.*"tuneFlops": *\([0-9]*\).*/\1/p' "$KIT/examples/sgemm-cuda/spec.json")
{
  echo "== nightshift CUDA proof on $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1), $(($(date +%s) - T0)) s =="
  echo "occupancy: $(tail -2 "$RES/occupancy.err" | head -1)"
  echo "d2d cudaMemcpy bandwidth: ${D2D_GBS:-n/a} GB/s (read + write)"
  if [ -n "$BEST_T" ] && [ -n "$D2D_GBS" ]; then
    awk -v b="$T_BYTES" -v m="$BEST_T_MS" -v d="$D2D_GBS" -v id="$BEST_T" 'BEGIN{g=b/(m*1e6); printf "best transpose %s: %.4f ms = %.1f GB/s = %.1f%% of D2D copy\n", id, m, g, 100*g/d}'
  fi
  if [ -n "$BEST_S" ] && [ -n "$CUBLAS_MS" ]; then
    awk -v m="$BEST_S_MS" -v c="$CUBLAS_MS" -v id="$BEST_S" -v f="$S_FLOPS" 'BEGIN{printf "best sgemm %s: %.4f ms = %.0f GFLOP/s; cuBLAS %.4f ms = %.0f GFLOP/s; ratio %.2f\n", id, m, f/(m*1e6), c, f/(c*1e6), c/m}'
  fi
  echo "outcomes: $(cut -f5 "$RES/summary.tsv" | tail -n +2 | sort | uniq -c | tr '\n' ' ')"
  echo "-- cheats and controls --"
  awk -F'\t' '$3=="cheat"||$3=="control"{printf "%-28s %-28s memcheck=%s racecheck=%s\n", $1, $5, $8, $9}' "$RES/summary.tsv"
} | tee "$RES/summary.txt"
