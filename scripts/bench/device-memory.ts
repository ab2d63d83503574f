// `npm run bench`, RAM on Espruino's interpreter the way an ESP32 sees it: Espruino variables
// in use (process.memory().usage, after the garbage collection it runs first,
// src/jswrap_process.c) by the BUILT every-feature bundle running the relay and telemetry,
// connected to Mosquitto over mutual TLS and idle. The code text is not in it: functions keep
// their code in the flash .bootcde was loaded from, the Linux build's emulated flash as an
// ESP32's (docs/espruino.md). Apart from it, what the TLS link holds: its buffers come from
// the variable pool on the Linux build, from the native heap on an ESP32 (the usage with the
// link up minus with it down). Then the usage over a telemetry run and a command burst, which must
// not grow. The hour of telemetry is scaled down: a report every TELEMETRY_MS instead of a
// minute, as many reports as an hour (or more) would send.
import { rm } from "node:fs/promises";
import type mqtt from "mqtt";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { deviceStorageFiles } from "../lib/provision.ts";
import type { Broker } from "../../test/support/broker.ts";
import { RealEspruino } from "../../test/support/espruino.ts";
import type { TestPki } from "../../test/support/pki.ts";
import { relayBehaviour } from "../../test/support/profile.ts";
import { signer } from "../../test/support/signed.ts";
import { e2eProfile, WIFI } from "../../test/support/sim.ts";

const T = "latchkey/door-1";
const TELEMETRY_MS = Number(process.env.BENCH_TELEMETRY_MS ?? 1000);
// The profile check refuses a shorter telemetry period (firmware/app/profile/profile-check.ts):
// the device would wait for a profile and the run would time out a minute later.
if (!(TELEMETRY_MS >= 1000))
  throw new Error(`BENCH_TELEMETRY_MS is ${TELEMETRY_MS}: at least 1000 (telemetry.periodMs)`);
const TELEMETRY_REPORTS = Number(process.env.BENCH_TELEMETRY_REPORTS ?? 120);
const BURST = Number(process.env.BENCH_BURST ?? 1000);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`bench: no ${what} within ${timeoutMs} ms`);
    await wait(10);
  }
}

/** Printed by a .boot2 shim every MEMORY_MS: the variables in use (process.memory() collects
 *  garbage first). The console is not used: typed lines met the device's own output. */
const MEMORY_MS = 2000;
const MEMORY_SHIM =
  'print("BENCH_BLOCK "+process.memory().blocksize+" "+E.getSizeOf(require("Storage").read(".bootcde")));' +
  `setInterval(function(){print("BENCH_MEM "+process.memory().usage);},${MEMORY_MS});`;

/** The next usage the device prints from now on. */
async function usage(device: RealEspruino): Promise<number> {
  const line = await device.waitFor(/BENCH_MEM \d/, MEMORY_MS * 3 + 10000, device.lines.length);
  return Number(line.split("BENCH_MEM ")[1]);
}

/** The every-feature bundle running the relay and telemetry (the maintenance window and the
 *  signed commands are always on). */
function everyFeature(port: number): DeviceProfile {
  return e2eProfile(port, {
    relay: relayBehaviour({ mode: "switch" }),
    telemetry: { periodMs: TELEMETRY_MS, minIntervalMs: 100 },
  });
}

export async function memoryFigures(
  pki: TestPki,
  broker: Broker,
  connectHub: () => Promise<mqtt.MqttClient>,
  bundle: string,
): Promise<void> {
  let hub = await connectHub();
  const files = deviceStorageFiles(everyFeature(broker.port), pki.stateDir, WIFI, bundle);
  let live = false;
  let telemetry = 0;
  const onMessage = (topic: string, _payload: Buffer, packet: { retain?: boolean }) => {
    if (topic === `${T}/relay/state` && !packet.retain) live = true;
    if (topic === `${T}/telemetry`) telemetry++;
  };
  hub.on("message", onMessage);
  const device = await RealEspruino.boot({ ...files, ".boot2": MEMORY_SHIM });
  try {
    await until("live state report", () => live, 60000).catch((e: Error) => {
      throw new Error(`${e.message}; the device printed:\n${device.lines.slice(-30).join("\n")}`);
    });
    await wait(3000);
    const [blocksize, code] = (await device.waitFor(/BENCH_BLOCK \d/)).split("BENCH_BLOCK ")[1].split(" ").map(Number);
    const idle = [await usage(device), await usage(device), await usage(device)];
    // The code text: .bootcde is read from the (emulated) flash as one native string, and each
    // function's code is a native string pointing into it, one variable whatever its length
    // (src/jsparse.c, jspeFunctionDefinitionInternal: jsvNewNativeString/jsvNewFlashString),
    // as on an ESP32's memory-mapped flash: no text is in the count (`code` says .bootcde's).
    // The link down: the TLS buffers and the socket are gone.
    const from = device.lines.length;
    await broker.stop();
    await device.waitFor(/MQTT down: /, 30000, from);
    const down = await usage(device);
    await broker.start();
    hub = await connectHub();
    hub.on("message", onMessage);
    await device.waitFor(/MQTT connected/, 60000, from);
    await wait(3000);
    const connected = Math.min(...idle);
    const tls = connected - down;
    // Telemetry: TELEMETRY_REPORTS reports, usage at each quarter.
    const telemetryUsage: number[] = [];
    for (let q = 0; q < 4; q++) {
      const target = telemetry + TELEMETRY_REPORTS / 4;
      await until("telemetry reports", () => telemetry >= target, (TELEMETRY_REPORTS / 4) * TELEMETRY_MS * 4 + 30000);
      telemetryUsage.push(await usage(device));
    }
    // The command burst, signed ON/OFF in turn, usage at each quarter.
    const cmd = signer(hub, pki.stateDir, "latchkey", "door-1");
    const started = Date.now();
    const burstUsage: number[] = [];
    for (let i = 0; i < BURST; i++) {
      const result = await cmd.send(i % 2 ? "OFF" : "ON");
      if (!result.accepted) throw new Error(`bench: command refused: ${result.detail}`);
      if ((i + 1) % Math.max(1, Math.floor(BURST / 4)) === 0) burstUsage.push(await usage(device));
    }
    const burstSeconds = (Date.now() - started) / 1000;
    await wait(2000);
    const after = await usage(device);

    const kb = (vars: number) => `${vars} variables (${((vars * blocksize) / 1024).toFixed(1)} KB)`;
    console.log(
      `RAM on Espruino's interpreter, ${blocksize}-byte variables (an ESP32's are 14 bytes, 16,383 at most without PSRAM), the every-feature bundle running the relay and telemetry:`,
    );
    console.log(`  in use, connected and idle:                  ${kb(connected)}`);
    console.log(
      `    the code text: not in it (.bootcde is ${code} variable in RAM: functions point into the flash, one variable each)`,
    );
    console.log(`    of which the TLS link (native heap on ESP32): ${kb(tls)}`);
    console.log(`    the rest, what an ESP32 holds in its pool:   ${kb(connected - tls)}`);
    console.log(
      `  over ${TELEMETRY_REPORTS} telemetry reports, one every ${TELEMETRY_MS} ms (${((TELEMETRY_REPORTS * 60000) / 3600000).toFixed(1)} h at one a minute), at each quarter: ${telemetryUsage.join(", ")} variables`,
    );
    console.log(
      `  over ${BURST} signed commands (${burstSeconds.toFixed(0)} s), at each quarter: ${burstUsage.join(", ")}; 2 s after: ${after} variables (idle before: ${connected})`,
    );
  } finally {
    hub.removeListener("message", onMessage);
    await device.powerOff();
    await rm(device.dir, { recursive: true, force: true });
  }
}
