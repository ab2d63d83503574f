// `npm run bench`: measured figures, never asserted in tests (DEVELOPERS.md).
// 1. Codec throughput in Node, ours and the mqtt-packet package on the same packets, in one
//    run, reported as a ratio. 2. Minified bytes the MQTT layer adds to the bundle.
// 3. The memory bounds the configuration implies. 4. The codec on Espruino's own interpreter
//    beside Espruino's MQTT module (espruino.ts, when ESPRUINO is set). 5. The state
//    echo through Mosquitto with and without set_tcp_nodelay (bench/echo.ts). 6. Bytes per
//    signed-command feature and the time one verification takes (bench/security.ts).
// 7. On Espruino's interpreter through Mosquitto over mutual TLS: the signed command path,
//    boot and reconnect times, beside Espruino's MQTT module with an unsigned command, and
//    the device's RAM over telemetry and a command burst (bench/command-path.ts,
//    bench/device-memory.ts; ESPRUINO set). 8. With `--fleet`, only the fleet at 100, 250 and
//    500 simulated devices (bench/fleet.ts).
// BENCH_HOG=N runs N busy loops beside the whole bench (one per core loads the machine as
// other work would): the Espruino ratios are taken in turns within one interpreter, so they
// should hold. BENCH_RUNS, BENCH_BURST, BENCH_TELEMETRY_REPORTS and BENCH_TELEMETRY_MS scale
// the command-path and RAM runs down for a quick look (defaults 21, 1000, 120, 1000 ms).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqttPacket from "mqtt-packet";
import { buildFirmware } from "../../build/build.ts";
import { bytesByFile } from "./bytes-by-file.ts";
import { decodeAny } from "../../firmware/mqtt/codec/decode-any.ts";
import { Decoder } from "../../firmware/mqtt/codec/decoder.ts";
import { encode } from "../../firmware/mqtt/codec/encode-any.ts";
import type { Packet } from "../../firmware/mqtt/codec/packets.ts";
import { espruinoFigures } from "./espruino.ts";
import { echoFigures } from "./echo.ts";
import { runTool } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { securityFigures } from "./security.ts";
import { commandPathFigures } from "./command-path.ts";
import { fleetFigures } from "./fleet.ts";
import { spawn, type ChildProcess } from "node:child_process";

const USAGE = "usage: npm run bench [-- --fleet]";
const root = path.resolve(import.meta.dirname, "../..");
const config = loadConfig(path.join(root, "espruino.config.json"));

const SAMPLE: Packet[] = [
  {
    type: 1,
    clientId: "garage-door",
    cleanSession: true,
    keepalive: 30,
    will: { topic: "latchkey/garage-door/availability", payload: "offline", qos: 1, retain: true },
  },
  {
    type: 3,
    topic: "latchkey/garage-door/relay/set",
    payload: '{"cmd":"ON","ctr":1042,"mac":"9f2c1b7e0d4a6e3f"}',
    qos: 1,
    retain: false,
    dup: false,
    id: 7,
  },
  { type: 3, topic: "latchkey/garage-door/telemetry", payload: "x".repeat(1000), qos: 0, retain: false, dup: false },
  { type: 4, id: 7 },
  { type: 8, id: 1, subscriptions: [{ filter: "latchkey/garage-door/relay/set", qos: 1 }] },
  { type: 9, id: 1, granted: [1] },
  { type: 13 },
];

/** The same packets in mqtt-packet's object shape. */
function toMqttPacket(p: Packet): mqttPacket.Packet {
  switch (p.type) {
    case 1:
      return {
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clientId: p.clientId,
        clean: p.cleanSession,
        keepalive: p.keepalive,
        will: p.will && {
          topic: p.will.topic,
          payload: Buffer.from(p.will.payload, "latin1"),
          qos: p.will.qos,
          retain: p.will.retain,
        },
      };
    case 3:
      return {
        cmd: "publish",
        topic: p.topic,
        payload: Buffer.from(p.payload, "latin1"),
        qos: p.qos,
        retain: p.retain,
        dup: p.dup,
        messageId: p.id,
      };
    case 4:
      return { cmd: "puback", messageId: p.id };
    case 8:
      return {
        cmd: "subscribe",
        messageId: p.id,
        subscriptions: p.subscriptions.map((s) => ({ topic: s.filter, qos: s.qos as 0 | 1 })),
      };
    case 9:
      return { cmd: "suback", messageId: p.id, granted: p.granted };
    default:
      return { cmd: "pingresp" };
  }
}

/** Best of five 200 ms rounds, in operations per second. */
function rate(work: () => void): number {
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 200) {
      for (let i = 0; i < 100; i++) work();
      ops += 100;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (ops * 1000) / elapsed);
  }
  return best;
}

function codecFigures(): void {
  const theirs = SAMPLE.map(toMqttPacket);
  const oursWire = SAMPLE.map(encode).join("");
  const theirWire = Buffer.concat(theirs.map((p) => mqttPacket.generate(p)));
  if (Buffer.from(oursWire, "latin1").compare(theirWire) !== 0)
    throw new Error("the two encoders disagree on the sample");
  const decoder = new Decoder(1 << 16, decodeAny);
  let decoded = 0;
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", () => decoded++);
  const rows = [
    [
      "encode (7 packets)",
      rate(() => SAMPLE.forEach(encode)),
      rate(() => theirs.forEach((p) => mqttPacket.generate(p))),
    ],
    ["decode (7 packets)", rate(() => decoder.push(oursWire, () => decoded++)), rate(() => parser.parse(theirWire))],
  ] as const;
  console.log(`Codec throughput, Node ${process.version}, sample of ${oursWire.length} bytes (best of 5 x 200 ms):`);
  for (const [name, ours, them] of rows) {
    console.log(
      `  ${name.padEnd(20)} latchkey ${Math.round(ours).toLocaleString("en").padStart(10)}/s   mqtt-packet ${Math.round(them).toLocaleString("en").padStart(10)}/s   ratio ${(ours / them).toFixed(2)}`,
    );
  }
}

async function sizeFigures(): Promise<void> {
  const out = await mkdtemp(path.join(os.tmpdir(), "latchkey-bench-"));
  const build = (entry: string) =>
    buildFirmware({
      root,
      entry,
      outFile: path.join(out, path.basename(entry, ".ts") + ".js"),
      version: "0.0.0",
      sizeBudgetBytes: 1 << 20,
    });
  try {
    const empty = await build("scripts/bench/empty.ts");
    const mqttOnly = await build("scripts/bench/mqtt-only.ts");
    const mqtt = await build("scripts/bench/mqtt-layer.ts");
    const device = await build("firmware/main.ts");
    // What the bundle holds of firmware/mqtt/, byte by byte through the source map: the
    // difference to an empty bundle would count the bench entry's own options and handlers.
    const mqttBytes = (file: string) =>
      Object.entries(bytesByFile(file, root))
        .filter(([source]) => source.includes("firmware/mqtt/"))
        .reduce((sum, [, bytes]) => sum + bytes, 0);
    console.log("Bundle bytes (minified, Espruino check passed):");
    console.log(
      `  mqtt/ (codec and session), alone:              ${mqttBytes(mqttOnly.outFile)} bytes (target <= 6144)`,
    );
    console.log(`  mqtt/ in dist/latchkey.js:                     ${mqttBytes(device.outFile)} bytes`);
    console.log(`  mqtt/ + net/ (backoff, TLS transport) + hal TLS: ${mqtt.bytes - empty.bytes} bytes`);
    console.log(`  dist/latchkey.js as built: ${device.bytes} bytes (budget ${config.build.sizeBudgetBytes})`);
    console.log("  the whole firmware with every feature, per source file (from its source map):");
    const perFile = Object.entries(bytesByFile(device.outFile, root)).sort((x, y) => y[1] - x[1]);
    for (const [file, bytes] of perFile) console.log(`    ${String(bytes).padStart(6)}  ${file}`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

function memoryFigures(): void {
  const m = config.device.mqtt;
  const inflight = (m as { maxInflight?: number }).maxInflight ?? 8;
  console.log("Memory bounds implied by espruino.config.json:");
  console.log(`  decoder buffer <= maxPacketBytes = ${m.maxPacketBytes} bytes`);
  console.log(
    `  in-flight QoS 1 store <= ${inflight} messages and maxInflightBytes = maxPacketBytes = ${m.maxPacketBytes} bytes`,
  );
}

async function allFigures(): Promise<void> {
  codecFigures();
  await sizeFigures();
  memoryFigures();
  await espruinoFigures();
  await echoFigures();
  await securityFigures(root);
  await commandPathFigures();
}

runTool("bench", { options: { fleet: { type: "boolean", default: false } }, usage: USAGE }, async ({ values }) => {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < Number(process.env.BENCH_HOG ?? 0); i++) {
    hogs.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
  }
  if (hogs.length) console.log(`With ${hogs.length} busy loop(s) beside the bench (BENCH_HOG).`);
  console.log(`Load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores at the start.`);
  try {
    // `npm run bench -- --fleet`: only the fleet figures (bench/fleet.ts), they take minutes.
    if (values.fleet) await fleetFigures();
    else await allFigures();
  } finally {
    hogs.forEach((h) => h.kill());
  }
});
