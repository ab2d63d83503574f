// Espruino's random numbers: a multiply-with-carry generator with fixed seeds (src/jsutils.c
// rand()/srand()), which on ESP32 also feeds TLS and E.hwRand(): the same sequence after every
// boot unless E.srand() is called (docs/espruino.md, "Randomness"). peek32 of the ESP32's RNG register
// is the true randomness, modelled with Node's CSPRNG.
import { randomInt } from "node:crypto";

export const RNG_DATA_REG = 0x3ff75144;
const RAND_MAX = 0x7fffffff;

export class EspruinoRand {
  private w = 0xdeadbeef;
  private z = 0xcafebabe;

  srand(seed: number): void {
    seed >>>= 0;
    this.w = ((seed & 0xffff) | (seed << 16)) >>> 0;
    this.z = ((seed & 0xffff0000) | (seed >>> 16)) >>> 0;
  }

  /** rand(): 31 bits. */
  next(): number {
    this.z = (Math.imul(36969, this.z & 65535) + (this.z >>> 16)) >>> 0;
    this.w = (Math.imul(18000, this.w & 65535) + (this.w >>> 16)) >>> 0;
    return (RAND_MAX & (((this.z << 16) >>> 0) + this.w)) >>> 0;
  }
}

/** process.env.BOARD on Espruino's ESP32 builds: the board file's name (boards/*.py).
 *  "LINUX" stands for a build with no known RNG register. */
export type Board = "ESP32" | "ESP32_IDF4" | "ESP32C3_IDF4" | "ESP32S3_IDF4" | "LINUX";

/** Where each chip's hardware RNG register is (ESP-IDF components/soc/<chip>/include/soc/
 *  wdev_reg.h, WDEV_RND_REG: ESP32 0x3FF75144 on the data bus, also 0x60035144 on AHB;
 *  ESP32-C3 RNG_DATA_REG = SYSCON base 0x60026000 + 0xB0; ESP32-S3 0x6003507C); peek32
 *  anywhere else reads 0 here. */
export const RNG_REGISTERS: Record<Board, number | undefined> = {
  ESP32: RNG_DATA_REG,
  ESP32_IDF4: RNG_DATA_REG,
  ESP32C3_IDF4: 0x600260b0,
  ESP32S3_IDF4: 0x6003507c,
  LINUX: undefined,
};

/** Which boards are built with TELNET and BLUETOOTH (boards/<name>.py, "libraries"). */
export const BOARD_CONSOLES: Record<Board, { telnet: boolean; bluetooth: boolean }> = {
  ESP32: { telnet: true, bluetooth: true },
  ESP32_IDF4: { telnet: false, bluetooth: true },
  ESP32C3_IDF4: { telnet: false, bluetooth: true },
  ESP32S3_IDF4: { telnet: true, bluetooth: true },
  LINUX: { telnet: true, bluetooth: false },
};

/** peek32 on `board`: true randomness from its RNG register only; `seen` hears each read. */
export function peek32For(board: Board, seen?: (value: number) => void): (address: number) => number {
  return (address) => {
    if (address !== RNG_REGISTERS[board]) return 0;
    const value = randomInt(0, 2 ** 32);
    seen?.(value);
    return value;
  };
}

export const peek32 = peek32For("ESP32");
