#!/usr/bin/env bash
# Sweep kernel configurations through the standalone benchmark, one line per configuration.
#
#   sweep.sh [-k st|omp] [-r REPS] [-g GAP_MS] [-F FLUSH_MB] [-w WHICH] [-R] < configs > results
#
# Each input line is one configuration: NAME=value words, e.g.
#   VEC=16 MR=8 NV=3 MC=192 KC=384 NC=4096 KU=4 PF=0 OPT=O3
# OPT selects the compiler flags as the specs' flagsByParameter do (O2, O3, fast); every other word becomes
# -DNAME=value. -k st times examples/gemm against single-threaded OpenBLAS, -k omp examples/gemm-omp against
# multi-threaded OpenBLAS (both interleaved, cache flushed before each call, verified at 13, 97 and 200).
# -w overrides the variants timed (e.g. -w p: the kernel alone, its thread pool kept warm with -g 0).
# -g is the pause after each multi-threaded call and -F the cache-flush size in MiB (see bench.c).
# -R runs under SCHED_FIFO (see run.sh). Output: the configuration, then the benchmark's SUMMARY fields
# (median/min in ms, r = OpenBLAS time / ours), or BUILD_FAIL / VERIFY_FAIL. space.py prints configurations.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kind=st reps=21 rt="" gap=200 only="" flush=64
while getopts "k:r:g:F:w:R" o; do
  case "$o" in
    k) kind="$OPTARG" ;;
    r) reps="$OPTARG" ;;
    g) gap="$OPTARG" ;;
    w) only="$OPTARG" ;;
    F) flush="$OPTARG" ;;
    R) rt="chrt -f 10" ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
flags_for() {
  case "$1" in
    O2) echo "-O2 -march=native" ;;
    O3) echo "-O3 -march=native -ffp-contract=fast" ;;
    fast) echo "-O3 -march=native -ffast-math" ;;
    *) echo "unknown OPT $1" >&2; return 1 ;;
  esac
}
gcc -O2 -std=gnu11 -fno-fast-math -c "$here/bench.c" -o "$build/bench.o"
# The kernel not being swept is linked in its default configuration.
gcc -std=gnu11 -O3 -march=native -Dgemm=gemm_st -c "$root/examples/gemm/gemm.c" -o "$build/gemm_st.o"
gcc -std=gnu11 -O3 -march=native -fopenmp -c "$root/examples/gemm-omp/gemm_omp.c" -o "$build/gemm_omp.o"
if [ "$kind" = st ]; then src="$root/examples/gemm/gemm.c" obj="$build/gemm_st.o" extra="-Dgemm=gemm_st" which=os
else src="$root/examples/gemm-omp/gemm_omp.c" obj="$build/gemm_omp.o" extra="-fopenmp" which=Op; fi
[ -n "$only" ] && which="$only"
export OPENBLAS_CORETYPE="${SWEEP_CORETYPE:-Cooperlake}"
unset OPENBLAS_NUM_THREADS  # OMP_NUM_THREADS, if set, sizes gemm_omp's team (the harness passes OMP_* through)
while read -r line; do
  [ -z "$line" ] && continue
  defs="" flags="$(flags_for O3)"
  for w in $line; do
    case "$w" in
      OPT=*) flags="$(flags_for "${w#OPT=}")" || continue 2 ;;
      *) defs="$defs -D$w" ;;
    esac
  done
  # shellcheck disable=SC2086
  if ! gcc -std=gnu11 $flags $defs $extra -c "$src" -o "$obj" 2>"$build/err" ||
    ! gcc "$build/bench.o" "$build/gemm_st.o" "$build/gemm_omp.o" -o "$build/bench" -fopenmp -lopenblas -lm -lpthread 2>>"$build/err"; then
    echo "$line | BUILD_FAIL $(head -c 200 "$build/err" | tr '\n' ' ')"
    continue
  fi
  out="$($rt "$build/bench" -w $which -r "$reps" -g "$gap" -F "$flush" -q 2>&1)"
  rc=$?
  if [ $rc -ne 0 ]; then echo "$line | VERIFY_FAIL rc=$rc $out"; else echo "$line | ${out#SUMMARY }"; fi
done
