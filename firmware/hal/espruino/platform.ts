// The Platform on Espruino. With the TLS transport next to it, the only code that touches
// Espruino's globals and built-in modules (enforced by eslint.config.js).
import type { Platform } from "../platform";
import type { InputPin, OutputPin } from "../pins";
import { createEspruinoNetwork } from "./network";
import { createEspruinoWifi } from "./wifi";

function toPin(name: string): Pin {
  // new Pin("D26") returns undefined for a name the board does not have (src/jswrap_pin.c).
  const pin = new Pin(name);
  if (!pin) throw new Error("no such pin " + name);
  return pin;
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
  pinMode(pin, pull === "up" ? "input_pullup" : pull === "down" ? "input_pulldown" : "input");
  return {
    read: () => digitalRead(pin) === 1,
    watch: (callback, debounceMs) => {
      const id = setWatch((event) => callback(event.state), pin, { repeat: true, edge: "both", debounce: debounceMs });
      return () => clearWatch(id);
    },
  };
}

/** ESP32 RNG_DATA_REG: true randomness while the radio is on (PLATFORM.md, TLS gap 2). */
const RNG_DATA_REG = 0x3ff75144;

function trueRandom(): number {
  // Only the classic ESP32 has the register there; elsewhere (Linux build) fall back.
  if (process.env.BOARD !== "ESP32") return Math.random();
  return (peek32(RNG_DATA_REG) >>> 0) / 4294967296;
}

export function createEspruinoPlatform(): Platform {
  const storage = require("Storage");
  const log = (message: string) => console.log("[latchkey] " + message);
  return {
    clock: { now: () => getTime() * 1000 },
    timers: {
      set: (callback, ms) => setTimeout(callback, ms),
      // clearTimeout(undefined) throws in Espruino 2v29, and clearTimeout() with no argument
      // clears EVERY timer (src/jswrap_interactive.c): only ever pass a real id.
      clear: (handle) => {
        if (handle !== undefined) clearTimeout(handle as number);
      },
    },
    pins: { output: outputPin, input: inputPin },
    files: {
      read: (name) => storage.read(name),
      readJSON: (name) => storage.readJSON(name, true),
      write: (name, data) => {
        storage.write(name, data);
      },
    },
    log: {
      info: log,
      warn: (message) => log("WARN " + message),
      error: (message) => log("ERROR " + message),
    },
    network: createEspruinoNetwork((message) => log("ERROR " + message)),
    wifi: createEspruinoWifi(),
    random: trueRandom,
  };
}
