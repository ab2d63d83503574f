// Bytes of the built bundle per TypeScript source file, from its source map: every generated
// character is charged to the source of the nearest mapping at or before it (characters
// before the first mapping, the wrapper, go to "(bundle)"). Used by `npm run bench` and
// scripts/bundle-report.ts, because bundle bytes per feature are a project figure.
import { readFileSync } from "node:fs";
import path from "node:path";
import { TraceMap, eachMapping } from "@jridgewell/trace-mapping";

export function bytesPerSource(bundleFile: string): Record<string, number> {
  const code = readFileSync(bundleFile, "latin1");
  const map = new TraceMap(readFileSync(`${bundleFile}.map`, "utf8"));
  const lines = code.split("\n");
  const lineStart: number[] = [];
  let offset = 0;
  for (const line of lines) {
    lineStart.push(offset);
    offset += line.length + 1;
  }
  const marks: { at: number; source: string }[] = [];
  eachMapping(map, (m) => {
    const source = m.source ? path.relative(path.dirname(bundleFile), m.source) : "(bundle)";
    marks.push({ at: lineStart[m.generatedLine - 1]! + m.generatedColumn, source });
  });
  marks.sort((a, b) => a.at - b.at);
  const totals: Record<string, number> = {};
  let previous = { at: 0, source: "(bundle)" };
  for (const mark of [...marks, { at: code.length, source: "" }]) {
    const key = previous.source.replace(/^(\.\.\/)+firmware\//, "");
    totals[key] = (totals[key] ?? 0) + mark.at - previous.at;
    previous = mark;
  }
  return totals;
}
