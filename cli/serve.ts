// nightshift serve: the daemon (server/daemon.ts) until SIGTERM or Ctrl-C, which stop campaigns after their
// current step, stop what runs on the devices and leave every campaign to be resumed at the next start.

import type { Command } from "commander";
import { fail } from "../core/errors.ts";
import type { ModelOptions } from "../llm/config.ts";
import { defaultDbPath } from "../results/store.ts";
import type { PoliciesFor } from "../server/context.ts";
import { startDaemon } from "../server/daemon.ts";
import { checkDevice } from "./devices.ts";
import { campaignPolicies } from "./policies.ts";
import { integerOption, numberOption } from "./run.ts";

export const DEFAULT_LISTEN = "127.0.0.1:8377";

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) fail("USAGE", `--listen: expected HOST:PORT (e.g. ${DEFAULT_LISTEN}, [::1]:8377), received ${JSON.stringify(value)}`);
  return { host: match[1] ?? match[2]!, port };
}

/** The CLI's policies (model or offline, cli/policies.ts) in the daemon's terms. */
const cliPolicies: PoliciesFor = (modelOptions, strategy) => {
  const policies = campaignPolicies(modelOptions as ModelOptions, strategy);
  return { usesModels: policies.llm.usesModels, models: policies.llm.models, parts: policies.parts, flush: () => policies.llm.flush() };
};

interface ServeFlags {
  listen: string;
  db?: string;
  devices: string[];
  specRoot: string[];
  allowRemote?: boolean;
  maxRunning: string;
  rateLimit: string;
  uploadLimitMb: string;
  shutdownGrace: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the daemon: an HTTP API and a dashboard that queue campaigns, share devices between them and survive restarts")
    .option("--listen <host:port>", "address to listen on (loopback unless --allow-remote)", DEFAULT_LISTEN)
    .option("--db <path>", "result store (default: $NIGHTSHIFT_DB or ./.nightshift/nightshift.db); tokens and daemon state live beside it")
    .option("--devices <devices...>", "devices offered to campaigns, as --device takes them (local, profile names or files, replay:<file>)", ["local"])
    .option("--spec-root <dirs...>", "folders whose spec folders and T1 files clients may name", [process.cwd()])
    .option("--allow-remote", "allow listening on a non-loopback address (put TLS in front: docs/daemon.md)")
    .option("--max-running <n>", "campaigns running at once", "4")
    .option("--rate-limit <n>", "requests per minute per client address", "600")
    .option("--upload-limit-mb <n>", "largest uploaded spec in MiB", "8")
    .option("--shutdown-grace <seconds>", "on SIGTERM, how long evaluations in flight may finish before they are killed", "30")
    .action(async (flags: ServeFlags) => {
      const { host, port } = parseListen(flags.listen);
      const daemon = await startDaemon({
        host,
        port,
        allowRemote: flags.allowRemote === true,
        dbPath: flags.db ?? defaultDbPath(),
        devices: flags.devices,
        specRoots: flags.specRoot,
        maxRunning: integerOption(flags.maxRunning, "--max-running")!,
        rateLimitPerMinute: integerOption(flags.rateLimit, "--rate-limit")!,
        bodyLimitBytes: 256 * 1024,
        uploadLimitBytes: Math.round(numberOption(flags.uploadLimitMb, "--upload-limit-mb")! * 1024 * 1024),
        shutdownGraceMs: numberOption(flags.shutdownGrace, "--shutdown-grace")! * 1000,
        checkDevice,
        policiesFor: cliPolicies,
      });
      process.stdout.write(`nightshift daemon listening on ${daemon.url} (dashboard: ${daemon.url}/; tokens: ${daemon.tokens.file ?? "from the environment"}; resumed ${daemon.recovered} campaigns)\n`);
      const signalled = await Promise.race([
        new Promise<boolean>((resolve) => {
          process.once("SIGTERM", () => resolve(true));
          process.once("SIGINT", () => resolve(true));
        }),
        daemon.ended.then(() => false),
      ]);
      await daemon.stop();
      // Ended without being asked to: its HTTP side failed (the log says why).
      if (!signalled) process.exitCode = 1;
    });
}
