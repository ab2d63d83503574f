// Runs `npm run flash` (scripts/flash/cli.ts) as a user would, in its own process, against a
// config file and CA made for the test; its temporary files go to a folder the test inspects.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { WIFI } from "./sim.ts";

const root = path.resolve(import.meta.dirname, "../..");

export interface FlashRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The TMPDIR the flash process used (it must be empty afterwards). */
  tmp: string;
}

export async function writeConfig(profile: DeviceProfile, port: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-flashcfg-"));
  const file = path.join(dir, "espruino.config.json");
  const config = { device: profile, build: { sizeBudgetBytes: 40000 }, tools: { port, baud: 115200, stateDir: dir } };
  await writeFile(file, JSON.stringify(config));
  return file;
}

export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90000,
): Promise<FlashRun> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "latchkey-flashtmp-"));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, script), ...args], {
      cwd: root,
      env: {
        ...process.env,
        TMPDIR: tmp,
        LATCHKEY_WIFI_SSID: WIFI.ssid,
        LATCHKEY_WIFI_PASSWORD: WIFI.password,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, tmp });
    });
  });
}
