// The Platform on Espruino. With the TLS transport next to it, the only code that touches
// Espruino's globals and built-in modules (enforced by eslint.config.js).
import type { Consoles, Platform } from "../platform";
import type { InputPin, OneWireBus, OutputPin } from "../pins";
import { consoleServer } from "./console";
import { createEspruinoNetwork } from "./network";
import { createRandom, rngRegister } from "./random";
import { createEspruinoWifi, wifiRssi } from "./wifi";

function toPin(name: string): Pin {
  // new Pin("D99") returns a Pin even for a pin the board lacks (src/jswrap_pin.c, 2v29;
  // docs/espruino.md): the profile check (app/profile/profile-check.ts) refuses such names first.
  return new Pin(name);
}

function outputPin(name: string, initialHigh: boolean): OutputPin {
  const pin = toPin(name);
  // Level first, then direction: the output latch already holds the safe level when the
  // driver turns on (ESPHome's rule for GPIO switches).
  digitalWrite(pin, initialHigh);
  pinMode(pin, "output");
  return { write: (high) => digitalWrite(pin, high) };
}

function inputPin(name: string, pull: "up" | "down" | "none"): InputPin {
  const pin = toPin(name);
  const mode = pull === "up" ? "input_pullup" : pull === "down" ? "input_pulldown" : "input";
  pinMode(pin, mode);
  return {
    read: () => digitalRead(pin) === 1,
    watch: (callback, debounceMs) => {
      const id = setWatch((event) => callback(event.state), pin, { repeat: true, edge: "both", debounce: debounceMs });
      // setWatch on ESP32 turns the pull-up on (targets/esp32/jshardware.c, jshPinWatch):
      // the wiring's own pull goes back on after it; the interrupt stays armed.
      pinMode(pin, mode);
      return () => clearWatch(id);
    },
  };
}

/** Espruino's OneWire object is the bus itself: its reset, skip, write and read are the
 *  OneWireBus methods (src/jswrap_onewire.c), always called as methods. */
function oneWire(name: string): OneWireBus {
  return new OneWire(toPin(name));
}

/** Whether the build holds telemetry and inputs (build/build.ts): what it leaves out, the
 *  bundle does not carry. */
const TELEMETRY = typeof __LK_TELEMETRY__ === "undefined" || __LK_TELEMETRY__;

/** Free native heap: ESP32 builds have the ESP32 class (targets/esp32/jswrap_esp32.c). */
function nativeHeap(): number {
  return typeof ESP32 === "undefined" ? -1 : ESP32.getState().freeHeap;
}

interface TimerSlot {
  id?: number;
}

/** Espruino's consoles (docs/espruino.md "Consoles"): telnet is forced on at every boot
 *  (libs/network/telnet/jswrap_telnet.c), boards built without TELNET have no module. */
function consoles(): Consoles {
  let telnet: TelnetServerModule | undefined;
  try {
    telnet = require("TelnetServer");
  } catch {
    telnet = undefined;
  }
  return {
    telnetOff: () => {
      if (telnet) telnet.setOptions({ mode: "off" });
      return !!telnet;
    },
    bluetoothOff: () => {
      if (typeof NRF !== "undefined" && NRF) NRF.setServices(undefined, { uart: false });
    },
    serve: consoleServer(),
  };
}

export function createEspruinoPlatform(): Platform {
  const storage = require("Storage");
  const crypto = require("crypto");
  const log = (message: string) => console.log("[latchkey] " + message);
  const error = (message: string) => log("ERROR " + message);
  const register = rngRegister(process.env.BOARD);
  // SHA256 takes a binary string and returns an ArrayBuffer of 32 bytes; E.toString turns
  // it back into a binary string (libs/crypto/jswrap_crypto.c, src/jswrap_espruino.c).
  const sha256 = (data: string) => E.toString(crypto.SHA256(data));
  const random = createRandom(register, sha256);
  if (!register) log("WARN no RNG register known on " + process.env.BOARD + ": hashed timing jitter");
  return {
    clock: { now: () => getTime() * 1000 },
    timers: {
      // A handle is an object holding the id only while the timer is pending. Espruino gives a
      // new timer "highest live id + 1" and retires a timeout after its callback, so an id
      // comes back at once (src/jsinteractive.c, jsiTimerAdd): clearing a raw id that already
      // fired would cancel whatever timer holds it now. clearTimeout(undefined) throws in 2v29
      // and clearTimeout() clears EVERY timer (src/jswrap_interactive.c): never reached here.
      set: (callback, ms) => {
        const handle: TimerSlot = {};
        handle.id = setTimeout(() => {
          handle.id = undefined;
          callback();
        }, ms);
        return handle;
      },
      clear: (handle) => {
        const slot = handle as TimerSlot | undefined;
        if (slot && slot.id !== undefined) {
          clearTimeout(slot.id);
          slot.id = undefined;
        }
      },
    },
    pins: {
      output: outputPin,
      input: inputPin,
      analog: (name) => {
        const pin = toPin(name);
        return () => analogRead(pin);
      },
      oneWire: TELEMETRY ? oneWire : (undefined as never),
    },
    files: {
      read: (name) => storage.read(name),
      readJSON: (name) => storage.readJSON(name, true),
      write: (name, data, offset, size) => {
        storage.write(name, data, offset, size);
      },
      erase: (name) => storage.erase(name),
    },
    reboot: () => E.reboot(),
    log: {
      info: log,
      warn: (message) => log("WARN " + message),
      error,
    },
    network: createEspruinoNetwork(error, random.reseed),
    wifi: createEspruinoWifi(),
    // Manual mode (isAuto false): reset unless E.kickWatchdog() comes in time. On ESP32 the
    // timeout is rounded to whole seconds (targets/esp32/jshardware.c, jshEnableWatchDog).
    watchdog: {
      enable: (seconds) => E.enableWatchdog(seconds, false),
      kick: () => E.kickWatchdog(),
    },
    consoles: consoles(),
    random: random.random,
    health: TELEMETRY
      ? {
          memory: () => {
            const m = process.memory();
            return { free: m.free, total: m.total };
          },
          heap: nativeHeap,
          rssi: wifiRssi,
        }
      : (undefined as never),
    sha256,
  };
}
