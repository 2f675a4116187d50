// A worker thread does not inherit the TypeScript loader of the thread that started it: register tsx here,
// then load the daemon's HTTP side (http-worker.ts).
import { register } from "tsx/esm/api";

register();
await import("./http-worker.ts");
