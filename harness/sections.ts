// The sections of a variant's object, read from `readelf -S -r -s -W`: nothing of the variant may run before the
// worker's main has locked the process down, so no constructor or destructor tables (.init_array,
// .preinit_array, .ctors, .fini_array, .dtors) and no .init/.fini code. The one exception is the constructor
// nvcc itself emits to register a CUDA object's kernels: exactly one .init_array entry, pointing at nvcc's
// registration function and nothing else. Everything else the kernel does is the sandbox's business at run time.

const BEFORE_OR_AFTER_MAIN = /^\.(init_array|preinit_array|ctors|fini_array|dtors)(\.|$)|^\.(init|fini)$/;
/** The linker runs a section of these types whatever it is called (inline assembly can name it anything). */
const CALLED_TYPES = new Set(["INIT_ARRAY", "PREINIT_ARRAY", "FINI_ARRAY"]);

export type SectionVerdict = { ok: true } | { ok: false; detail: string };

export interface Section {
  name: string;
  type: string;
}

/** Sections from readelf's table ("[Nr] Name Type ..."; the first, unnamed one is left out). */
export function parseSections(readelf: string): Section[] {
  const sections: Section[] = [];
  for (const line of readelf.split("\n")) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)/.exec(line);
    if (m && m[1] !== "NULL") sections.push({ name: m[1]!, type: m[2]! });
  }
  return sections;
}

/** The targets of the relocations in one relocation section ("Symbol's Name + Addend" column). */
export function relocationTargets(readelf: string, section: string): string[] {
  const lines = readelf.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`Relocation section '${section}'`));
  if (start < 0) return [];
  const targets: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === "" || line.startsWith("Relocation section")) break;
    targets.push(line.trim().split(/\s+/).slice(4).join(" "));
  }
  return targets;
}

/** nvcc's registration constructor, by the name of the local function nvcc emits for it. */
export interface Registration {
  symbol: RegExp;
}

/** Where a symbol is defined, from readelf's symbol table ("Num: Value Size Type Bind Vis Ndx Name") and section table. */
function symbolLocation(readelf: string, name: RegExp): { section: string; value: number } | undefined {
  const sectionNames = new Map<number, string>();
  for (const m of readelf.matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)/gm)) sectionNames.set(Number(m[1]), m[2]!);
  for (const m of readelf.matchAll(/^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+FUNC\s+\S+\s+\S+\s+(\d+)\s+(\S+)$/gm)) {
    if (name.test(m[3]!)) {
      const section = sectionNames.get(Number(m[2]));
      return section === undefined ? undefined : { section, value: Number.parseInt(m[1]!, 16) };
    }
  }
  return undefined;
}

function isRegistrationOnly(readelf: string, registration: Registration): boolean {
  const targets = relocationTargets(readelf, ".rela.init_array");
  const at = symbolLocation(readelf, registration.symbol);
  if (targets.length !== 1 || at === undefined) return false;
  const m = /^(\S+) \+ ([0-9a-f]+)$/.exec(targets[0]!);
  return m !== null && m[1] === at.section && Number.parseInt(m[2]!, 16) === at.value;
}

export function checkSections(readelf: string, registration?: Registration): SectionVerdict {
  const found = parseSections(readelf)
    .filter((s) => BEFORE_OR_AFTER_MAIN.test(s.name) || CALLED_TYPES.has(s.type))
    .filter((s) => !(registration && s.name === ".init_array" && isRegistrationOnly(readelf, registration)))
    .map((s) => s.name);
  if (found.length === 0) return { ok: true };
  return { ok: false, detail: `the variant's object has ${found.join(", ")}: code that runs before or after the kernel is called (constructors, destructors); a variant may only be called` };
}
