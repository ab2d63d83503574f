// Minified bytes of a built bundle attributed to the TypeScript file each byte came from,
// through the bundle's source map: what each feature file costs in dist/latchkey.js.
import { readFileSync } from "node:fs";
import path from "node:path";
import { TraceMap, decodedMappings } from "@jridgewell/trace-mapping";

/** Bytes per source file, each named relative to `root` (the checkout): `firmware/app/device.ts`,
 *  wherever the bundle was written. */
export function bytesByFile(bundleFile: string, root = process.cwd()): Record<string, number> {
  const code = readFileSync(bundleFile, "latin1").split("\n");
  const map = new TraceMap(readFileSync(`${bundleFile}.map`, "utf8"));
  // Source map sources are relative to the map's own folder (Source Map v3, "sources").
  const mapDir = path.dirname(path.resolve(bundleFile));
  const sources = map.sources.map((s) =>
    s === null ? "?" : path.relative(root, path.resolve(mapDir, s)).split(path.sep).join("/"),
  );
  const totals: Record<string, number> = {};
  decodedMappings(map).forEach((segments, line) => {
    const text = code[line] ?? "";
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const end = i + 1 < segments.length ? segments[i + 1][0] : text.length;
      const file = segment.length > 1 ? sources[segment[1]!] : "(wrapper)";
      totals[file] = (totals[file] ?? 0) + (end - segment[0]);
    }
  });
  return totals;
}

if (process.argv[1]?.endsWith("bytes-by-file.ts")) {
  const totals = bytesByFile(process.argv[2] ?? "dist/latchkey.js");
  const rows = Object.entries(totals).sort((a, b) => b[1] - a[1]);
  for (const [file, bytes] of rows) console.log(`${String(bytes).padStart(6)}  ${file}`);
}
