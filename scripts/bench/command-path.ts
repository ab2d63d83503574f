// `npm run bench`, the command path on Espruino's own interpreter (ESPRUINO set, Mosquitto
// installed): the BUILT bundle boots on the Linux build from emulated Storage and talks to the
// project's Mosquitto over mutual TLS (RSA-2048 and DHE-RSA: what the Linux build's mbedTLS
// offers, docs/espruino.md), as test/espruino/device.test.ts runs it. Timed, RUNS times each:
// a signed command from the hub identity (nonce/get, the nonce, the signed command, the relay
// pin, the verified result: what `npm run command` does), boot to "ready for commands" (the
// device's live state report, sent after it subscribed), and reconnect after a broker restart.
// Then the same command path driven by Espruino's MQTT module (ESPRUINO_MQTT_JS) with an
// unsigned command and a plain result: what the signing costs. The share of each round trip
// the device's process spent on the CPU (its JavaScript and its TLS, from /proc) is shown
// beside it. Figures only, nothing asserted.
import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type mqtt from "mqtt";
import { deviceStorageFiles } from "../lib/provision.ts";
import { mosquittoMissing, startProjectBroker, type Broker } from "../../test/support/broker.ts";
import { ESPRUINO, RealEspruino } from "../../test/support/espruino.ts";
import { connectTls, makeTestPki, type TestPki } from "../../test/support/pki.ts";
import { signer } from "../../test/support/signed.ts";
import { builtBundle, e2eProfile, WIFI } from "../../test/support/sim.ts";
import { prepareEspruinoModule } from "./espruino.ts";
import { memoryFigures } from "./device-memory.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const T = "latchkey/door-1";
/** Printed by a .boot2 shim: .boot0 (the OTA stub) and .boot1 (the pin shim) ran, .bootcde is next. */
const BOOT_MARK = "BENCH_BOOT";

/** Clock ticks of CPU (user + system) the process has used, in ms (/proc/<pid>/stat). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "(comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface Sample {
  ms: number;
  cpu: number;
}

function row(label: string, samples: Sample[], cpu = true): string {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const worst = sorted[sorted.length - 1];
  const wall = samples.reduce((sum, s) => sum + s.ms, 0);
  const used = samples.reduce((sum, s) => sum + s.cpu, 0);
  const share = cpu && wall ? `${Math.round((100 * used) / wall)}%` : "";
  return `  ${label.padEnd(56)} ${`${median.toFixed(0)} ms`.padStart(8)} ${`${worst.toFixed(0)} ms`.padStart(9)} ${share.padStart(7)}`;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, test: () => boolean, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`bench: no ${what} within ${timeoutMs} ms`);
    await wait(5);
  }
}

/** A device whose boot the hub watches: resolves once its live state report arrived. */
async function bootToReady(
  files: Record<string, string>,
  hub: mqtt.MqttClient,
  readyTopic: string,
): Promise<{ device: RealEspruino; sample: Sample }> {
  let readyAt = 0;
  const onMessage = (topic: string, _payload: Buffer, packet: { retain?: boolean }) => {
    if (topic === readyTopic && !packet.retain && !readyAt) readyAt = Date.now();
  };
  hub.on("message", onMessage);
  const device = await RealEspruino.boot({ ...files, ".boot2": `print("${BOOT_MARK}");` });
  try {
    const mark = await device.waitFor(new RegExp(BOOT_MARK), 60000);
    const bootAt = device.started + Number(mark.split(" ")[0]);
    const cpuBefore = cpuMs(device.pid);
    await until("live state report", () => readyAt > 0, 60000);
    return { device, sample: { ms: readyAt - bootAt, cpu: cpuMs(device.pid) - cpuBefore } };
  } catch (error) {
    await device.powerOff();
    throw error;
  } finally {
    hub.removeListener("message", onMessage);
  }
}

async function powerOff(device: RealEspruino): Promise<void> {
  await device.powerOff();
  await rm(device.dir, { recursive: true, force: true });
}

/** Espruino's MQTT module on the same TLS link, obeying an unsigned command: what a user of
 *  the module would write. Client id = the certificate's name, as the broker requires. */
function modulePrograms(moduleCode: string, port: number): string {
  return (
    moduleCode +
    `var s=require("Storage");` +
    `var sock=require("tls").connect({host:"127.0.0.1",port:${port},ca:s.read("lk.ca"),cert:s.read("lk.cert"),key:s.read("lk.key")});` +
    `var m=EMQTT.create("127.0.0.1",{client_id:"door-1",keep_alive:30});` +
    `m.on("connected",function(){m.subscribe("${T}/relay/set",{qos:1});});` +
    `m.on("subscribed",function(){EMQTT_PUBLISH(m,"${T}/relay/state","OFF",{qos:1});});` +
    `m.on("message",function(t,p){digitalWrite(D23,p=="ON");EMQTT_PUBLISH(m,"${T}/result",p,{qos:1});});` +
    `m.connect(sock);`
  );
}

export async function commandPathFigures(): Promise<void> {
  if (!ESPRUINO || mosquittoMissing()) {
    console.log("Command path on Espruino: skipped (set ESPRUINO, and install Mosquitto)");
    return;
  }
  let pki: TestPki | undefined;
  let broker: Broker | undefined;
  const clients: mqtt.MqttClient[] = [];
  let device: RealEspruino | undefined;
  try {
    pki = await makeTestPki("rsa");
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    broker = await startProjectBroker(pki.stateDir, "latchkey", false, { dheRsa: true });
    const b = broker;
    const credentials = pki.credentials("hub", "hub");
    /** A hub client (a new one after each broker restart: it does not reconnect by itself). */
    const connectHub = async () => {
      clients.splice(0).forEach((c) => c.end(true));
      const client = await connectTls(b.port, credentials);
      clients.push(client);
      await client.subscribeAsync([`${T}/relay/state`, `${T}/result`, `${T}/telemetry`], { qos: 1 });
      return client;
    };
    let hub = await connectHub();
    const profile = e2eProfile(b.port);
    const bundle = await builtBundle();
    const files = deviceStorageFiles(profile, pki.stateDir, WIFI, bundle);

    const boots: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const booted = await bootToReady(files, hub, `${T}/relay/state`);
      boots.push(booted.sample);
      if (i < RUNS - 1) await powerOff(booted.device);
      else device = booted.device;
    }
    const live = device!;

    // The signed command path, ON and OFF in turn, and its nonce round trip alone.
    const cmd = signer(hub, pki.stateDir, "latchkey", "door-1");
    const commands: Sample[] = [];
    const nonces: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      let nonceAt = 0;
      const onNonce = (topic: string) => {
        if (topic === `${T}/nonce` && !nonceAt) nonceAt = Date.now();
      };
      // One command after another: a command that used up the live nonce ends the device's
      // nonce gap (firmware/app/protocol/results.ts), so none waits for the next.
      hub.on("message", onNonce);
      const cpuBefore = cpuMs(live.pid);
      const started = Date.now();
      const result = await cmd.send(i % 2 ? "OFF" : "ON");
      const ms = Date.now() - started;
      hub.removeListener("message", onNonce);
      if (!result.accepted) throw new Error(`bench: command refused: ${result.detail}`);
      commands.push({ ms, cpu: cpuMs(live.pid) - cpuBefore });
      nonces.push({ ms: nonceAt - started, cpu: 0 });
    }

    // Reconnect after a broker restart: from Mosquitto listening again to the device's
    // "MQTT connected" line (its CONNACK; it subscribes and reports in the same turn).
    const reconnects: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const from = live.lines.length;
      await b.stop();
      await live.waitFor(/MQTT down: /, 30000, from);
      await b.start();
      const restarted = Date.now();
      const cpuBefore = cpuMs(live.pid);
      const line = await live.waitFor(/MQTT connected/, 60000, live.lines.length);
      reconnects.push({ ms: live.started + Number(line.split(" ")[0]) - restarted, cpu: cpuMs(live.pid) - cpuBefore });
    }
    hub = await connectHub();
    await powerOff(live);
    device = undefined;

    // The same path with Espruino's MQTT module, an unsigned command and a plain result.
    const plain: Sample[] = [];
    const moduleFile = process.env.ESPRUINO_MQTT_JS;
    if (moduleFile) {
      const module = await prepareEspruinoModule(await readFile(moduleFile, "utf8"));
      const moduleFiles = { ...files, ".bootcde": modulePrograms(module.code + "\n", b.port) };
      const booted = await bootToReady(moduleFiles, hub, `${T}/relay/state`);
      device = booted.device;
      let result = "";
      hub.on("message", (topic, payload) => {
        if (topic === `${T}/result`) result = payload.toString();
      });
      for (let i = 0; i < RUNS; i++) {
        const want = i % 2 ? "OFF" : "ON";
        result = "";
        const cpuBefore = cpuMs(device.pid);
        const started = Date.now();
        await hub.publishAsync(`${T}/relay/set`, want, { qos: 1 });
        await until("the module's result", () => result === want, 10000);
        plain.push({ ms: Date.now() - started, cpu: cpuMs(device.pid) - cpuBefore });
      }
    }

    console.log(
      `Command path on Espruino's interpreter through Mosquitto over mutual TLS (RSA-2048), ${RUNS} runs each` +
        ` (load average ${os.loadavg()[0].toFixed(1)}); the device's share is the CPU its process used over the wall time:`,
    );
    console.log(`  ${"".padEnd(56)} ${"median".padStart(8)} ${"worst".padStart(9)} ${"device".padStart(7)}`);
    console.log(row("signed command -> pin -> verified result (one after another)", commands));
    console.log(row("  of which nonce/get -> nonce at the hub", nonces, false));
    if (plain.length) console.log(row("Espruino's MQTT module, unsigned command -> result", plain));
    console.log(row("boot (.bootcde starts) -> ready for commands", boots));
    console.log(
      row(
        `reconnect: broker back -> CONNACK (backoff ${profile.backoff?.baseMs}-${profile.backoff?.capMs} ms)`,
        reconnects,
      ),
    );
    if (device) await powerOff(device);
    device = undefined;
    // RAM with every feature, idle, over telemetry and a command burst (device-memory.ts).
    await memoryFigures(pki, b, connectHub, bundle);
  } finally {
    if (device) await powerOff(device);
    clients.forEach((c) => c.end(true));
    await broker?.stop();
    if (pki) await rm(pki.stateDir, { recursive: true, force: true });
    // builtBundle's output (test/support/sim.ts).
    const built = path.join(os.tmpdir(), `latchkey-e2e-${process.pid}.js`);
    await Promise.all([rm(built, { force: true }), rm(`${built}.map`, { force: true })]);
  }
}
