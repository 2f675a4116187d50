// The published JSON Schema of kernel.json. `npx tsx specs/json-schema.ts --write` regenerates it.

import { publishFromCommandLine, type PublishedSchema } from "../core/json-schema.ts";
import { kernelSpecSchema } from "./schema.ts";

export const KERNEL_SPEC_JSON_SCHEMA: PublishedSchema = { path: "specs/kernel-spec.schema.json", title: "nightshift kernel spec (kernel.json)", schema: kernelSpecSchema };

publishFromCommandLine(KERNEL_SPEC_JSON_SCHEMA, import.meta.url);
