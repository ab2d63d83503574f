// The host code's import graph, read from the source: no circle of files anywhere in scripts/
// or build/; scripts/lib, the bottom every tool stands on, imports no tool's folder; and the CA
// (scripts/ca/) imports only lib, so the broker may use it while npm run pki uses the broker.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** Each file's relative imports (static, dynamic, re-exports), as paths from the root. */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(path.join(root, file), "utf8");
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) =>
      path.relative(root, path.resolve(root, path.dirname(file), m[1])),
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every circle of files, each once, as the files in order. */
function circles(graph: Map<string, string[]>): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") {
        const circle = stack.slice(stack.indexOf(next));
        found.set([...circle].sort().join(" "), circle);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return [...found.values()];
}

describe("host import graph", () => {
  const graph = importGraph([...sources("scripts"), ...sources("build")]);

  it("reads the imports it checks (a file with no relative import would make every check pass)", () => {
    expect(graph.get("scripts/lib/provision.ts")).toContain("scripts/lib/pki-store.ts");
    expect(
      circles(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
        ]),
      ),
    ).toEqual([["a", "b", "c"]]);
  });

  it("has no circle of files", () => {
    expect(circles(graph)).toEqual([]);
  });

  it("scripts/lib imports no tool's folder (only itself, firmware/ and build/)", () => {
    const upward = [...graph]
      .filter(([file]) => file.startsWith("scripts/lib/"))
      .flatMap(([file, targets]) =>
        targets.filter((t) => t.startsWith("scripts/") && !t.startsWith("scripts/lib/")).map((t) => `${file} -> ${t}`),
      );
    expect(upward).toEqual([]);
  });

  it("scripts/ca, the CA the broker and every tool stand on, imports only itself and scripts/lib", () => {
    const upward = [...graph]
      .filter(([file]) => file.startsWith("scripts/ca/"))
      .flatMap(([file, targets]) =>
        targets
          .filter((t) => t.startsWith("scripts/") && !t.startsWith("scripts/ca/") && !t.startsWith("scripts/lib/"))
          .map((t) => `${file} -> ${t}`),
      );
    expect(graph.get("scripts/ca/commands.ts")).toContain("scripts/ca/lock.ts");
    expect(upward).toEqual([]);
  });
});
