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

export type Board = "ESP32" | "ESP32C3" | "ESP32S3";

/** Where each chip's hardware RNG register is (ESP-IDF soc/<chip>/include/soc/wdev_reg.h:
 *  WDEV_RND_REG); peek32 anywhere else reads 0 here. */
export const RNG_REGISTERS: Record<Board, number> = {
  ESP32: RNG_DATA_REG,
  ESP32C3: 0x600260b0,
  ESP32S3: 0x6003507c,
};

/** peek32 on `board`: true randomness from its RNG register only. */
export function peek32For(board: Board): (address: number) => number {
  return (address) => (address === RNG_REGISTERS[board] ? randomInt(0, 2 ** 32) : 0);
}

export const peek32 = peek32For("ESP32");
