// The README's bundle sizes are the build's: the figures in its opening paragraph are what
// `npm run build` (the profile of espruino.config.json) and `npm run build -- --all-features`
// print for the tree they are in. A firmware change that moves the bytes updates the README.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_FEATURES, buildFirmware, featuresOf } from "../../build/build.ts";
import { loadConfig } from "../../scripts/lib/config.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("the README's bundle sizes", () => {
  it("are the bytes the build makes for the default profile and with every part", async () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const said = /([\d,]+) bytes for the [^(]*?`espruino\.config\.json`/.exec(readme)?.[1];
    const saidAll = /([\d,]+) with every part/.exec(readme)?.[1];
    expect({ said, saidAll }, "the README's opening paragraph names both sizes").toEqual({
      said: expect.any(String),
      saidAll: expect.any(String),
    });
    const [profileBytes, everyBytes] = [said!, saidAll!].map((f) => Number(f.replace(/,/g, "")));
    const config = loadConfig(path.join(root, "espruino.config.json"));
    // The version is in the bundle: the one `npm run build` gives it.
    const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
    const out = await mkdtemp(path.join(os.tmpdir(), "latchkey-readme-"));
    const build = (features: typeof ALL_FEATURES, name: string) =>
      buildFirmware({
        root,
        outFile: path.join(out, name),
        version,
        sizeBudgetBytes: config.build.sizeBudgetBytes,
        features,
      });
    const made = await build(featuresOf(config.device), "profile.js");
    const all = await build(ALL_FEATURES, "all.js");
    expect({ profile: profileBytes, every: everyBytes }).toEqual({ profile: made.bytes, every: all.bytes });
  });
});
