// Telemetry and the DS18B20 driver under fake time: the JSON, the rate limit, significant
// changes, the sensor's CRC and presence errors, and an hour of samples holding no more timers
// than the first minute.
import { describe, expect, it } from "vitest";
import { crc8, createDs18b20, type Ds18b20 } from "../../firmware/app/sensors/ds18b20.ts";
import type { TelemetryBehaviour } from "../../firmware/app/profile/profile.ts";
import { createTelemetry } from "../../firmware/app/sensors/telemetry.ts";
import { dallasCrc, SimDs18b20 } from "../../scripts/sim/onewire.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

const SPEC: TelemetryBehaviour = { periodMs: 60000, minIntervalMs: 5000 };

function telemetry(spec: Partial<TelemetryBehaviour> = {}, withSensor = false) {
  const fake = createFakePlatform();
  const sent: { t: number; json: Record<string, unknown> }[] = [];
  const full = { ...SPEC, ...spec };
  let sensor: SimDs18b20 | undefined;
  let driver: Ds18b20 | undefined;
  if (withSensor) {
    sensor = new SimDs18b20(() => fake.time.now);
    fake.bus("D4").devices.push(sensor);
    driver = createDs18b20(fake.platform.pins.oneWire("D4"), "D4", fake.platform.timers);
  }
  const t = createTelemetry(
    fake.platform.clock,
    fake.platform.timers,
    fake.platform.health,
    full,
    full.analog ? fake.platform.pins.analog("D34") : undefined,
    driver,
  );
  let online = true;
  t.attach((json) => {
    if (!online) return false;
    sent.push({ t: fake.time.now, json: JSON.parse(json) });
    return true;
  });
  return { ...fake, t, sent, sensor, setOnline: (v: boolean) => (online = v) };
}

describe("telemetry", () => {
  it("reports health as compact JSON: uptime, free variables, native heap, RSSI, reconnects, last drop", () => {
    const x = telemetry();
    x.time.advance(1500);
    x.t.linkUp();
    x.t.linkDown("keepalive timeout");
    x.time.advance(10000);
    x.t.linkUp();
    expect(x.sent.map((s) => s.json)).toEqual([
      { up: 1, free: 12000, vars: 16383, heap: 90000, rssi: -52, reconnects: 0, drop: "" },
      { up: 11, free: 12000, vars: 16383, heap: 90000, rssi: -52, reconnects: 1, drop: "keepalive timeout" },
    ]);
    x.health.heap = -1;
    x.health.rssi = undefined;
    expect(JSON.parse(x.t.json())).toEqual({
      up: 11,
      free: 12000,
      vars: 16383,
      reconnects: 1,
      drop: "keepalive timeout",
    });
  });

  it("reports uptime as time since boot, on a board whose clock is already set and when it is set later", () => {
    // Espruino's getTime() is the wall clock (gettimeofday on ESP32, targets/esp32/jshardware.c):
    // the Linux build starts with it set, an ESP32 gets it from SNTP after joining. Setting it
    // moves getTime() but not the timers (setTime: jstSystemTimeChanged), modelled by an offset.
    const fake = createFakePlatform();
    let wallClock = 1796666109000;
    const clock = { now: () => fake.time.now + wallClock };
    const sent: Record<string, unknown>[] = [];
    const t = createTelemetry(clock, fake.platform.timers, fake.platform.health, SPEC, undefined, undefined);
    t.attach((json) => sent.push(JSON.parse(json)) > 0);
    fake.time.advance(90000);
    expect(JSON.parse(t.json()).up).toBe(90);
    // The clock is set (forward a year, then back an hour) between two reports: uptime goes on
    // from where it was, losing at most the interval the jump fell in.
    wallClock += 365 * 24 * 3600 * 1000;
    fake.time.advance(60000);
    wallClock -= 3600 * 1000;
    fake.time.advance(60000);
    const up = JSON.parse(t.json()).up as number;
    expect(up).toBeGreaterThanOrEqual(90);
    expect(up).toBeLessThanOrEqual(210);
    expect(sent.length).toBeGreaterThan(2);
    expect(sent.every((s) => (s.up as number) <= 210)).toBe(true);
  });

  it("reports every periodMs, and never two closer than minIntervalMs under a flood of changes", () => {
    const x = telemetry({ periodMs: 60000, minIntervalMs: 5000 });
    x.t.linkUp();
    for (let i = 0; i < 2000; i++) {
      x.t.significant();
      x.time.advance(30);
    }
    const times = x.sent.map((s) => s.t);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5000);
    expect(x.sent.length).toBe(Math.floor(60000 / 5000) + 1);
    const quiet = x.sent.length;
    x.time.advance(120000);
    expect(x.sent.length).toBe(quiet + 2);
    expect(x.time.pendingCount).toBeLessThanOrEqual(2);
  });

  it("sends nothing while offline and does not count it against the rate limit", () => {
    const x = telemetry();
    x.setOnline(false);
    x.time.advance(60000);
    expect(x.sent).toEqual([]);
    x.setOnline(true);
    x.t.linkUp();
    expect(x.sent.length).toBe(1);
  });

  it("scales the analog input and reports early only when it moves by the threshold", () => {
    const x = telemetry({ analog: { pin: "level", scale: 100, offset: -10, threshold: 5, sampleMs: 1000 } });
    x.analog.D34 = 0.5;
    x.t.linkUp();
    expect(x.sent[0].json.analog).toBeNull();
    x.time.advance(5000);
    expect(x.sent.map((s) => [s.t, s.json.analog])).toEqual([
      [0, null],
      [5000, 40],
    ]);
    x.analog.D34 = 0.53;
    x.time.advance(20000);
    expect(x.sent.length).toBe(2);
    x.analog.D34 = 0.56;
    x.time.advance(1000);
    expect(x.sent.map((s) => [s.t, s.json.analog]).at(-1)).toEqual([26000, 46]);
  });

  it("reads the DS18B20 and reports it, and a missing sensor as a clear error, not a temperature", () => {
    const x = telemetry({ temperature: { pin: "probe", threshold: 0.5, sampleMs: 10000 } }, true);
    x.sensor!.celsius = 23.25;
    x.t.linkUp();
    expect(x.sent[0].json.temp).toBeNull();
    // The first conversion started at boot, before the room warmed; its reading (after
    // 750 ms) waits for the rate limit's interval.
    x.time.advance(5000);
    expect(x.sent.map((s) => [s.t, s.json.temp])).toEqual([
      [0, null],
      [5000, 21.5],
    ]);
    x.sensor!.present = false;
    x.time.advance(10000);
    expect(x.sent.at(-1)!.json).toMatchObject({
      tempError: "DS18B20 on D4: no sensor answered (no presence pulse: check the wiring and the 4.7 kOhm pull-up)",
    });
    expect(x.sent.at(-1)!.json.temp).toBeUndefined();
    const count = x.sent.length;
    x.time.advance(30000);
    expect(x.sent.length).toBe(count);
    x.sensor!.present = true;
    x.time.advance(10000);
    expect(x.sent.at(-1)!.json.temp).toBe(23.25);
  });

  it("an hour of samples every second leaves the same number of timers as the first minute", () => {
    const x = telemetry(
      {
        periodMs: 10000,
        minIntervalMs: 1000,
        analog: { pin: "level", scale: 1, offset: 0, threshold: 0.01, sampleMs: 1000 },
      },
      false,
    );
    x.t.linkUp();
    x.time.advance(60000);
    const timers = x.time.pendingCount;
    for (let s = 0; s < 3600; s++) {
      x.analog.D34 = (s % 7) / 7;
      x.time.advance(1000);
    }
    expect(x.time.pendingCount).toBe(timers);
    expect(x.sent.length).toBeGreaterThan(3000);
  });
});

describe("DS18B20", () => {
  it("computes the Dallas CRC-8 (the datasheet's ROM example) like an independent implementation", () => {
    const rom = [0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00];
    expect(crc8(rom, 7)).toBe(0xa2);
    expect(crc8(rom, 7)).toBe(dallasCrc(rom));
  });

  it("refuses a scratchpad whose CRC does not match, and one read as all zeros (bus held low)", () => {
    const fake = createFakePlatform();
    const sensor = new SimDs18b20(() => fake.time.now);
    fake.bus("D4").devices.push(sensor);
    const ds = createDs18b20(fake.platform.pins.oneWire("D4"), "D4", fake.platform.timers);
    const results: string[] = [];
    const read = () => {
      ds.read((c, e) => results.push(e || String(c)));
      fake.time.advance(750);
    };
    sensor.celsius = -0.5;
    read();
    sensor.corruptCrc = true;
    read();
    expect(results).toEqual(["-0.5", "DS18B20 on D4: scratchpad CRC mismatch (noise or a long cable)"]);
    const zeros = {
      reset: () => true,
      skip: () => undefined,
      write: () => undefined,
      read: (n: number) => new Uint8Array(n),
    };
    createDs18b20(zeros, "D5", fake.platform.timers).read((c, e) => results.push(e));
    fake.time.advance(750);
    expect(results.at(-1)).toBe("DS18B20 on D5: not a DS18B20 scratchpad (bus held low?)");
  });

  it("starts one conversion at a time and waits 750 ms for it", () => {
    const fake = createFakePlatform();
    const sensor = new SimDs18b20(() => fake.time.now);
    fake.bus("D4").devices.push(sensor);
    const ds = createDs18b20(fake.platform.pins.oneWire("D4"), "D4", fake.platform.timers);
    const results: number[] = [];
    ds.read((c) => results.push(c));
    ds.read((c) => results.push(c));
    fake.time.advance(749);
    expect(results).toEqual([]);
    fake.time.advance(1);
    expect(results).toEqual([21.5]);
    expect(fake.bus("D4").written).toEqual([0xcc, 0x44, 0xcc, 0xbe]);
  });
});
