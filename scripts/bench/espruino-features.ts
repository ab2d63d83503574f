// Bench-only entry, run on Espruino's own interpreter (never flashed): an hour of telemetry
// samples under fake time, a garage cycle and an interlock burst, with the interpreter's
// variable count (process.memory().usage) before and after. Build it with buildFirmware
// ({entry: "scripts/bench/espruino-features.ts"}) and run the bundle with ESPRUINO.
import { createCover } from "../../firmware/app/actuators/cover";
import { crc8, createDs18b20 } from "../../firmware/app/sensors/ds18b20";
import { createInterlock } from "../../firmware/app/actuators/interlock";
import { createRelay } from "../../firmware/app/actuators/relay";
import { createTelemetry } from "../../firmware/app/sensors/telemetry";

interface Pending {
  at: number;
  run: () => void;
}
let now = 0;
let pending: Pending[] = [];
const clock = { now: () => now };
const timers = {
  set: (run: () => void, ms: number) => {
    const timer = { at: now + ms, run };
    pending.push(timer);
    return timer;
  },
  clear: (handle: unknown) => {
    pending = pending.filter((t) => t !== handle);
  },
};
function advance(ms: number): void {
  const end = now + ms;
  for (;;) {
    let next: Pending | undefined;
    for (let i = 0; i < pending.length; i++)
      if (pending[i].at <= end && (!next || pending[i].at < next.at)) next = pending[i];
    if (!next) break;
    pending = pending.filter((t) => t !== next);
    now = next.at;
    next.run();
  }
  now = end;
}
const memory = (process as unknown as { memory(): { usage: number; free: number } }).memory;
const print = (name: string, value: unknown) => console.log("FEATURES " + JSON.stringify({ name, value }));

// A DS18B20 that answers with 21.5 C and a valid CRC.
const pad = [0x58, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10, 0];
pad[8] = crc8(pad, 8);
const bus = { reset: () => true, skip: () => undefined, write: () => undefined, read: () => pad };
const pins = {
  output: () => ({ write: () => undefined }),
  input: () => undefined,
  analog: () => undefined,
  oneWire: () => bus,
};

let sent = 0;
let last = "";
const telemetry = createTelemetry(
  clock,
  timers,
  { memory: () => ({ free: 1, total: 2 }), heap: () => -1, rssi: () => -50 },
  {
    periodMs: 10000,
    minIntervalMs: 1000,
    analog: { pin: "a", scale: 100, offset: 0, threshold: 1, sampleMs: 1000 },
    temperature: { pin: "t", threshold: 0.5, sampleMs: 5000 },
  },
  () => (now % 7000) / 7000,
  createDs18b20(bus, "D4", timers),
);
telemetry.attach((json) => {
  sent++;
  last = json;
  return true;
});
telemetry.linkUp();
advance(60000);
const minute = memory().usage;
advance(3600000 - 60000);
const hour = memory().usage;
print("telemetry reports in an hour", sent);
print("last report", last);
print("variables after one minute / one hour", [minute, hour]);

const relay = createRelay(pins as never, { pin: "D23", activeLow: false }, timers, 0);
const states: string[] = [];
let closed = true;
let open = false;
const cover = createCover(
  relay,
  { mode: "pulse", pulseMs: 500, lockoutMs: 500, maxOnMs: 0, linkLoss: "hold", linkLossMs: 60000, powerOn: "off" },
  { relay: "relay", closed: "c", open: "o", travelMs: 20000 },
  timers,
  () => closed,
  () => open,
  (state, fault) => states.push(state + (fault ? ": " + fault : "")),
);
cover.command("OPEN");
closed = false;
cover.sensed();
advance(5000);
open = true;
cover.sensed();
advance(2000);
cover.command("CLOSE");
open = false;
cover.sensed();
advance(30000);
closed = open = true;
cover.sensed();
print("cover states", states);

const lock = createInterlock(300, clock, timers);
const a = createRelay(pins as never, { pin: "D23", activeLow: false }, timers, 0);
const b = createRelay(pins as never, { pin: "D32", activeLow: false }, timers, 0);
a.lockWith(lock);
b.lockWith(lock);
let both = 0;
const before = memory().usage;
for (let i = 0; i < 1000; i++) {
  (i % 2 ? a : b).set(true);
  if (a.isOn && b.isOn) both++;
  advance(i % 5 === 0 ? 400 : 10);
  if (a.isOn && b.isOn) both++;
}
advance(1000);
print("interlock: times both on in 1,000 commands", both);
print("variables before / after the 1,000 commands", [before, memory().usage]);
