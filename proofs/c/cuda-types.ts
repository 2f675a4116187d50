// The CUDA vector and index types device code uses without declaring them (they come from headers the
// interpreter does not read): the same members, sizes and alignments as vector_types.h.

import { completeStruct, newStruct, T, type CType, type StructType } from "./types.ts";

function vectorStruct(name: string, element: CType, members: string[], align: number): StructType {
  const s = newStruct(name, false);
  (s as { alignOverride?: number }).alignOverride = align;
  completeStruct(
    s,
    members.map((m) => ({ name: m, type: element })),
  );
  return s;
}

const XYZW = ["x", "y", "z", "w"];

function family(prefix: string, element: CType, size: number): Record<string, StructType> {
  const out: Record<string, StructType> = {};
  // Alignment as in vector_types.h: 1- and 3-wide keep the element's alignment, 2- and 4-wide align to the whole.
  out[`${prefix}1`] = vectorStruct(`${prefix}1`, element, XYZW.slice(0, 1), size);
  out[`${prefix}2`] = vectorStruct(`${prefix}2`, element, XYZW.slice(0, 2), size * 2);
  out[`${prefix}3`] = vectorStruct(`${prefix}3`, element, XYZW.slice(0, 3), size);
  out[`${prefix}4`] = vectorStruct(`${prefix}4`, element, XYZW, Math.min(16, size * 4));
  return out;
}

export const CUDA_VECTOR_TYPES: Readonly<Record<string, StructType>> = {
  ...family("float", T.float, 4),
  ...family("double", T.double, 8),
  ...family("int", T.int, 4),
  ...family("uint", T.uint, 4),
  ...family("char", T.schar, 1),
  ...family("uchar", T.uchar, 1),
  ...family("short", T.short, 2),
  ...family("ushort", T.ushort, 2),
  ...family("long", T.long, 8),
  ...family("ulong", T.ulong, 8),
  ...family("longlong", T.llong, 8),
  ...family("ulonglong", T.ullong, 8),
};

export const UINT3 = CUDA_VECTOR_TYPES.uint3!;
/** dim3 has constructors in C++; device code only reads its x, y, z. */
export const DIM3 = vectorStruct("dim3", T.uint, ["x", "y", "z"], 4);

/** Types device code may name without a declaration. */
export const CUDA_TYPEDEFS: Readonly<Record<string, CType>> = {
  ...CUDA_VECTOR_TYPES,
  dim3: DIM3,
  size_t: T.ulong,
  ptrdiff_t: T.long,
  int8_t: T.schar,
  uint8_t: T.uchar,
  int16_t: T.short,
  uint16_t: T.ushort,
  int32_t: T.int,
  uint32_t: T.uint,
  int64_t: T.long,
  uint64_t: T.ulong,
  uint: T.uint,
};

/** The built-in variables of a kernel and their types. */
export const CUDA_BUILTIN_VARIABLES: Readonly<Record<string, CType>> = {
  threadIdx: UINT3,
  blockIdx: UINT3,
  blockDim: DIM3,
  gridDim: DIM3,
  warpSize: T.int,
};
