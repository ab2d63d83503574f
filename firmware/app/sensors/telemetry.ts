// Health and sensor readings as one compact JSON object on the telemetry topic: at least every
// periodMs, early on a significant change (an input edge, the analog value or temperature
// moving by its threshold, a reconnect), and never two closer than minIntervalMs: a burst of
// changes costs one report at the end of the interval, held by one timer. A sample is a few
// numbers and one string built for the publish, all garbage once it is sent.
// `up` is time since boot. Espruino has no monotonic clock: getTime() is the wall clock
// (gettimeofday on ESP32, targets/esp32/jshardware.c; setTime and SNTP move it), so uptime is
// the sum of the clock's steps between ticks (every report and every period), and a step
// that is negative or longer than a period plus the watchdog's 30 s is the clock being set,
// not time that passed: it costs at most one period of uptime. The rate limit counts in uptime
// too, so a clock set backwards cannot hold a report back by the size of the jump.
import type { Health } from "../../hal/platform";
import type { Clock, TimerHandle, Timers } from "../../hal/time";
import type { Ds18b20 } from "./ds18b20";
import type { TelemetryBehaviour } from "../profile/profile";

/** A reading in JSON: three decimals, null before the first one. */
function reading(value: number): string {
  return isNaN(value) ? "null" : "" + Math.round(value * 1000) / 1000;
}

export interface Telemetry {
  /** `publish` sends one report and says whether it went out (false while offline). */
  attach(publish: (json: string) => boolean): void;
  linkUp(): void;
  linkDown(reason: string): void;
  /** Something worth a report changed: now, or at the end of the rate limit's interval. */
  significant(): void;
  /** The report as it would go out now. */
  json(): string;
}

export function createTelemetry(
  clock: Clock,
  timers: Timers,
  health: Health,
  spec: TelemetryBehaviour,
  analog: (() => number) | undefined,
  sensor: Ds18b20 | undefined,
): Telemetry {
  const analogSpec = spec.analog;
  const tempSpec = spec.temperature;
  let publish: ((json: string) => boolean) | undefined;
  let lastSent = -spec.minIntervalMs;
  /** The rate limit's one held report; undefined the moment it fires or is cleared. */
  let held: TimerHandle;
  let ups = 0;
  let drop = "";
  let value = NaN;
  let sentValue = NaN;
  let temp = NaN;
  let sentTemp = NaN;
  let tempError = "";
  let upMs = 0;
  let lastTick = clock.now();
  const tick = () => {
    const step = clock.now() - lastTick;
    lastTick += step;
    if (step >= 0 && step <= spec.periodMs + 30000) upMs += step;
  };

  const json = () => {
    tick();
    const memory = health.memory();
    const heap = health.heap();
    const rssi = health.rssi();
    let text = '{"up":' + Math.floor(upMs / 1000) + ',"free":' + memory.free + ',"vars":' + memory.total;
    if (heap >= 0) text += ',"heap":' + heap;
    if (rssi !== undefined) text += ',"rssi":' + rssi;
    text += ',"reconnects":' + (ups > 0 ? ups - 1 : 0) + ',"drop":' + JSON.stringify(drop);
    if (analog) text += ',"analog":' + reading(value);
    if (sensor) text += tempError ? ',"tempError":' + JSON.stringify(tempError) : ',"temp":' + reading(temp);
    return text + "}";
  };
  const send = () => {
    timers.clear(held);
    held = undefined;
    if (!publish || !publish(json())) return;
    lastSent = upMs;
    sentValue = value;
    sentTemp = temp;
  };
  const significant = () => {
    tick();
    const wait = lastSent + spec.minIntervalMs - upMs;
    if (wait <= 0) return send();
    if (held === undefined)
      held = timers.set(() => {
        held = undefined;
        send();
      }, wait);
  };
  const period = () => {
    timers.set(period, spec.periodMs);
    significant();
  };
  const sample = () => {
    if (!analogSpec || !analog) return;
    timers.set(sample, analogSpec.sampleMs);
    value = analogSpec.scale * analog() + analogSpec.offset;
    if (!(Math.abs(value - sentValue) < analogSpec.threshold)) significant();
  };
  const measure = () => {
    if (!tempSpec || !sensor) return;
    timers.set(measure, tempSpec.sampleMs);
    sensor.read((celsius, error) => {
      const changed = error !== tempError;
      temp = celsius;
      tempError = error;
      if (changed || (!error && !(Math.abs(celsius - sentTemp) < tempSpec.threshold))) significant();
    });
  };
  period();
  sample();
  measure();
  return {
    attach: (p) => {
      publish = p;
    },
    linkUp: () => {
      ups++;
      significant();
    },
    linkDown: (reason) => {
      drop = reason;
    },
    significant,
    json,
  };
}
