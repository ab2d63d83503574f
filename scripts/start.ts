// `npm start`: Latchkey without hardware. Creates the development CA and certificates if
// absent, starts the broker (Mosquitto if installed, else the embedded one), builds the
// bundle, provisions and boots the simulated ESP32, and shows what happens. Type on/off/pulse
// to send a signed command to the relay (scripts/lib/signing.ts); Ctrl-C stops everything.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { buildFirmware } from "../build/build.ts";
import { deviceTopics } from "../firmware/app/topics.ts";
import { freePort } from "./broker/mosquitto.ts";
import { startBroker } from "./broker/start.ts";
import { ensureDevPki } from "./lib/dev-pki.ts";
import { connectAsHub } from "./lib/hub.ts";
import { deviceStorageFiles } from "./lib/provision.ts";
import { readCommandKey, sendSignedCommand } from "./lib/signing.ts";
import { projectConfig, projectRoot, stateDir } from "./lib/state.ts";
import { SimulatedDevice } from "./sim/device.ts";

const SIM_WIFI = { ssid: "latchkey-sim", password: "simulated-only" };
const show = (tag: string, text: string) => console.log(`${tag.padEnd(7)}│ ${text}`);

async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  const config = projectConfig();
  const state = stateDir(config);
  const profile = { ...config.device };
  await ensureDevPki(state, profile.id, (line) => show("pki", line));

  let port = profile.broker.port;
  if (!(await portFree(profile.broker.host, port))) {
    port = await freePort();
    show("broker", `port ${profile.broker.port} is busy: using ${port}`);
  }
  profile.broker = { ...profile.broker, port };
  const broker = await startBroker({ stateDir: state, prefix: profile.topicPrefix, host: profile.broker.host, port });
  mkdirSync(path.join(state, "broker"), { recursive: true });
  writeFileSync(path.join(state, "broker", "listening.json"), JSON.stringify({ host: broker.host, port }));
  show(
    "broker",
    `${broker.kind === "mosquitto" ? "Mosquitto" : "embedded broker (aedes)"} on ${broker.host}:${port}: mutual TLS, ACL from the CA`,
  );

  const built = await buildFirmware({
    root: projectRoot,
    version: JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")).version,
    sizeBudgetBytes: config.build.sizeBudgetBytes,
  });
  show(
    "build",
    `${path.relative(projectRoot, built.outFile)}: ${built.bytes} bytes, Espruino check passed (${built.milliseconds} ms)`,
  );

  const storageDir = path.join(state, "sim", profile.id);
  rmSync(storageDir, { recursive: true, force: true });
  const device = new SimulatedDevice({
    storageDir,
    wifi: SIM_WIFI,
    handshakeMs: 300,
    output: (line) => show("device", line.replace(/^\[latchkey\] /, "")),
  });
  for (const [name, data] of Object.entries(
    deviceStorageFiles(profile, state, SIM_WIFI, readFileSync(built.outFile, "utf8")),
  ))
    device.storage.write(name, data);
  show("sim", `provisioned ${device.storage.list().join(", ")} into ${path.relative(projectRoot, storageDir)}/`);

  const client = await connectAsHub(state, broker.host, port, true);
  const topics = deviceTopics(profile.topicPrefix, profile.id);
  client.on("message", (topic, payload, packet) =>
    show("mqtt", `${topic} ${payload.toString()}${packet.retain ? " (retained)" : ""}`),
  );
  await client.subscribeAsync(`${profile.topicPrefix}/#`, { qos: 1 });

  let seen = 0;
  const pins = setInterval(() => {
    for (const event of device.pins.history.slice(seen)) {
      if (event.pin === profile.pins.relay.pin && event.kind === "drive") {
        const on = event.high !== profile.pins.relay.activeLow;
        show("pin", `${event.pin} driven ${event.high ? "HIGH" : "LOW"} (relay ${on ? "ON" : "OFF"})`);
      }
    }
    seen = device.pins.history.length;
  }, 25);

  device.boot();
  show("sim", "device booted; type  on  off  or  pulse  then Enter: a signed command, sent as 'hub' over mutual TLS,");
  show("sim", `or from another terminal: npm run command -- ${profile.id} on   ·   Ctrl-C stops everything`);

  const key = readCommandKey(state, profile.id);
  const input = readline.createInterface({ input: process.stdin });
  input.on("line", (line) => {
    const cmd = line.trim().toUpperCase();
    if (cmd === "") return;
    show("you", `${topics.relaySet} ${cmd} (signed)`);
    sendSignedCommand(client, {
      prefix: profile.topicPrefix,
      device: profile.id,
      key,
      topic: topics.relaySet,
      cmd,
    }).then(
      (result) => show("result", `${cmd} ${result.accepted ? "done" : "REFUSED"}: ${result.detail}`),
      (error: unknown) => show("result", (error as Error).message),
    );
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(pins);
    input.close();
    device.powerOff();
    client.end(true);
    await broker.stop();
    show("sim", "stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error(`start: ${(error as Error).message}`);
  process.exit(1);
});
