// A scriptable Platform for unit tests: fake time you advance by hand, pins that record every
// level they were driven to, an in-memory file store and a captured log.
import { createHash } from "node:crypto";
import type { ConsoleDoor, Platform } from "../../firmware/hal/platform.ts";
import type { InputPin, OutputPin } from "../../firmware/hal/pins.ts";
import type { TimerHandle } from "../../firmware/hal/time.ts";
import { SimOneWireBus } from "../../scripts/sim/onewire.ts";
import { nextTimerId } from "../../scripts/sim/timers.ts";

interface PendingTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * Fake time whose timer ids behave exactly as Espruino's (src/jsinteractive.c, jsiTimerAdd):
 * a new timer gets "highest live id + 1" (1 when none is live), and a timeout is retired only
 * AFTER its callback has run, so a freed id comes back at once. clear(id) cancels whatever
 * timer holds that id now, as Espruino's clearTimeout does: code that clears a handle which
 * already fired or was cleared cancels someone else's timer here, and its test fails.
 * (clear(undefined) does nothing: the hal/espruino Timers never pass undefined on.)
 */
export class FakeTime {
  now = 0;
  private pending: PendingTimer[] = [];
  /** Every id handed out, in order (tests assert reuse). */
  readonly ids: number[] = [];

  readonly clock = { now: () => this.now };
  readonly timers = {
    set: (callback: () => void, ms: number): TimerHandle => {
      const id = nextTimerId(this.pending.map((t) => t.id));
      this.pending.push({ id, at: this.now + Math.max(0, ms), callback });
      this.ids.push(id);
      return id;
    },
    clear: (handle: TimerHandle): void => {
      if (handle === undefined) return;
      this.pending = this.pending.filter((t) => t.id !== handle);
    },
  };

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.pending.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.now = due.at;
      // Still live while it runs (a timer set inside gets a higher id), retired after.
      due.at = Infinity;
      due.callback();
      this.pending = this.pending.filter((t) => t !== due);
    }
    this.now = end;
  }
}

export interface PinEvent {
  pin: string;
  high: boolean;
  /** "initial" is the level written before the pin became an output. */
  kind: "initial" | "write";
}

export function createFakePlatform(files: Record<string, string> = {}) {
  const time = new FakeTime();
  const pinHistory: PinEvent[] = [];
  const inputs: Record<string, { high: boolean; pull?: string; watchers: ((high: boolean) => void)[] }> = {};
  /** analogRead per pin (0..1), set by the test. */
  const analog: Record<string, number> = {};
  const buses: Record<string, SimOneWireBus> = {};
  const health = { free: 12000, total: 16383, heap: 90000, rssi: -52 as number | undefined };
  const log: string[] = [];
  const watchdog = { seconds: 0, kicks: 0 };
  const reboots: number[] = [];
  /** Every console change, in order: "telnet off", "bluetooth off", "serve", "stop". */
  const consoles: string[] = [];
  /** What faces a connection to the console now (consoles.serve). */
  const served: { door?: ConsoleDoor } = {};
  const store: Record<string, string> = { ...files };
  const platform: Platform = {
    clock: time.clock,
    timers: time.timers,
    pins: {
      output(pin: string, initialHigh: boolean): OutputPin {
        pinHistory.push({ pin, high: initialHigh, kind: "initial" });
        return { write: (high) => pinHistory.push({ pin, high, kind: "write" }) };
      },
      input(pin: string, pull): InputPin {
        const state = (inputs[pin] ??= { high: true, watchers: [] });
        state.pull = pull;
        return {
          read: () => state.high,
          watch: (callback) => {
            state.watchers.push(callback);
            return () => (state.watchers = state.watchers.filter((w) => w !== callback));
          },
        };
      },
      analog: (pin) => () => analog[pin] ?? NaN,
      oneWire: (pin) => (buses[pin] ??= new SimOneWireBus()) as never,
    },
    files: {
      read: (name) => store[name],
      readJSON: (name) => {
        try {
          return store[name] === undefined ? undefined : JSON.parse(store[name]);
        } catch {
          return undefined;
        }
      },
      write: (name, data, offset, size) => {
        if (offset === undefined) store[name] = data;
        else {
          const base = offset === 0 && size !== undefined ? "\xff".repeat(size) : (store[name] ?? "");
          store[name] = base.slice(0, offset) + data + base.slice(offset + data.length);
        }
      },
      erase: (name) => {
        delete store[name];
      },
    },
    reboot: () => void reboots.push(time.clock.now()),
    log: {
      info: (m) => log.push(`info ${m}`),
      warn: (m) => log.push(`warn ${m}`),
      error: (m) => log.push(`error ${m}`),
    },
    // Unit tests that need a network script it (test/firmware/tls-transport.test.ts); here
    // every connection attempt fails the way a device without a route would.
    network: {
      connectTls: () => {
        throw new Error("no network in this unit test");
      },
      onUncaught: () => undefined,
    },
    wifi: {
      connect: (_ssid, _password, done) => time.timers.set(() => done(undefined), 0),
      onDisconnected: () => undefined,
      ip: () => "192.168.4.2",
    },
    watchdog: {
      enable: (seconds) => (watchdog.seconds = seconds),
      kick: () => watchdog.kicks++,
    },
    consoles: {
      telnetOff: () => {
        consoles.push("telnet off");
        return true;
      },
      bluetoothOff: () => consoles.push("bluetooth off"),
      serve: (door) => {
        served.door = door;
        consoles.push(door ? "serve" : "stop");
      },
    },
    random: () => 0.5,
    health: {
      memory: () => ({ free: health.free, total: health.total }),
      heap: () => health.heap,
      rssi: () => health.rssi,
    },
    sha256: (data) => createHash("sha256").update(Buffer.from(data, "latin1")).digest().toString("latin1"),
  };
  const driveInput = (pin: string, high: boolean) => {
    const state = (inputs[pin] ??= { high: true, watchers: [] });
    state.high = high;
    state.watchers.forEach((w) => w(high));
  };
  const bus = (pin: string) => (buses[pin] ??= new SimOneWireBus());
  return {
    platform,
    time,
    pinHistory,
    log,
    store,
    driveInput,
    watchdog,
    consoles,
    served,
    reboots,
    inputs,
    analog,
    bus,
    health,
  };
}
