// Which devices the hub follows, and what each offers: the profiles the host already holds and
// validates (espruino.config.json's device, and any further profile files given), not what a
// device says of itself. The profile is what was provisioned into the device, so the page and
// Home Assistant offer exactly the entities the device's firmware serves.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { ConfigError, validateConfig, type ProjectConfig } from "./config.ts";

/** A device profile file (the `device` section alone, as in examples/), validated as the
 *  project's own device would be. */
export function loadProfile(file: string, base: ProjectConfig): DeviceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  try {
    return validateConfig({ device: raw, build: base.build, tools: base.tools }).device;
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
}

/** Every `*.json` profile file in `dir` (as `npm run pki -- issue-bulk --profiles DIR` writes
 *  them), in name order. */
export function profileFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new ConfigError(
      `profiles folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const files = names.filter((n) => n.endsWith(".json")).sort();
  if (files.length === 0) throw new ConfigError(`profiles folder ${dir} holds no .json profile`);
  return files.map((n) => path.join(dir, n));
}

/** The project's device, then each `--profile` file, then every profile in each folder. */
export function hubProfiles(config: ProjectConfig, files: string[], folders: string[] = []): DeviceProfile[] {
  const all = [...files, ...folders.flatMap(profileFiles)];
  const profiles = [config.device, ...all.map((f) => loadProfile(f, config))];
  const seen = new Set<string>();
  for (const p of profiles) {
    if (seen.has(p.id)) throw new ConfigError(`two profiles for device '${p.id}'`);
    seen.add(p.id);
  }
  return profiles;
}
