// The hardware globals of the simulated ESP32 (src/jswrap_io.c, targets/esp32/jshardware.c):
// pins, the ADC, OneWire buses, the RNG register, and base64. E is espruino-e.ts, the consoles'
// globals consoles.ts; the timers' and the console's own (reset, load), which reach the
// device's lifecycle, are made in boot-context.ts.
import { SimOneWireBus } from "./onewire.ts";
import { pinName, type PinBank } from "./pins.ts";
import { peek32For, type Board } from "./random.ts";

export interface HardwareHost {
  board: Board;
  pins: PinBank;
  /** Analog input levels by pin name, 0..1 of full scale. */
  analog: Record<string, number>;
  /** The OneWire bus of each pin name, made on first use. */
  oneWire: Record<string, SimOneWireBus>;
  /** The firmware read the hardware RNG register. */
  rngRead(value: number): void;
}

export function hardwareGlobals(host: HardwareHost): Record<string, unknown> {
  const pins = host.pins;
  return {
    // new Pin("D99") returns a Pin object on Espruino 2v29 even for a pin the board lacks;
    // the error ("Invalid pin") comes later, from digitalWrite or pinMode.
    Pin: function Pin(name: unknown) {
      const pin = String(name);
      return { name: pin, toString: () => pin };
    },
    digitalWrite: (pin: unknown, value: unknown) => pins.digitalWrite(pin, value),
    digitalRead: (pin: unknown) => pins.digitalRead(pin),
    // ESP32: readADC / 4096 on ADC1 (GPIO 32-39), NaN elsewhere (targets/esp32/jshardware.c,
    // jshPinAnalog; boards/ESP32.py lists ADC1 only).
    analogRead: (pin: unknown) => {
      const name = pinName(pin);
      if (Number(name.slice(1)) < 32) return NaN;
      return Math.min(4095, Math.max(0, Math.round((host.analog[name] ?? 0) * 4096))) / 4096;
    },
    // Called with new: returns the bus object.
    OneWire: function OneWire(pin: unknown) {
      return (host.oneWire[pinName(pin)] ??= new SimOneWireBus());
    },
    pinMode: (pin: unknown, mode: never) => pins.pinMode(pin, mode),
    setWatch: (fn: never, pin: unknown, opts: never) => pins.setWatch(fn, pin, opts),
    clearWatch: (id?: number) => pins.clearWatch(id),
    peek32: peek32For(host.board, host.rngRead),
    btoa: (s: string) => Buffer.from(s, "latin1").toString("base64"),
    atob: (s: string) => Buffer.from(s, "base64").toString("latin1"),
  };
}
