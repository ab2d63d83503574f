// Bundled by test/espruino/random.test.ts and run on Espruino's own interpreter (its Linux build:
// no RNG register is known for it) with getTime() stuck, as on a board whose clock never moves:
// the board's random source (hal/espruino/random.ts) must give up and refuse every draw with a
// clear error, never wait for ever. Prints `SAMPLES <getTime calls>`, then `REFUSED <message>`
// or `DRAW <number>`.
import { createRandom } from "../../../firmware/hal/espruino/random";

declare function print(text: string): void;
declare const global: { getTime: () => number };

let samples = 0;
global.getTime = () => {
  samples++;
  return 1796676795.5;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Espruino's built-in module, loaded as hal/espruino/platform.ts does
const crypto = require("crypto");
const random = createRandom(0, (data: string) => E.toString(crypto.SHA256(data)));
print("SAMPLES " + samples);
try {
  print("DRAW " + random.random());
} catch (e) {
  print("REFUSED " + (e as Error).message);
}
