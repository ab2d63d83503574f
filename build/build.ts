// The firmware build: firmware/main.ts -> dist/latchkey.js, ONE script Espruino can parse.
//   1. esbuild bundles the TypeScript (cjs, es2015, Espruino's built-in modules external),
//      wrapped in a function so no top-level name clobbers a global (reset, load, save...).
//   2. terser minifies and mangles with `of` reserved: `of` is a keyword in Espruino's lexer
//      (src/jslex.c) and esbuild's own renamer can produce it.
//   3. The Espruino compatibility check rejects anything Espruino cannot run, naming the
//      construct, its place in the bundle and the TypeScript line it came from.
//   4. The size budget from espruino.config.json is enforced.
import * as esbuild from "esbuild";
import { minify } from "terser";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkEspruinoCompatibility, type Finding } from "./espruino-check.ts";
import { constToLet } from "./const-to-let.ts";
import { createPositionMapper, type OriginalPosition } from "./source-map.ts";
import { UserError } from "../scripts/lib/errors.ts";

/** Espruino's built-in modules: left as require("...") for the interpreter to resolve. */
export const ESPRUINO_MODULES = ["Wifi", "Storage", "tls", "net", "crypto", "TelnetServer", "Flash", "ESP32"];

/** The optional parts of the firmware a profile may use; a build leaves out the others, so a
 *  feature a device does not use costs it no bytes (firmware/app/features.ts). */
export interface FirmwareFeatures {
  /** device.inputs (and the local actions). */
  inputs: boolean;
  /** device.cover. */
  cover: boolean;
  /** device.telemetry (health, analog input, DS18B20). */
  telemetry: boolean;
  /** device.relays and device.interlock. */
  relays: boolean;
}

export const ALL_FEATURES: FirmwareFeatures = { inputs: true, cover: true, telemetry: true, relays: true };

/** The features `profile` uses (a cover needs its inputs). */
export function featuresOf(profile: {
  inputs?: unknown;
  cover?: unknown;
  telemetry?: unknown;
  relays?: unknown;
  interlock?: unknown;
}): FirmwareFeatures {
  return {
    inputs: profile.inputs !== undefined,
    cover: profile.cover !== undefined,
    telemetry: profile.telemetry !== undefined,
    relays: profile.relays !== undefined || profile.interlock !== undefined,
  };
}

/** Public property names used only between the bundle's own modules: never a profile or
 *  JSON field, never an Espruino API (Storage, Pin, OneWire, TLS, Wifi, E, process), never
 *  read by a test or tool from outside the bundle (the simulator runs the bundle whole and
 *  provides Espruino's globals only). Mangled like `_` members: about 600 bytes.
 *  test/build/internal-names.test.ts fails on a profile key, JSON field or Espruino name here. */
export const INTERNAL_NAMES = [
  "relaySet",
  "relayState",
  "maintenanceSet",
  "maintenanceState",
  "otaSet",
  "otaState",
  "otaData",
  "nonceGet",
  "snapshotGet",
  "snapshot",
  "availability",
  "timers",
  "clock",
  "watchdog",
  "consoles",
  "health",
  "sha256",
  "bluetoothOff",
  "publish",
  "subscribe",
  "retryNow",
  "afterStart",
  "inflightCount",
  "significant",
  "linkUp",
  "linkDown",
  "sensed",
  "resend",
  "attach",
  "onChange",
  "lockWith",
  "claim",
  "released",
  "isOn",
  "locked",
  "routes",
  "connectTls",
  "onDisconnected",
  "reseed",
  "issue",
  "verify",
  "take",
  "answer",
  "offerNonce",
  "report",
  "refused",
  "done",
  "command",
  "active",
  "fault",
  "files",
  "profile",
  "json",
  "link",
  "chunk",
  "begin",
  "connected",
  "disconnected",
  "root",
  "info",
  "warn",
  "telnetOff",
  "serve",
  "ask",
  "enter",
].join("|");

export interface BuildOptions {
  root: string;
  entry?: string;
  outFile?: string;
  version: string;
  sizeBudgetBytes: number;
  /** Default: every feature (one bundle for any profile). */
  features?: FirmwareFeatures;
}

export interface LocatedFinding extends Finding {
  source?: OriginalPosition;
}

export interface BuildResult {
  outFile: string;
  bytes: number;
  sizeBudgetBytes: number;
  milliseconds: number;
  findings: LocatedFinding[];
}

export class BuildError extends UserError {
  constructor(
    message: string,
    readonly findings: LocatedFinding[] = [],
  ) {
    super(message);
  }
}

export function formatFinding(finding: LocatedFinding, bundleName: string): string {
  const where = `${bundleName}:${finding.line}:${finding.column + 1}`;
  const from = finding.source
    ? ` (from ${finding.source.file}:${finding.source.line}:${finding.source.column + 1})`
    : "";
  return `${finding.construct} at ${where}${from}`;
}

function locate(code: string, map: string, root: string, outFile: string): LocatedFinding[] {
  const findings = checkEspruinoCompatibility(code);
  if (findings.length === 0) return [];
  const toSource = createPositionMapper(JSON.parse(map), root, path.dirname(outFile));
  return findings.map((f) => ({ ...f, source: toSource(f.line, f.column) }));
}

function failOnFindings(findings: LocatedFinding[], bundleName: string): void {
  if (findings.length === 0) return;
  const lines = findings.map((f) => formatFinding(f, bundleName)).join("\n  ");
  throw new BuildError(`${bundleName}: ${findings.length} construct(s) Espruino cannot run:\n  ${lines}`, findings);
}

/** terser's compress options for code Espruino runs (the bench minifies peers with them too).
 *  reduce_funcs off: a single-use function inlined as a function expression is created again
 *  on every call, its text copied, on Espruino (src/jsparse.c). inline 1: inlining with
 *  arguments leaves `var` temporaries after a return, which Espruino never declares used
 *  before them (the check below rejects that; docs/espruino.md, "Interpreter costs").
 *  unsafe_undefined: `void 0` becomes the wrapper's `undefined` parameter (see banner). */
export const ESPRUINO_COMPRESS = {
  ecma: 2015,
  passes: 2,
  unsafe_arrows: false,
  hoist_funs: false,
  reduce_funcs: false,
  inline: 1,
  unsafe_undefined: true,
} as const;

export async function buildFirmware(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const entry = path.resolve(options.root, options.entry ?? "firmware/main.ts");
  const outFile = path.resolve(options.root, options.outFile ?? "dist/latchkey.js");
  const bundleName = path.relative(options.root, outFile);

  const bundled = await esbuild
    .build({
      entryPoints: [entry],
      bundle: true,
      format: "cjs",
      platform: "neutral",
      target: "es2015",
      external: ESPRUINO_MODULES,
      tsconfig: path.resolve(options.root, "firmware/tsconfig.json"),
      define: {
        __LATCHKEY_VERSION__: JSON.stringify(options.version),
        __LK_INPUTS__: String((options.features ?? ALL_FEATURES).inputs),
        __LK_COVER__: String((options.features ?? ALL_FEATURES).cover),
        __LK_TELEMETRY__: String((options.features ?? ALL_FEATURES).telemetry),
        __LK_RELAYS__: String((options.features ?? ALL_FEATURES).relays),
      },
      // The wrapper's parameter `undefined` (never passed) lets terser write every `void 0` as
      // that one mangled letter (unsafe_undefined below): about 500 bytes.
      banner: { js: "(function(undefined){" },
      footer: { js: "})();" },
      sourcemap: "external",
      sourcesContent: false,
      legalComments: "none",
      outfile: outFile,
      write: false,
      logLevel: "silent",
    })
    .catch((error: { errors?: esbuild.Message[] }) => {
      const messages = (error.errors ?? []).map(
        (m) => `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : ""}${m.text}`,
      );
      throw new BuildError(`esbuild failed:\n  ${messages.join("\n  ")}`);
    });
  const code = constToLet(bundled.outputFiles.find((f) => f.path.endsWith(".js"))!.text);
  const esbuildMap = bundled.outputFiles.find((f) => f.path.endsWith(".map"))!.text;
  // Checked before minifying, where the source map still points at exact TypeScript lines...
  failOnFindings(locate(code, esbuildMap, options.root, outFile), bundleName);

  const minified = await minify(code, {
    ecma: 2015,
    compress: ESPRUINO_COMPRESS,
    // Property names ending in "_" are private by convention (lint enforces it for private
    // members in firmware/) and get mangled too: long member names are bundle bytes and RAM.
    // Also mangled: INTERNAL_NAMES, public members that only the bundle's own code reads.
    mangle: { reserved: ["of"], properties: { regex: new RegExp("_$|^(" + INTERNAL_NAMES + ")$"), reserved: ["of"] } },
    // ascii_only: a byte string such as "\xc0\x00" (PINGREQ) stays an escape; written out as
    // the character it stands for, the file (UTF-8) would hold two bytes for it.
    format: { ecma: 2015, comments: false, ascii_only: true },
    sourceMap: { content: esbuildMap, filename: path.basename(outFile), url: `${path.basename(outFile)}.map` },
  });
  const output = minified.code!.replace(/\n\/\/# sourceMappingURL=.*$/, "");
  const map = minified.map as string;

  // ...and again after, in case the minifier introduced something.
  const findings = locate(output, map, options.root, outFile);
  failOnFindings(findings, bundleName);

  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(`${outFile}.map`, map);
  const bytes = Buffer.byteLength(output, "latin1");
  if (bytes > options.sizeBudgetBytes) {
    throw new BuildError(`${bundleName} is ${bytes} bytes, over the size budget of ${options.sizeBudgetBytes} bytes`);
  }
  await writeFile(outFile, output);
  return {
    outFile,
    bytes,
    sizeBudgetBytes: options.sizeBudgetBytes,
    milliseconds: Math.round(performance.now() - started),
    findings,
  };
}
