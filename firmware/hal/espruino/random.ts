// Randomness on Espruino. Its Math.random() and E.hwRand() are one multiply-with-carry
// generator with fixed seeds (src/jsutils.c rand/srand; targets/esp32/jshardware.c
// jshGetRandomNumber), which on ESP32 also feeds mbedTLS: the same sequence after every boot.
// The chip's RNG register (ESP-IDF components/soc/<chip>/include/soc/wdev_reg.h, WDEV_RND_REG;
// true random while the radio is on) is read with peek32 (src/jswrap_io.c), and E.srand
// (src/jswrap_espruino.c) takes only 32 bits of it: see docs/espruino.md.

/** The RNG register of the board Espruino was built for (process.env.BOARD is the board file's
 *  name: boards/ESP32.py, ESP32_IDF4.py, ESP32C3_IDF4.py, ESP32S3_IDF4.py), or 0. */
export function rngRegister(board: string): number {
  if (board.indexOf("ESP32C3") === 0) return 0x600260b0;
  if (board.indexOf("ESP32S3") === 0) return 0x6003507c;
  // The classic ESP32's register on its data bus (the same one is at 0x60035144 on AHB).
  return board === "ESP32" || board.indexOf("ESP32_") === 0 ? 0x3ff75144 : 0;
}

/** Samples of the clock taken before a board without a register gives up (64 per change wanted;
 *  a microsecond clock needs a few hundred). */
const MAX_SAMPLES = 16384;

/** The random source of a board: random() in [0, 1), and reseed() for Espruino's generator
 *  (seeded with a draw: the RNG register's value where it is known). Without a known
 *  register: a SHA-256 pool of timing samples, hashed in one by one until 256 of them took a
 *  different time from the one before (each such change is at least one bit the clock's
 *  jitter chose), then stirred with the clock at every draw; a draw is 4 bytes of a hash whose
 *  other 28 are the next pool, so no output reveals the pool. Never the generator's fixed
 *  seed, nor a 16-bit one. A clock that never changes its step in MAX_SAMPLES samples (stuck,
 *  or a counter) gives no entropy: then every draw throws, saying so (app/device.ts stays
 *  offline), rather than the boot waiting for ever. */
export function createRandom(register: number, sha256: (data: string) => string) {
  let pool = "";
  let last = 0;
  let step = 0;
  let changes = register ? 0 : 256;
  for (let n = 0; changes > 0 && n < MAX_SAMPLES; n++) {
    const t = getTime();
    if (t - last !== step) changes--;
    step = t - last;
    last = t;
    pool = sha256(pool + t);
  }
  const draw = () => {
    if (register) return peek32(register) >>> 0;
    if (changes) throw new Error("no entropy: the clock is stuck");
    const h = sha256(pool + getTime());
    pool = h.substr(4);
    let x = 0;
    for (let i = 0; i < 4; i++) x = x * 256 + h.charCodeAt(i);
    return x;
  };
  const reseed = () => E.srand(draw());
  if (!changes) reseed();
  return {
    reseed,
    random: () => draw() / 4294967296,
  };
}
