// Gives a test device a command key when the CA did not make one. Until the signed-commands
// branch lands (its `pki device` makes the key), the key is written where the hub's signing
// module reads it; once `issue` makes keys this finds one and writes nothing.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readCommandKey } from "../../scripts/lib/signing.ts";

export function ensureCommandKey(stateDir: string, device: string): Buffer {
  try {
    return readCommandKey(stateDir, device);
  } catch {
    const dir = path.join(stateDir, "pki", "device", device);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "cmdkey.bin"), randomBytes(32), { mode: 0o600 });
    return readCommandKey(stateDir, device);
  }
}
