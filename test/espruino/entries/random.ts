// Bundled by test/espruino/random.test.ts and run on Espruino's own interpreter (its Linux build: no RNG
// register is known for it), as many times as the test boots it: the board's random source as
// the firmware makes it (hal/espruino/random.ts), then nonces from it as the device issues them.
// Prints `BOARD <name> <register>`, `SAMPLES <getTime calls while seeding>`, `NONCE <hex>`.
import { createNonces } from "../../../firmware/app/protocol/auth";
import { createRandom, rngRegister } from "../../../firmware/hal/espruino/random";

declare function print(text: string): void;
declare const global: { getTime: () => number };

const board = process.env.BOARD as string;
print("BOARD " + board + " " + rngRegister(board));
const clock = global.getTime;
let samples = 0;
global.getTime = () => {
  samples++;
  return clock();
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Espruino's built-in module, loaded as hal/espruino/platform.ts does
const crypto = require("crypto");
const random = createRandom(rngRegister(board), (data: string) => E.toString(crypto.SHA256(data)));
print("SAMPLES " + samples);
// freshnessMs 0: every issue() is a new nonce.
const nonces = createNonces(() => 0, random.random, 0);
for (let i = 0; i < 64; i++) print("NONCE " + nonces.issue());
