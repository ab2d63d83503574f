// Which classic-ESP32 pins a relay may use, and why not, checked on the host before a profile
// reaches a device. The device checks only that a pin exists and can drive
// (firmware/app/profile/profile-check.ts); boot safety is decided here, where the reason and a better
// pin can be given. Sources (Espruino 2v29, docs/espruino.md):
// - targets/esp32/jshardware.c, jshPinDefaultPullup: at init and at every reset() Espruino sets
//   GPIO 0, 12-15, 18-19, 21-22, 25-27 and 34-39 to input with pull-up, so an active-high relay
//   there is pulled toward ON from reset until the firmware drives it.
// - strapping pins 0, 2, 5, 12 and 15 are sampled and may toggle while the chip resets.
// - 6-11 are the SPI flash, 1 and 3 the serial console, 34-39 input-only; 20, 24 and 28-31
//   do not exist.

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const MISSING_GPIOS = [20, 24, 28, 29, 30, 31];
export const FLASH_GPIOS = range(6, 11);
export const CONSOLE_GPIOS = [1, 3];
export const INPUT_ONLY_GPIOS = range(34, 39);
export const STRAPPING_GPIOS = [0, 2, 5, 12, 15];
export const PULLED_UP_AT_BOOT = [0, 12, 13, 14, 15, 18, 19, 21, 22, 25, 26, 27, ...INPUT_ONLY_GPIOS];

/** Suggestions: no pull at reset (active high) and pulled up at reset (active low). */
const FOR_ACTIVE_HIGH = "D23, D32 or D33";
const FOR_ACTIVE_LOW = "D25, D26 or D27 with an active-low board";

/** Why `gpio` cannot be used at all, or undefined. */
export function pinProblem(gpio: number): string | undefined {
  if (gpio > 39 || MISSING_GPIOS.includes(gpio)) return "does not exist on an ESP32";
  if (FLASH_GPIOS.includes(gpio)) return "is wired to the ESP32's flash chip";
  if (CONSOLE_GPIOS.includes(gpio)) return "is the serial console (UART0)";
  return undefined;
}

/** Why a relay on `gpio` would not be safe from reset, or undefined. */
export function relayPinProblem(gpio: number, activeLow: boolean): string | undefined {
  const problem = pinProblem(gpio);
  if (problem) return problem;
  const better = activeLow ? FOR_ACTIVE_LOW : FOR_ACTIVE_HIGH;
  if (INPUT_ONLY_GPIOS.includes(gpio)) return `is input-only and cannot drive a relay: use ${better}`;
  if (STRAPPING_GPIOS.includes(gpio))
    return `is a strapping pin that can glitch while the chip resets (the relay would click at boot): use ${better}`;
  if (!activeLow && PULLED_UP_AT_BOOT.includes(gpio))
    return (
      `is pulled up by Espruino at boot, which holds an active-high relay ON until the firmware runs: ` +
      `use ${FOR_ACTIVE_HIGH}, or ${FOR_ACTIVE_LOW}`
    );
  return undefined;
}
