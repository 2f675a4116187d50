// GNU attributes: which ones the interpreter models, which are harmless to ignore (they change neither
// values nor memory layout), and which make a declaration unsupported.

/** Attributes that only affect optimisation, diagnostics or linkage, never the values computed. */
const HARMLESS = new Set([
  "nothrow", "leaf", "pure", "const", "nonnull", "malloc", "warn_unused_result", "deprecated", "format", "format_arg",
  "noreturn", "unused", "used", "always_inline", "noinline", "gnu_inline", "artificial", "cold", "hot", "visibility",
  "returns_nonnull", "alloc_size", "alloc_align", "access", "nonstring", "sentinel", "launch_bounds", "optimize",
  "target", "flatten", "externally_visible", "noclone", "no_instrument_function", "warning", "error", "fallthrough",
  "retain", "noipa", "no_sanitize", "no_sanitize_address", "no_sanitize_undefined", "no_stack_protector",
  "may_alias", "transparent_union", "tls_model", "fd_arg", "fd_arg_read", "fd_arg_write", "no_split_stack",
  "assume_aligned", "unavailable", "nodiscard", "maybe_unused", "global", "device", "host", "shared", "constant",
  "aligned", "vector_size", "mode", "__cudart_builtin__", "cudart_builtin", "device_builtin", "noinline",
  "target_clones", "expected_throw", "zero_call_used_regs", "counted_by", "copy", "null_terminated_string_arg",
  "nonnull_if_nonzero",
]);

/** The attribute name without the optional surrounding double underscores. */
export function attributeName(raw: string): string {
  return raw.startsWith("__") && raw.endsWith("__") && raw.length > 4 ? raw.slice(2, -2) : raw;
}

/** Undefined when the attribute can be ignored or is modelled; otherwise why it is not supported. */
export function unsupportedAttribute(name: string): string | undefined {
  if (HARMLESS.has(name)) return undefined;
  return `__attribute__((${name}))`;
}
