// Seeding Espruino's generator (which mbedTLS draws from) before every tls.connect, on each
// board's RNG register, in the built bundle on the simulated ESP32 (scripts/sim/random.ts
// models the register per board and the fixed-seed generator; test/sim/consoles.test.ts
// checks that model). Nothing listens on the port: every attempt fails and retries.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import type { Board } from "../../scripts/sim/random.ts";
import { freePort, mosquittoMissing } from "../support/broker.ts";
import { connectTls, makeTestPki } from "../support/pki.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

async function attempts(board: Board, count: number): Promise<SimulatedDevice> {
  const pki = await makeTestPki();
  await pki.issue("device", "door-1");
  const device = await bootDevice(pki.stateDir, e2eProfile(await freePort()), { board, tlsMemoryWindowMs: 0 });
  await until(`${count} TLS attempts`, () => device.tlsConnects.length >= count, 20000);
  device.powerOff();
  return device;
}

/** For each tls.connect: the seed given to E.srand since the previous one, and the last RNG
 *  register value read before that seed. */
function seedsBeforeConnects(trace: string[]) {
  const seeds: { seed: number; rng?: number }[] = [];
  let seed: number | undefined;
  let rng: number | undefined;
  let rngAtSeed: number | undefined;
  for (const entry of trace) {
    const [what, value] = entry.split(" ");
    if (what === "rng") rng = Number(value);
    if (what === "srand") [seed, rngAtSeed] = [Number(value), rng];
    if (what === "tls.connect") {
      if (seed === undefined) throw new Error(`tls.connect without E.srand before it: ${trace.join(", ")}`);
      seeds.push({ seed, rng: rngAtSeed });
      seed = undefined;
    }
  }
  return seeds;
}

describe("E.srand before every tls.connect", () => {
  for (const board of ["ESP32", "ESP32_IDF4", "ESP32C3_IDF4", "ESP32S3_IDF4"] as const) {
    it(`on ${board}: from its RNG register`, async () => {
      const device = await attempts(board, 3);
      const seeds = seedsBeforeConnects(device.trace);
      expect(seeds.length).toBeGreaterThanOrEqual(3);
      for (const { seed, rng } of seeds) {
        expect(rng).toBeDefined();
        expect(seed ^ rng!).toBe(0);
      }
      expect(new Set(seeds.map((s) => s.seed)).size).toBe(seeds.length);
      expect(device.lines.filter((l) => /no RNG register/.test(l))).toEqual([]);
    }, 30000);
  }

  it("where no RNG register is known: says so, and never draws from the fixed-seed generator", async () => {
    const device = await attempts("LINUX", 2);
    expect(device.lines).toContain("[latchkey] WARN no RNG register known on LINUX: hashed timing jitter");
    const seeds = seedsBeforeConnects(device.trace);
    expect(seeds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seeds.map((s) => s.seed)).size).toBe(seeds.length);
    // Randomness comes from the hashed pool (test/espruino/random.test.ts), not Math.random.
    expect(device.trace).not.toContain("Math.random");
  }, 30000);
});

describe.skipIf(mosquittoMissing())("the boot id of the signed reports", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
  ]);
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  cleanUpAfterEach(devices, clients);

  it("is drawn from the RNG register after Wi-Fi is up (the register is true random only with the radio on)", async () => {
    const device = await bootDevice(world.pki.stateDir, e2eProfile(world.broker.port), { board: "ESP32" });
    devices.push(device);
    const hub = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    clients.push(hub);
    const boots: string[] = [];
    hub.on("message", (_t, payload) => boots.push((JSON.parse(payload.toString()) as { boot: string }).boot));
    await hub.subscribeAsync("latchkey/door-1/relay/state", { qos: 1 });
    await until("a signed relay report", () => boots.length > 0, 15000);
    // randomHex takes each hex digit from one draw: the top 4 bits of one register read.
    const digits = device.trace.map((e) => (e.startsWith("rng ") ? (Number(e.slice(4)) >>> 28).toString(16) : " "));
    const at = digits.join("").indexOf(boots[0]!);
    expect(at, `the boot id ${boots[0]} in the register reads`).toBeGreaterThanOrEqual(0);
    expect(at).toBeGreaterThan(device.trace.indexOf("wifi.connect"));
    // tls.connect comes only once Wi-Fi has joined.
    expect(at).toBeGreaterThan(device.trace.indexOf("tls.connect"));
  }, 30000);
});
