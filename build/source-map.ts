// Maps a position in the bundle back to the TypeScript that produced it, so a finding names
// the file and line the developer wrote, not a column in a one-line minified file.
import { TraceMap, originalPositionFor, type SourceMapInput } from "@jridgewell/trace-mapping";
import path from "node:path";

export interface OriginalPosition {
  file: string;
  line: number;
  column: number;
}

export type PositionMapper = (line: number, column: number) => OriginalPosition | undefined;

export function createPositionMapper(map: SourceMapInput, root: string, mapFileDir: string): PositionMapper {
  const traced = new TraceMap(map);
  return (line, column) => {
    const original = originalPositionFor(traced, { line, column });
    if (!original.source || original.line === null) return undefined;
    const absolute = path.resolve(mapFileDir, original.source);
    return { file: path.relative(root, absolute), line: original.line, column: original.column ?? 0 };
  };
}
