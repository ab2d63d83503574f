// `npm run ota -- <device> [--bundle file.js --version v] [--confirm-s 120] [--chunk 1024]
// [--allow-downgrade]`:
// builds the bundle (or takes one), then updates the device over its MQTT session as the hub
// identity (scripts/ota/transfer.ts), showing a progress bar and every answer of the device.
// Exits non-zero unless the new bundle confirmed; the device never ends up without a
// verified bundle (firmware/app/ota.ts, firmware/app/boot-stub.ts).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildFirmware } from "../build/build.ts";
import { connectAsHub } from "./lib/hub.ts";
import { readCommandKey } from "./lib/signing.ts";
import { projectConfig, projectRoot, stateDir } from "./lib/state.ts";
import { OtaError, sendUpdate } from "./ota/transfer.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    bundle: { type: "string" },
    version: { type: "string" },
    "confirm-s": { type: "string", default: "120" },
    chunk: { type: "string", default: "1024" },
    "allow-downgrade": { type: "boolean", default: false },
  },
});

function bar(sent: number, size: number): void {
  const width = 30;
  const filled = Math.round((width * sent) / size);
  const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${sent}/${size} bytes`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${sent === size ? "\n" : ""}`);
  else if (sent === size) process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const device = positionals[0];
  if (!device || positionals.length > 1)
    throw new OtaError(
      "usage: npm run ota -- <device> [--bundle file.js --version v] [--confirm-s 120] [--allow-downgrade]",
    );
  const config = projectConfig();
  const state = stateDir(config);
  const key = readCommandKey(state, device);
  let bundle: string;
  let version: string;
  if (values.bundle) {
    if (!values.version) throw new OtaError("--bundle needs --version (the version the bundle reports)");
    bundle = readFileSync(values.bundle, "latin1");
    version = values.version;
  } else {
    version =
      values.version ??
      (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
    const built = await buildFirmware({ root: projectRoot, version, sizeBudgetBytes: config.build.sizeBudgetBytes });
    bundle = readFileSync(built.outFile, "latin1");
  }
  const listening = path.join(state, "broker", "listening.json");
  const { host, port } = existsSync(listening)
    ? (JSON.parse(readFileSync(listening, "utf8")) as { host: string; port: number })
    : config.device.broker;
  const client = await connectAsHub(state, host, port, false);
  console.log(`ota: ${device}: ${bundle.length} bytes of ${version} through ${host}:${port}`);
  try {
    const result = await sendUpdate(client, {
      prefix: config.device.topicPrefix,
      device,
      key,
      bundle,
      version,
      confirmSeconds: Number(values["confirm-s"]),
      chunkBytes: Number(values.chunk),
      allowDowngrade: values["allow-downgrade"],
      progress: (e) => (e.kind === "chunk" ? bar(e.sent, e.size) : console.log(`ota: ${device} says: ${e.text}`)),
    });
    console.log(
      `ota: ${device} runs ${result.version}: sent in ${result.seconds.transfer.toFixed(1)} s, confirmed after ${result.seconds.total.toFixed(1)} s`,
    );
  } finally {
    await client.endAsync();
  }
}

main().catch((error: unknown) => {
  console.error(`ota: ${(error as Error).message}`);
  process.exit(1);
});
