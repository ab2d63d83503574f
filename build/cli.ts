// `npm run build [-- --entry file.ts --out dist/x.js --all-features]`: builds the firmware for
// espruino.config.json's profile (only the optional parts it uses), checks, prints the size.
// Every error is one line, `build: ...`, and exit 1 (scripts/lib/cli.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { ALL_FEATURES, buildFirmware, featuresOf } from "./build.ts";
import { loadConfig } from "../scripts/lib/config.ts";
import { runTool } from "../scripts/lib/cli.ts";

const root = path.resolve(import.meta.dirname, "..");

runTool(
  "build",
  {
    options: { entry: { type: "string" }, out: { type: "string" }, "all-features": { type: "boolean" } },
    usage: "usage: npm run build -- [--entry file.ts] [--out dist/x.js] [--all-features]",
  },
  async ({ values }) => {
    const config = loadConfig(path.join(root, "espruino.config.json"));
    const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
    const result = await buildFirmware({
      root,
      entry: values.entry,
      outFile: values.out,
      version,
      sizeBudgetBytes: config.build.sizeBudgetBytes,
      // The profile's features only, unless --all-features (one bundle for any profile).
      features: values["all-features"] ? ALL_FEATURES : featuresOf(config.device),
    });
    const percent = Math.round((100 * result.bytes) / result.sizeBudgetBytes);
    console.log(
      `${path.relative(root, result.outFile)}: ${result.bytes} bytes (budget ${result.sizeBudgetBytes}, ${percent}%)`,
    );
    console.log(`Espruino check passed; built in ${result.milliseconds} ms`);
  },
);
