#!/usr/bin/env bash
# Build the standalone GEMM benchmark for one configuration of each kernel and run it.
#
#   run.sh [-s "ST_DEFINES"] [-p "OMP_DEFINES"] [-f "ST_CFLAGS"] [-g "OMP_CFLAGS"] [-c CORETYPE] [-R] [-b BUILD_DIR] [--] [bench args]
#
#   -s  -D definitions for examples/gemm/gemm.c          (e.g. "-DVEC=16 -DMR=14 -DNV=2 -DMC=168 -DKC=384")
#   -p  -D definitions for examples/gemm-omp/gemm_omp.c  (e.g. "-DVEC=16 -DMR=14 -DNV=2 -DPAR=jr")
#   -f  compiler flags for gemm.c      (default: the spec's OPT=native flags)
#   -g  compiler flags for gemm_omp.c  (default: the same plus -fopenmp)
#   -c  OpenBLAS kernel (OPENBLAS_CORETYPE, default Cooperlake, overriding the environment; "auto": detect)
#   -R  run the benchmark under SCHED_FIFO (chrt -f 10): on a shared 2-core machine a background process
#       otherwise preempts one of two threads for milliseconds while the other waits at a barrier
#   -b  build directory (default: a fresh temporary one, removed afterwards)
# Everything after the options goes to the benchmark (see bench.c: -n N -r REPS -t THREADS -w osOp -v SIZES -q).
# OpenBLAS runs with OPENBLAS_NUM_THREADS unset; bench.c sets 1 or THREADS threads per call. Its kernel is
# forced to Cooperlake (AVX-512, the fastest here) by default: OpenBLAS 0.3.21 does not know AMD family 1Ah
# (Zen 5) and detects Haswell (AVX2), at half the speed, and this machine's environment presets
# OPENBLAS_CORETYPE=Haswell. Use -c Haswell (or -c auto) to compare with those.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
st_defs="" omp_defs="" build="" coretype="Cooperlake" rt=""
st_flags="-O3 -march=native -ffp-contract=fast"
omp_flags=""
while getopts "s:p:f:g:c:Rb:" o; do
  case "$o" in
    s) st_defs="$OPTARG" ;;
    p) omp_defs="$OPTARG" ;;
    f) st_flags="$OPTARG" ;;
    g) omp_flags="$OPTARG" ;;
    c) coretype="$OPTARG" ;;
    R) rt="chrt -f 10" ;;
    b) build="$OPTARG" ;;
    *) sed -n '2,19p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ -n "$omp_flags" ] || omp_flags="$st_flags -fopenmp"
if [ -z "$build" ]; then
  build="$(mktemp -d)"
  trap 'rm -rf "$build"' EXIT
fi
mkdir -p "$build"
# shellcheck disable=SC2086
gcc -std=gnu11 $st_flags $st_defs -Dgemm=gemm_st -c "$root/examples/gemm/gemm.c" -o "$build/gemm_st.o"
# shellcheck disable=SC2086
gcc -std=gnu11 $omp_flags $omp_defs -c "$root/examples/gemm-omp/gemm_omp.c" -o "$build/gemm_omp.o"
gcc -O2 -std=gnu11 -fno-fast-math -c "$here/bench.c" -o "$build/bench.o"
gcc "$build/bench.o" "$build/gemm_st.o" "$build/gemm_omp.o" -o "$build/bench" -fopenmp -lopenblas -lm -lpthread
unset OPENBLAS_NUM_THREADS  # OMP_NUM_THREADS, if set, sizes gemm_omp's team (the harness passes OMP_* through)
if [ "$coretype" = auto ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE="$coretype"; fi
$rt "$build/bench" "$@"
