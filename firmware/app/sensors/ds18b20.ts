// A DS18B20 temperature sensor, alone on a OneWire bus (so ROM commands use SKIP, 0xCC):
// CONVERT T (0x44) with the line held high for parasite power, 750 ms for a 12-bit
// conversion, then READ SCRATCHPAD (0xBE), 9 bytes checked with the Dallas CRC-8 (byte 8) and
// the configuration register's fixed bits (byte 4: 0 R1 R0 1 1 1 1 1), so a missing sensor,
// a shorted bus or noise is an error, never a temperature. (Maxim DS18B20 datasheet;
// Espruino's OneWire: src/jswrap_onewire.c.)
import type { OneWireBus } from "../../hal/pins";
import type { TimerHandle, Timers } from "../../hal/time";

/** A 12-bit conversion takes up to 750 ms. */
export const CONVERSION_MS = 750;

/** Dallas/Maxim CRC-8 (x^8 + x^5 + x^4 + 1, LSB first) of the first `count` bytes. */
export function crc8(bytes: ArrayLike<number>, count: number): number {
  let crc = 0;
  for (let i = 0; i < count; i++) {
    let byte = bytes[i];
    for (let bit = 0; bit < 8; bit++) {
      const mix = (crc ^ byte) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      byte >>= 1;
    }
  }
  return crc;
}

export interface Ds18b20 {
  /** Starts a conversion; `done` gets degrees C and "", or NaN and why. One read at a time. */
  read(done: (celsius: number, error: string) => void): void;
}

export function createDs18b20(bus: OneWireBus, pin: string, timers: Timers): Ds18b20 {
  const where = "DS18B20 on " + pin + ": ";
  const missing = where + "no sensor answered (no presence pulse: check the wiring and the 4.7 kOhm pull-up)";
  /** Undefined the moment it fires (Espruino reuses timer ids at once). */
  let converting: TimerHandle;
  /** A reset with a presence pulse, then SKIP ROM; false when nothing answered. */
  const start = () => {
    if (!bus.reset()) return false;
    bus.skip();
    return true;
  };
  return {
    read: (done) => {
      if (converting !== undefined) return;
      if (!start()) return done(NaN, missing);
      bus.write(0x44, true);
      converting = timers.set(() => {
        converting = undefined;
        if (!start()) return done(NaN, missing);
        bus.write(0xbe, false);
        const pad = bus.read(9);
        if (crc8(pad, 8) !== pad[8]) return done(NaN, where + "scratchpad CRC mismatch (noise or a long cable)");
        if ((pad[4] & 0x9f) !== 0x1f) return done(NaN, where + "not a DS18B20 scratchpad (bus held low?)");
        const raw = pad[0] | (pad[1] << 8);
        done((raw & 0x8000 ? raw - 0x10000 : raw) / 16, "");
      }, CONVERSION_MS);
    },
  };
}
