// The Platform on Espruino. With the TLS transport next to it, the only code that touches
// Espruino's globals and built-in modules (enforced by eslint.config.js).
import type { Platform } from "../platform";
import type { InputPin, OutputPin } from "../pins";

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

export function createEspruinoPlatform(): Platform {
  const storage = require("Storage");
  return {
    clock: { now: () => getTime() * 1000 },
    timers: {
      set: (callback, ms) => setTimeout(callback, ms),
      clear: (handle) => clearTimeout(handle as number),
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
      info: (message) => console.log("[latchkey] " + message),
      warn: (message) => console.log("[latchkey] WARN " + message),
      error: (message) => console.log("[latchkey] ERROR " + message),
    },
  };
}
