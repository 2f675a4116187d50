import { timerDelayMs } from "./timer-delay.ts";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, timerDelayMs(ms)));
}
