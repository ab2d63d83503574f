// `npm run ota -- <device> [--bundle file.js --version v] [--confirm-s 120] [--chunk 1024]
// [--allow-downgrade]`:
// builds the bundle (or takes one), then updates the device over its MQTT session as the hub
// identity (scripts/ota/transfer.ts), showing a progress bar and every answer of the device.
// Exits non-zero unless the new bundle confirmed; the device never ends up without a
// verified bundle (firmware/app/maintenance/ota.ts, firmware/app/maintenance/boot-stub.ts).
import { readFileSync } from "node:fs";
import type { MqttClient } from "mqtt";
import { runTool, wholeNumber } from "../lib/cli.ts";
import { ArgumentError } from "../lib/errors.ts";
import { connectTool, endSession, sessionLost } from "../lib/hub.ts";
import { readCommandKey } from "../lib/signing.ts";
import type { ProjectConfig } from "../lib/config.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { projectBundle, projectVersion } from "./bundle.ts";
import { OtaError, sendUpdate } from "./transfer.ts";

const OPTIONS = {
  bundle: { type: "string" },
  version: { type: "string" },
  "confirm-s": { type: "string", default: "120" },
  chunk: { type: "string", default: "1024" },
  "allow-downgrade": { type: "boolean", default: false },
  "all-features": { type: "boolean", default: false },
} as const;
const USAGE =
  "usage: npm run ota -- <device> [--bundle file.js --version v] [--confirm-s 120] [--chunk 1024] [--allow-downgrade] [--all-features]";
type Values = {
  bundle?: string;
  version?: string;
  "confirm-s": string;
  chunk: string;
  "allow-downgrade": boolean;
  "all-features": boolean;
};

function bar(sent: number, size: number): void {
  const width = 30;
  const filled = Math.round((width * sent) / size);
  const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${sent}/${size} bytes`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${sent === size ? "\n" : ""}`);
  else if (sent === size) process.stderr.write(`${line}\n`);
}

async function main(values: Values, positionals: string[]): Promise<void> {
  const device = positionals[0];
  if (!device || positionals.length > 1) throw new ArgumentError(USAGE);
  // The device's own limits (firmware/app/maintenance/ota.ts): a deadline of 5-900 s; a chunk and its
  // offset must fit in one MQTT packet of the profile's maxPacketBytes.
  const confirmSeconds = wholeNumber(values["confirm-s"], "--confirm-s", 5, 900);
  const config = projectConfig();
  const chunkBytes = wholeNumber(values.chunk, "--chunk", 64, config.device.mqtt.maxPacketBytes - 256);
  const state = stateDir(config);
  const key = readCommandKey(state, device);
  // The broker first: no build when nothing would carry the update.
  const { client, broker } = await connectTool(state, config);
  // Lost before it is done (another program took the session over): one line, non-zero.
  const lost = sessionLost(client);
  try {
    await Promise.race([update(client, values, device, config, key, confirmSeconds, chunkBytes, broker), lost]);
  } finally {
    await endSession(client);
  }
}

async function update(
  client: MqttClient,
  values: Values,
  device: string,
  config: ProjectConfig,
  key: Buffer,
  confirmSeconds: number,
  chunkBytes: number,
  through: string,
): Promise<void> {
  let bundle: string;
  let version: string;
  if (values.bundle) {
    if (!values.version) throw new OtaError("--bundle needs --version (the version the bundle reports)");
    bundle = readFileSync(values.bundle, "latin1");
    version = values.version;
  } else {
    // The parts the project's profile uses when updating the project's device; every part
    // for another device or when asked (--all-features).
    version = values.version ?? projectVersion();
    bundle = await projectBundle(config, device, { version, allFeatures: values["all-features"] });
  }
  console.log(`ota: ${device}: ${bundle.length} bytes of ${version} through ${through}`);
  const result = await sendUpdate(client, {
    prefix: config.device.topicPrefix,
    device,
    key,
    bundle,
    version,
    confirmSeconds,
    chunkBytes,
    allowDowngrade: values["allow-downgrade"],
    progress: (e) => (e.kind === "chunk" ? bar(e.sent, e.size) : console.log(`ota: ${device} says: ${e.text}`)),
  });
  console.log(
    `ota: ${device} runs ${result.version}: sent in ${result.seconds.transfer.toFixed(1)} s, confirmed after ${result.seconds.total.toFixed(1)} s`,
  );
}

runTool("ota", { options: OPTIONS, allowPositionals: true, usage: USAGE }, ({ values, positionals }) =>
  main(values, positionals),
);
