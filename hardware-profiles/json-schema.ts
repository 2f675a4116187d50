// The published JSON Schema of hardware profile files. `npx tsx hardware-profiles/json-schema.ts --write` regenerates it.

import { publishFromCommandLine, type PublishedSchema } from "../core/json-schema.ts";
import { hardwareProfileSchema } from "./schema.ts";

export const PROFILE_JSON_SCHEMA: PublishedSchema = { path: "hardware-profiles/profile.schema.json", title: "nightshift hardware profile", schema: hardwareProfileSchema };

publishFromCommandLine(PROFILE_JSON_SCHEMA, import.meta.url);
