// The bundle an update installs when none is given: the project's firmware built at the
// project's version, with the parts the project's profile uses when the device is the
// project's own, else every part (another device's profile is not known here). `npm run ota`
// and the hub's page (scripts/hub/updates.ts) both install this.
import { readFileSync } from "node:fs";
import path from "node:path";
import { ALL_FEATURES, buildFirmware, featuresOf } from "../../build/build.ts";
import type { ProjectConfig } from "../lib/config.ts";
import { projectRoot } from "../lib/state.ts";

/** The version in the project's package.json: what a fresh build reports. */
export function projectVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** Builds the firmware for `device` and returns its bytes (latin1, as they are sent). */
export async function projectBundle(
  config: ProjectConfig,
  device: string,
  options: { version?: string; allFeatures?: boolean } = {},
): Promise<string> {
  const features = options.allFeatures || device !== config.device.id ? ALL_FEATURES : featuresOf(config.device);
  const built = await buildFirmware({
    root: projectRoot,
    // LATCHKEY_DIST: where the bundle goes (default dist/latchkey.js), as for npm start.
    outFile: process.env.LATCHKEY_DIST,
    version: options.version ?? projectVersion(),
    sizeBudgetBytes: config.build.sizeBudgetBytes,
    features,
  });
  return readFileSync(built.outFile, "latin1");
}
