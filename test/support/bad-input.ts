// The bad-input table of the closing report, made from the tests themselves: with
// LATCHKEY_BAD_INPUT_LOG set, each test that asserts a refusal appends its row (the command,
// the one line it printed, its exit code, and whether the test checked that no file changed).
import { appendFileSync } from "node:fs";

export function recordBadInput(command: string, result: { status: number | null; stderr: string }, unchanged: string) {
  const file = process.env.LATCHKEY_BAD_INPUT_LOG;
  if (!file) return;
  appendFileSync(file, JSON.stringify({ command, message: result.stderr, exit: result.status, unchanged }) + "\n");
}
