// The simulator's sensor and health APIs, each the way Espruino 2v29 on ESP32 behaves
// (docs/espruino.md "Inputs, sensors and health"): the firmware relies on every one of them.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { dallasCrc, SimDs18b20, SimOneWireBus } from "../../scripts/sim/onewire.ts";
import { PinBank } from "../../scripts/sim/pins.ts";
import { until } from "../support/wait.ts";

async function run(code: string, setup: (d: SimulatedDevice) => void = () => undefined) {
  const device = new SimulatedDevice({
    storageDir: await mkdtemp(path.join(os.tmpdir(), "lk-sim-")),
    wifi: { ssid: "s", password: "p" },
  });
  setup(device);
  device.storage.write(".bootcde", code);
  device.boot();
  return device;
}

describe("analogRead", () => {
  it("reads ADC1 pins (GPIO 32-39) as 12-bit / 4096 and gives NaN elsewhere", async () => {
    const device = await run('console.log(analogRead("D34"), analogRead("D32"), String(analogRead("D25")))', (d) => {
      d.analog.D34 = 0.5;
      d.analog.D32 = 1;
    });
    expect(device.lines).toEqual(["0.5 0.999755859375 NaN"]);
  });
});

describe("OneWire with a DS18B20", () => {
  const readPad =
    'var ow = new OneWire("D4"); var p = ow.reset(); ow.skip(); ow.write(0x44, true);' +
    "setTimeout(function(){ ow.reset(); ow.skip(); ow.write(0xBE); var s = ow.read(9);" +
    "console.log(p, Object.prototype.toString.call(s) === '[object Uint8Array]', JSON.stringify(Array.prototype.slice.call(s)), ow.search()); }, 800);";

  it("answers a reset with presence, converts in 750 ms and sends a scratchpad with a valid CRC", async () => {
    const device = await run(readPad, (d) => {
      const sensor = new SimDs18b20(() => Date.now());
      sensor.celsius = -10.125;
      (d.oneWire.D4 = new SimOneWireBus()).devices.push(sensor);
    });
    await until("the read", () => device.lines.length > 0, 5000);
    const [presence, typed, pad, roms] = device.lines[0].split(" ");
    expect([presence, typed]).toEqual(["true", "true"]);
    const bytes = JSON.parse(pad) as number[];
    expect(bytes[0] | (bytes[1] << 8)).toBe(0x10000 - 162);
    expect(dallasCrc(bytes.slice(0, 8))).toBe(bytes[8]);
    expect(JSON.parse(roms)).toEqual([expect.stringMatching(/^28[0-9a-f]{14}$/)]);
    device.powerOff();
  });

  it("without a sensor: no presence, 0xFF from the pulled-up bus, an empty search", async () => {
    const device = await run(readPad);
    await until("the read", () => device.lines.length > 0, 5000);
    expect(device.lines[0]).toBe("false true [255,255,255,255,255,255,255,255,255] []");
  });

  it("reads 85 C before the first conversion ends, a corrupted CRC when told to, and refuses a bad ROM", () => {
    let now = 0;
    const bus = new SimOneWireBus();
    const sensor = new SimDs18b20(() => now);
    bus.devices.push(sensor);
    const pad = () => {
      bus.skip();
      bus.write(0xbe);
      return Array.from(bus.read(9) as Uint8Array);
    };
    bus.skip();
    bus.write(0x44, true);
    expect((pad()[0] | (pad()[1] << 8)) / 16).toBe(85);
    now = 750;
    expect(pad()[0]).toBe(Math.round(21.5 * 16) & 0xff);
    sensor.corruptCrc = true;
    const bad = pad();
    expect(dallasCrc(bad.slice(0, 8))).not.toBe(bad[8]);
    expect(() => bus.select("28ff")).toThrow("Invalid OneWire device address");
    bus.select(sensor.rom);
    bus.write(0xbe);
    expect((bus.read(9) as Uint8Array)[4]).toBe(0x7f);
  });
});

describe("health", () => {
  it("Wifi getStatus has rssi only while joined; process.memory and ESP32.getState report what the test sets", async () => {
    const device = await run(
      'var w = require("Wifi"); console.log(JSON.stringify(w.getStatus()));' +
        'w.connect("s", {password:"p"}, function(){ console.log(JSON.stringify(w.getStatus())); });' +
        "console.log(process.memory().free, process.memory().blocksize, ESP32.getState().freeHeap);",
      (d) => {
        d.rssi = -71;
        d.memory.free = 9000;
        d.freeHeap = 51000;
      },
    );
    await until("the join", () => device.lines.length === 3, 5000);
    expect(device.lines).toEqual(['{"station":"off"}', "9000 14 51000", '{"station":"connected","rssi":-71}']);
  });
});

describe("setWatch on ESP32", () => {
  it("turns the pull-up on whatever pinMode said, and GPIO 34-39 have no pulls at all", () => {
    const bank = new PinBank(
      () => 0,
      (fn) => fn(),
    );
    bank.pinMode("D27", "input_pulldown");
    expect(bank.level("D27")).toBe(false);
    bank.setWatch(() => undefined, "D27", { repeat: true });
    expect(bank.history.at(-1)).toMatchObject({ pin: "D27", kind: "mode", mode: "input_pullup" });
    expect(bank.level("D27")).toBe(true);
    bank.pinMode("D27", "input_pulldown");
    expect(bank.level("D27")).toBe(false);
    bank.pinMode("D35", "input_pullup");
    expect(bank.level("D35")).toBe(false);
  });
});

describe("Storage.readJSON in the device", () => {
  it("gives arrays and objects of the device's own realm (instanceof Array holds, as on Espruino)", async () => {
    const device = await run(
      'var v = require("Storage").readJSON("lk.list", true); console.log(v.list instanceof Array, Array.isArray(v.list), v instanceof Object);',
      (d) => d.storage.write("lk.list", '{"list":[1,2]}'),
    );
    expect(device.lines).toEqual(["true true true"]);
  });
});
