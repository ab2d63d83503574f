// Where host tools keep their state: `tools.stateDir` of espruino.config.json, relative to the
// project, or LATCHKEY_STATE_DIR (tests point it at a temporary folder).
import path from "node:path";
import { loadConfig, type ProjectConfig } from "./config.ts";

export const projectRoot = path.resolve(import.meta.dirname, "../..");

export function projectConfig(): ProjectConfig {
  return loadConfig(process.env.LATCHKEY_CONFIG ?? path.join(projectRoot, "espruino.config.json"));
}

export function stateDir(config: ProjectConfig): string {
  return path.resolve(projectRoot, process.env.LATCHKEY_STATE_DIR ?? config.tools.stateDir);
}
