// Takes a campaign's lock and holds it until stdin closes; prints "locked", or the error's code.
import { lockCampaign } from "../../graphs/checkpoints.ts";
import { isNightshiftError } from "../../core/errors.ts";

const [storePath, id] = process.argv.slice(2) as [string, string];
try {
  const unlock = lockCampaign(storePath, id);
  process.stdout.write("locked\n");
  process.stdin.resume();
  process.stdin.on("end", () => {
    unlock();
    process.exit(0);
  });
} catch (error) {
  process.stdout.write(`${isNightshiftError(error) ? error.code : `raw ${(error as Error).message}`}\n`);
  process.exit(2);
}
