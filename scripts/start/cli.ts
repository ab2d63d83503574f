// `npm start`: Latchkey without hardware. Creates the development CA and certificates if
// absent, starts the broker (Mosquitto if installed, else the embedded one), builds the
// bundle, provisions and boots the simulated ESP32, and shows what happens. Type on/off/pulse
// to send a signed command to the relay (scripts/lib/signing.ts); Ctrl-C stops everything.
// Whatever ends it (Ctrl-C, SIGTERM, the terminal closing with SIGHUP, an error at any step)
// stops what it started, the broker first of all. The broker serves 127.0.0.1 whatever host
// the profile names: the simulated device runs here. `npm start -- --hub [--hub-port N]` runs
// the hub beside it (its HTTPS page, Home Assistant discovery) and prints the page's address.
// A profile with a cover gets a simulated garage door on the device's pins (sim/garage-door.ts).
import { explain } from "../../firmware/mqtt/codec/explain.ts";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { ALL_FEATURES, buildFirmware, featuresOf } from "../../build/build.ts";
import { portOption, runTool } from "../lib/cli.ts";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { deviceTopics, thingTopic } from "../../firmware/app/protocol/topics.ts";
import { freePort } from "../broker/mosquitto.ts";
import { startBroker, type RunningBroker } from "../broker/start.ts";
import { ensureDevPki } from "../ca/dev-pki.ts";
import { askPassphrase } from "../ca/passphrase.ts";
import { PkiStore } from "../lib/pki-store.ts";
import { connectAsHub } from "../lib/hub.ts";
import { VIEW_IDENTITY } from "../lib/identities.ts";
import { deviceStorageFiles } from "../lib/provision.ts";
import { readCommandKey, sendSignedCommand, verifyReport } from "../lib/signing.ts";
import { projectConfig, projectRoot, stateDir } from "../lib/state.ts";
import { SimulatedDevice } from "../sim/device.ts";
import { attachGarageDoor } from "../sim/garage-door.ts";
import { HA_ALLOW_FILE, haSummary, loadHaAllow } from "../hub/ha-permissions.ts";
import { HA_PORT, startHub } from "../hub/hub.ts";
import { projectBundle, projectVersion } from "../ota/bundle.ts";
import { deviceLine, resultLine, typed, UpdateProgress } from "./console.ts";
import { Lifecycle, replaceStaleState } from "./lifecycle.ts";

const SIM_WIFI = { ssid: "latchkey-sim", password: "simulated-only" };
const LOCAL = "127.0.0.1";
const show = (tag: string, text: string) => console.log(`${tag.padEnd(7)}│ ${text}`);

let life: Lifecycle | undefined;

async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

const OPTIONS = {
  hub: { type: "boolean", default: false },
  "hub-port": { type: "string", default: "8443" },
  "all-features": { type: "boolean", default: false },
} as const;

async function main(flags: { hub: boolean; "hub-port": string; "all-features": boolean }): Promise<void> {
  // Checked before anything starts (not after the broker, the build and the boot).
  const hubPort = portOption(flags["hub-port"], "--hub-port");
  const config = projectConfig();
  const state = stateDir(config);
  const lifecycle = new Lifecycle(
    state,
    (line) => show("sim", line),
    (line) => console.error(line),
  );
  life = lifecycle;
  const profile = { ...config.device };
  await ensureDevPki(state, profile.id, (line) => show("pki", line));
  await replaceStaleState(state, (line) => show("broker", line));

  const wanted = profile.broker;
  let port = wanted.port;
  if (!(await portFree(LOCAL, port))) {
    port = await freePort();
    show("broker", `port ${wanted.port} on ${LOCAL} is in use by another program: using ${port}`);
  }
  if (!["127.0.0.1", "localhost", "::1"].includes(wanted.host)) {
    show(
      "broker",
      `the profile's broker is ${wanted.host}:${wanted.port}; npm start serves its own broker on ${LOCAL}:${port} and points the simulated device there`,
    );
  }
  profile.broker = { host: LOCAL, port };
  const starting = startBroker({
    stateDir: state,
    prefix: profile.topicPrefix,
    host: LOCAL,
    port,
    askPassphrase,
    log: (line) => show("broker", line),
  });
  // Registered before it resolves: a signal while Mosquitto starts still stops it.
  const running: { broker?: RunningBroker } = {};
  lifecycle.add(
    "stopping the broker",
    async () => (await starting.catch(() => undefined))?.stop(),
    () => running.broker?.signal("SIGKILL"),
  );
  const broker = await starting;
  running.broker = broker;
  mkdirSync(path.join(state, "broker"), { recursive: true });
  writeFileSync(path.join(state, "broker", "listening.json"), JSON.stringify({ host: broker.host, port }));
  lifecycle.add("removing listening.json", () => rmSync(path.join(state, "broker", "listening.json"), { force: true }));
  show(
    "broker",
    `${broker.kind === "mosquitto" ? "Mosquitto" : "embedded broker (aedes)"} on ${broker.host}:${port}: mutual TLS, ACL from the CA`,
  );

  // Said before it starts: a build takes seconds, and a signal meanwhile ends the run (tests
  // wait for this line to signal a run that is building).
  show("build", `building the firmware for ${profile.id}`);
  const built = await buildFirmware({
    root: projectRoot,
    // LATCHKEY_DIST: where the bundle goes (default dist/latchkey.js).
    outFile: process.env.LATCHKEY_DIST,
    version: JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")).version,
    sizeBudgetBytes: config.build.sizeBudgetBytes,
    // The parts the profile uses, as flash and ota build (--all-features: every part).
    features: flags["all-features"] ? ALL_FEATURES : featuresOf(profile),
  });
  show(
    "build",
    `${path.relative(projectRoot, built.outFile)}: ${built.bytes} bytes, Espruino check passed (${built.milliseconds} ms)`,
  );

  const storageDir = path.join(state, "sim", profile.id);
  rmSync(storageDir, { recursive: true, force: true });
  if (lifecycle.isStopping) return;
  const device = new SimulatedDevice({
    storageDir,
    wifi: SIM_WIFI,
    handshakeMs: 300,
    // The device says a protocol error by its clause; the words are put back here (explain.ts).
    output: (line) => show("device", deviceLine(explain(line.replace(/^\[latchkey\] /, "")))),
  });
  for (const [name, data] of Object.entries(
    deviceStorageFiles(profile, state, SIM_WIFI, readFileSync(built.outFile, "utf8")),
  ))
    device.storage.write(name, data);
  show("sim", `provisioned ${device.storage.list().join(", ")} into ${path.relative(projectRoot, storageDir)}/`);

  // Its own identity: the tools a user runs beside it (`tools`) would take a shared session over.
  const client = await connectAsHub(state, broker.host, port, true, [], VIEW_IDENTITY);
  lifecycle.add("closing the console's MQTT connection", () => client.end(true));
  const root = deviceTopics(profile.topicPrefix, profile.id).root;
  const topics = { relayState: thingTopic(root, "relay", "state"), relaySet: thingTopic(root, "relay", "set") };
  const key = readCommandKey(state, profile.id);
  // Signed reports are shown by value once verified; one that fails says so.
  const update = new UpdateProgress();
  client.on("message", (topic, payload, packet) => {
    const progress = update.line(topic, payload.toString("latin1"));
    if (progress !== null) return progress === undefined ? undefined : show("update", progress);
    const report = topic === topics.relayState ? verifyReport(key, topic, payload) : undefined;
    const text = !report
      ? payload.toString()
      : report.ok
        ? `${report.value} (signed, boot ${report.boot} #${report.seq})`
        : `FORGED: ${report.error}`;
    show("mqtt", `${topic} ${text}${packet.retain ? " (retained)" : ""}`);
  });
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
  lifecycle.add("the pin view", () => clearInterval(pins));

  const garage = attachGarageDoor(device.pins, profile);
  if (garage) {
    lifecycle.add("the garage door", () => garage.stop());
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    show(
      "door",
      `a simulated garage door, closed, on the cover's pins: each relay press starts it, stops it while it moves, the next reverses it; it leaves its end at once and reaches the other in ${seconds(garage.travelMs)} (60% of the profile's travelMs ${seconds(profile.cover!.travelMs)}, at most 10 s)`,
    );
    const open = profile.cover!.open !== undefined;
    garage.follow((position) =>
      show(
        "door",
        position === "opening"
          ? `opening: the closed switch opens; the open end in ${seconds(garage.travelMs)}`
          : position === "closing"
            ? `closing${open ? ": the open switch opens" : ""}; the closed end in ${seconds(garage.travelMs)}`
            : position === "stopped"
              ? "stopped between the ends; the next press reverses it"
              : position === "open"
                ? `open${open ? ": the open switch closes" : ""}`
                : "closed: the closed switch closes",
      ),
    );
  }

  device.boot();
  lifecycle.add("powering the device off", () => device.powerOff());
  show(
    "sim",
    `device booted; type  on  off  pulse  or  help  then Enter: a signed command, sent as '${VIEW_IDENTITY}' over mutual TLS,`,
  );
  show("sim", `or from another terminal: npm run command -- ${profile.id} on   ·   Ctrl-C stops everything`);

  if (flags.hub) await runHub(lifecycle, state, profile, port, hubPort);

  const input = readline.createInterface({ input: process.stdin });
  lifecycle.add("closing the console", () => input.close());
  input.on("line", (line) => {
    const meant = typed(line);
    if (!meant) return;
    if ("say" in meant) return show("you", meant.say);
    const cmd = meant.send;
    show("you", `${topics.relaySet} ${cmd} (signed)`);
    sendSignedCommand(client, {
      prefix: profile.topicPrefix,
      device: profile.id,
      key,
      topic: topics.relaySet,
      cmd,
    }).then(
      (result) => show("result", resultLine(cmd, result)),
      (error: unknown) => show("result", (error as Error).message),
    );
  });
}

/** The hub beside the simulated device: its page on `wantedPort` (or a free one). */
async function runHub(
  lifecycle: Lifecycle,
  state: string,
  profile: DeviceProfile,
  brokerPort: number,
  wantedPort: number,
): Promise<void> {
  const webPort = (await portFree(LOCAL, wantedPort)) ? wantedPort : await freePort();
  if (webPort !== wantedPort)
    show("hub", `port ${wantedPort} on ${LOCAL} is in use by another program: the page uses ${webPort}`);
  const haPort = (await portFree(LOCAL, HA_PORT)) ? HA_PORT : await freePort();
  if (haPort !== HA_PORT)
    show("hub", `port ${HA_PORT} on ${LOCAL} is in use by another program: Home Assistant's endpoint uses ${haPort}`);
  const allowFile = path.join(projectRoot, HA_ALLOW_FILE);
  const allow = loadHaAllow(allowFile);
  const starting = startHub({
    stateDir: state,
    profiles: [profile],
    broker: { host: LOCAL, port: brokerPort },
    web: { host: LOCAL, port: webPort },
    homeAssistant: { host: LOCAL, port: haPort, allow },
    version: projectVersion(),
    // The page's updates install the project's build, made when an owner asks (as npm run ota),
    // at package.json's version then (read at each use).
    updates: {
      version: projectVersion,
      bundle: (device, v) => projectBundle(projectConfig(), device, { version: v }),
    },
    log: (line) => show("hub", line),
  });
  lifecycle.add("stopping the hub", async () => (await starting.catch(() => undefined))?.stop());
  const hub = await starting;
  show("hub", `operators' page: ${hub.url} (a client certificate from this CA is required)`);
  show(
    "hub",
    `operator certificate: npm run pki -- user NAME, then import ${path.relative(projectRoot, state)}/pki/user/NAME/NAME.p12 into the browser (README: "The hub")`,
  );
  const store = new PkiStore(state);
  for (const line of haSummary(hub.homeAssistant, allow, {
    identityDir: (name) => path.relative(projectRoot, store.identityDir("ha", name)),
    ca: path.relative(projectRoot, store.caCertFile),
    allowFile: path.relative(projectRoot, allowFile),
  }))
    show("hub", line);
}

// An error at any step: one line, and everything started so far stopped.
runTool(
  "start",
  {
    options: OPTIONS,
    stopOnFailure: (line) => {
      if (life) void life.stop(1, line);
      return life !== undefined;
    },
  },
  ({ values }) => main(values),
);
