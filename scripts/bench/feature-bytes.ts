// Bundle bytes of each optional part (build/build.ts FirmwareFeatures): a build with no
// optional part, each part alone (the cover with the inputs it needs), and all of them.
// `npx tsx scripts/bench/feature-bytes.ts`; a measurement, never asserted.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ALL_FEATURES, buildFirmware, type FirmwareFeatures } from "../../build/build.ts";

const root = path.resolve(import.meta.dirname, "../..");
const NONE: FirmwareFeatures = { inputs: false, cover: false, telemetry: false, relays: false };
const builds: [string, FirmwareFeatures][] = [
  ["no optional part", NONE],
  ["inputs", { ...NONE, inputs: true }],
  ["inputs + cover", { ...NONE, inputs: true, cover: true }],
  ["telemetry (health, analog, DS18B20)", { ...NONE, telemetry: true }],
  ["further relays + interlock", { ...NONE, relays: true }],
  ["all", ALL_FEATURES],
];

const out = await mkdtemp(path.join(os.tmpdir(), "latchkey-feature-bytes-"));
let base = 0;
for (const [name, features] of builds) {
  const result = await buildFirmware({
    root,
    outFile: path.join(out, `${name.replace(/\W+/g, "-")}.js`),
    version: "0.0.0",
    sizeBudgetBytes: 1 << 20,
    features,
  });
  if (!base) base = result.bytes;
  console.log(`${name.padEnd(38)} ${String(result.bytes).padStart(6)} bytes  (+${result.bytes - base})`);
}
