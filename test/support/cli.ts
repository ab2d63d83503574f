// The host commands as a user runs them: a real child process (node + tsx), asynchronously so
// that a broker in this process keeps serving while the command runs.
import { spawn } from "node:child_process";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: root,
      env: { ...process.env, LATCHKEY_CA_PASSPHRASE: "", LATCHKEY_CA_PASSPHRASE_FILE: "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout: stdout.trim(), stderr: stderr.trim() }));
    child.stdin.end(input ?? "");
  });
}

export const pkiCli = (stateDir: string, args: string[], env: Record<string, string | undefined> = {}) =>
  runCli("scripts/pki/cli.ts", args, { LATCHKEY_STATE_DIR: stateDir, ...env });
