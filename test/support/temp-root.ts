// vitest's globalSetup: the whole run writes its temporary files into one folder of its own,
// `<tmpdir>/latchkey-test-<pid>`, removed when the run ends, passed or failed. Every worker and
// every command a test starts inherits TMPDIR, so CA keys, bundles, broker policy copies and
// tsx's cache all go there. A run that was killed leaves its folder: the next run removes the
// folders whose process is gone.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const PREFIX = "latchkey-test-";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export default function setup(): () => void {
  const base = os.tmpdir();
  for (const name of readdirSync(base)) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (match && !alive(Number(match[1]))) rmSync(path.join(base, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(path.join(base, `${PREFIX}${process.pid}-`));
  // Root's Mosquitto, run as the `mosquitto` user, must pass through to its own 0700 folder in
  // here (scripts/broker/run-as.ts); what the tests make inside is private (mkdtemp, 0700).
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
