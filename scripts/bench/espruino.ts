// `npm run bench`, part 2: the codec on Espruino's own interpreter, side by side with
// Espruino's MQTT module (modules/MQTT.js of the EspruinoDocs repository) loaded as its users
// load it (prepareEspruinoModule), on the same build. Needs
//   ESPRUINO=/path/to/espruino            the interpreter (a Linux build)
//   ESPRUINO_MQTT_JS=/path/to/MQTT.js     optional: Espruino's module, for the comparison
// and prints a message and skips without ESPRUINO. Figures only, nothing asserted.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { minify } from "terser";
import { buildFirmware, ESPRUINO_COMPRESS } from "../../build/build.ts";
import { addedFunctions } from "./function-nesting.ts";

const root = path.resolve(import.meta.dirname, "../..");
const RUNS = 5;

interface Figure {
  lib: string;
  name: string;
  value: number;
  extra: string;
}

/** Runs one script on the interpreter (from a temp folder: it writes files) and parses its figures. */
async function runOnce(espruino: string, dir: string, script: string): Promise<Figure[]> {
  const file = path.join(dir, "bench.js");
  await writeFile(file, script);
  // Stdin closed: the interpreter leaves its REPL once the script is done.
  const run = promisify(execFile)(espruino, [file], { cwd: dir, timeout: 300_000 });
  run.child.stdin?.end();
  const { stdout } = await run;
  // The interpreter's prompt and terminal codes may precede a line: look for the tag anywhere.
  const lines = stdout.split("\n");
  const errors = lines.filter((l) => l.includes("ERROR") || l.includes("Uncaught"));
  if (errors.length > 0) throw new Error(`the bench went wrong on Espruino:\n${errors.join("\n")}`);
  return lines.filter((l) => l.includes("BENCH ")).map((l) => JSON.parse(l.slice(l.indexOf("BENCH ") + 6)) as Figure);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Espruino's module as its users load it: minified with the firmware build's Espruino-safe
 * options (build/build.ts, ESPRUINO_COMPRESS; no helper inlined into a method as a function
 * expression) and handed to the interpreter the way the Espruino CLI and Web IDE upload a
 * module, `Modules.addCached(name, function(){...})` (npm `espruino`, core/modules.js, its
 * default MODULE_AS_FUNCTION), then `require`d. The module's own top level is a function body
 * there (src/jsparse.c, jspEvaluateModule), so its names are mangled as locals. Throws if the
 * minified module creates a function inside a method that its source did not.
 */
export async function prepareEspruinoModule(source: string): Promise<{ code: string; minified: string }> {
  const out = await minify(source, {
    ecma: 2015,
    toplevel: true,
    compress: ESPRUINO_COMPRESS,
    mangle: { reserved: ["of"] },
    format: { ecma: 2015, comments: false, ascii_only: true },
  });
  const minified = out.code!;
  const added = addedFunctions(source, minified);
  if (added.length) throw new Error(`the minified module creates functions its source did not: ${added.join("; ")}`);
  const code =
    `Modules.addCached("MQTT",function(){${minified}});\nvar EMQTT=require("MQTT");\n` +
    "function EMQTT_PUBLISH(m,t,p,o){m.publish(t,p,o);}";
  return { code, minified };
}

/** Instructions the interpreter runs (valgrind's callgrind) for one figure of one library,
 *  less the same script with no figure: a count that, unlike time, a loaded machine does not
 *  change. Undefined without valgrind. */
async function instructions(espruino: string, dir: string, script: string): Promise<number | undefined> {
  const file = path.join(dir, "count.js");
  await writeFile(file, script);
  try {
    const run = promisify(execFile)(
      "valgrind",
      ["--tool=callgrind", "--callgrind-out-file=/dev/null", espruino, file],
      { cwd: dir, timeout: 600_000 },
    );
    run.child.stdin?.end();
    const { stdout, stderr } = await run;
    if (stdout.includes("ERROR") || stdout.includes("Uncaught"))
      throw new Error(`the count run went wrong:\n${stdout}`);
    const refs = /refs:\s+([\d,]+)/.exec(stderr);
    return refs ? Number(refs[1].replace(/,/g, "")) : undefined;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

async function instructionFigures(
  espruino: string,
  dir: string,
  script: (names: string[], rounds: number, only?: string) => string,
): Promise<void> {
  if (process.env.BENCH_CALLGRIND === "0") return;
  const count = async (lib: string, only: string) => {
    const all = await instructions(espruino, dir, script([lib], 1, only));
    const setup = await instructions(espruino, dir, script([lib], 1, "setup"));
    return all === undefined || setup === undefined ? undefined : all - setup;
  };
  const rows: [string, string][] = [
    ["decode, fed in 536-byte chunks", "chunks"],
    ["encode PUBLISH", "encode"],
  ];
  for (const [label, name] of rows) {
    const mine = await count("latchkey", name);
    const theirs = await count("espruino", name);
    if (mine === undefined || theirs === undefined) {
      console.log("  instructions: skipped (valgrind not found; BENCH_CALLGRIND=0 skips it)");
      return;
    }
    const perPacket = (n: number) => `${Math.round(n / 1e6).toLocaleString("en")}k a packet`;
    console.log(
      `  ${`${label}, instructions`.padEnd(32)} ${perPacket(mine).padEnd(22)} ${perPacket(theirs).padEnd(24)} ${(theirs / mine).toFixed(1)}x`,
    );
  }
}

export async function espruinoFigures(): Promise<void> {
  const espruino = process.env.ESPRUINO;
  if (!espruino) {
    console.log("Espruino interpreter: skipped (set ESPRUINO to an Espruino Linux build to measure on it)");
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-bench-espruino-"));
  try {
    const built = await buildFirmware({
      root,
      entry: "scripts/bench/espruino-codec.ts",
      outFile: path.join(dir, "codec.js"),
      version: "0.0.0",
      sizeBudgetBytes: 1 << 20,
    });
    const driver = await readFile(built.outFile, "utf8");
    const moduleFile = process.env.ESPRUINO_MQTT_JS;
    let moduleBytes = 0;
    let moduleCode = "";
    if (moduleFile) {
      const module = await prepareEspruinoModule(await readFile(moduleFile, "utf8"));
      moduleBytes = module.minified.length;
      moduleCode = module.code + "\n";
    }
    const libs = moduleFile ? ["latchkey", "espruino", "none"] : ["latchkey", "none"];
    const script = (names: string[], rounds: number, only = "") =>
      `var BENCH_LIBS=${JSON.stringify(names)},BENCH_ROUNDS=${rounds},BENCH_ONLY=${JSON.stringify(only)};\n` +
      (names.includes("espruino") ? moduleCode : "") +
      driver;
    // Timing: one interpreter runs every library, taking turns step by step (RUNS rounds).
    const figures: Figure[] = await runOnce(espruino, dir, script(libs, RUNS));
    // Variables held: one interpreter per library, alone.
    for (const lib of libs) {
      const alone = await runOnce(espruino, dir, script([lib], 1));
      figures.push(...alone.filter((f) => f.name === "held" || f.name === "buffered"));
    }
    const value = (lib: string, name: string) =>
      median(figures.filter((f) => f.lib === lib && f.name === name).map((f) => f.value));
    const cell = (lib: string, name: string, perSecond: boolean) => {
      if (!libs.includes(lib)) return "(set ESPRUINO_MQTT_JS)";
      const ms = value(lib, name);
      return perSecond
        ? `${ms.toFixed(0)} ms (${Math.round((1000 * 1000) / ms).toLocaleString("en")}/s)`
        : `${ms.toFixed(0)} ms`;
    };
    const version = await promisify(execFile)(espruino, ["-e", "print(process.version)"], {
      cwd: dir,
      timeout: 30_000,
    });
    const release = /\d+v\d+[.\d]*/.exec(version.stdout)?.[0] ?? "unknown";
    console.log(
      `Espruino ${release} (${espruino}), 1,000 PUBLISH, median of ${RUNS} rounds taking turns in one interpreter (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores):`,
    );
    const rows: [string, string, boolean][] = [
      ["decode, fed in 536-byte chunks", "chunks", true],
      ["decode, one string", "whole", false],
      ["encode PUBLISH", "encode", true],
    ];
    // The machine may be loaded: the libraries take turns in one interpreter, and the ratio is
    // taken per round (the two measured a fraction of a second apart) before its median.
    const ratio = (name: string) => {
      const mine = figures.filter((f) => f.lib === "latchkey" && f.name === name).map((f) => f.value);
      const theirs = figures.filter((f) => f.lib === "espruino" && f.name === name).map((f) => f.value);
      return theirs.length ? `${median(theirs.map((t, i) => t / mine[i])).toFixed(1)}x` : "";
    };
    console.log(`  ${"".padEnd(32)} ${"Latchkey".padEnd(22)} ${"Espruino's MQTT module".padEnd(24)} faster by`);
    for (const [label, name, perSecond] of rows) {
      console.log(
        `  ${label.padEnd(32)} ${cell("latchkey", name, perSecond).padEnd(22)} ${cell("espruino", name, perSecond).padEnd(24)} ${ratio(name)}`,
      );
    }
    // The codec alone: what each run took beyond what both pay, as "none" measures it: the event
    // queue and the message callback (an upper bound, since its own loop over the samples is
    // in it), and for encoding the call per packet and the socket write.
    const shared = (name: string) => value("none", name);
    if (libs.includes("espruino")) {
      const alone: [string, string][] = [
        ["  decoding alone, in chunks", "chunks"],
        ["  decoding alone, one string", "whole"],
        ["  encoding alone", "encode"],
      ];
      for (const [label, name] of alone) {
        const mine = value("latchkey", name) - shared(name);
        const theirs = value("espruino", name) - shared(name);
        console.log(
          `  ${label.padEnd(32)} ${`${mine.toFixed(0)} ms`.padEnd(22)} ${`${theirs.toFixed(0)} ms`.padEnd(24)} ${(theirs / mine).toFixed(1)}x`,
        );
      }
      console.log(
        `  (what both pay: the event queue and the message callback, ${shared("chunks").toFixed(0)} ms in chunks, ${shared("whole").toFixed(0)} ms whole; the call and the write per packet, ${shared("encode").toFixed(0)} ms)`,
      );
    }
    const held = (lib: string) => (libs.includes(lib) ? `${value(lib, "held")} variables` : "-");
    console.log(
      `  ${"held after the burst - before".padEnd(32)} ${held("latchkey").padEnd(22)} ${held("espruino").padEnd(24)} (neither: ${held("none")}, the driver's own)`,
    );
    console.log(`  decoder buffer after the burst: ${value("latchkey", "buffered")} bytes`);
    if (moduleBytes) console.log(`  Espruino's module minified: ${moduleBytes} bytes`);
    if (moduleFile) await instructionFigures(espruino, dir, script);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
