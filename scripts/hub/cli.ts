// `npm run hub`: the hub against the project's broker (the one `npm start` or `npm run broker`
// runs), its HTTPS page on --port (default 8443), following the project's device and any
// --profile files. One line per error, exit 1.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/config.ts";
import { projectConfig, projectRoot, stateDir } from "../lib/state.ts";
import { PkiError, PkiStore } from "../pki/store.ts";
import { HA_ALLOW_FILE, haSummary, loadHaAllow } from "./ha-permissions.ts";
import { HA_PORT, startHub } from "./hub.ts";
import { hubProfiles } from "./profiles.ts";

const USAGE = `usage: npm run hub -- [--port 8443] [--host 127.0.0.1] [--profile device.json]... [--name hub]
                    [--ha-port 8884] [--ha-host HOST (default: --host)] [--ha-allow home-assistant.json]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8443" },
      host: { type: "string", default: "127.0.0.1" },
      profile: { type: "string", multiple: true, default: [] },
      name: { type: "string", default: "hub" },
      "ha-port": { type: "string", default: String(HA_PORT) },
      "ha-host": { type: "string" },
      "ha-allow": { type: "string", default: path.join(projectRoot, HA_ALLOW_FILE) },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(USAGE);
  const config = projectConfig();
  const state = stateDir(config);
  const listening = path.join(state, "broker", "listening.json");
  const broker = existsSync(listening)
    ? (JSON.parse(readFileSync(listening, "utf8")) as { host: string; port: number })
    : config.device.broker;
  const version = (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string })
    .version;
  const haPort = Number(values["ha-port"]);
  if (!Number.isInteger(haPort) || haPort < 0 || haPort > 65535)
    throw new ConfigError(`--ha-port must be a port number, not '${values["ha-port"]}'`);
  const allow = loadHaAllow(values["ha-allow"]);
  const hub = await startHub({
    stateDir: state,
    profiles: hubProfiles(config, values.profile),
    broker,
    web: { host: values.host, port: Number(values.port) },
    version,
    name: values.name,
    homeAssistant: { host: values["ha-host"] ?? values.host, port: haPort, allow },
    log: (line) => console.log(`hub: ${line}`),
  });
  const store = new PkiStore(state);
  for (const line of haSummary(hub.homeAssistant, allow, {
    identityDir: (name) => path.relative(process.cwd(), store.identityDir("ha", name)),
    ca: path.relative(process.cwd(), store.caCertFile),
    allowFile: path.relative(process.cwd(), values["ha-allow"]),
  }))
    console.log(`hub: ${line}`);
  console.log(`hub: page at ${hub.url} (operators: npm run pki -- user NAME, then import NAME.p12; see README)`);
  const stop = () => void hub.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  const known = error instanceof PkiError || error instanceof ConfigError;
  const parse = (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
  if (!known && !parse) throw error;
  console.error(`hub: ${(error as Error).message}`);
  process.exit(1);
});
