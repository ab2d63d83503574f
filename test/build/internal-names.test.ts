// The mangle list (INTERNAL_NAMES, build/build.ts) holds public property names only the
// bundle's own code reads; the minifier renames them. A name that is also a profile key, a
// JSON field the device writes or reads, or a name in the Espruino declarations would be
// renamed in the device's code but not in the data or in Espruino: the device would break
// without a word. This test reads those three sets from the sources and finds no overlap.
import { readFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { INTERNAL_NAMES } from "../../build/build.ts";

const root = path.resolve(import.meta.dirname, "../..");

async function parse(relative: string): Promise<ts.SourceFile> {
  const file = path.join(root, relative);
  return ts.createSourceFile(file, await readFile(file, "utf8"), ts.ScriptTarget.Latest, true);
}

function visit(node: ts.Node, each: (node: ts.Node) => void): void {
  each(node);
  node.forEachChild((child) => visit(child, each));
}

const nameOf = (name: ts.PropertyName | ts.BindingName | undefined) =>
  name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;

/** Every member name declared in the file's interfaces and type literals (and, when `all`,
 *  its functions, variables and classes too). */
async function declaredNames(relative: string, all: boolean): Promise<Set<string>> {
  const names = new Set<string>();
  visit(await parse(relative), (node) => {
    if (
      ts.isPropertySignature(node) ||
      ts.isMethodSignature(node) ||
      (all &&
        (ts.isFunctionDeclaration(node) ||
          ts.isVariableDeclaration(node) ||
          ts.isClassDeclaration(node) ||
          ts.isInterfaceDeclaration(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isPropertyDeclaration(node)))
    ) {
      const name = nameOf(node.name);
      if (name) names.add(name);
    }
  });
  return names;
}

/** Every key of a JSON value, at any depth. */
function jsonKeys(value: unknown, into: Set<string>): Set<string> {
  if (value && typeof value === "object")
    for (const [key, inner] of Object.entries(value)) {
      if (!Array.isArray(value)) into.add(key);
      jsonKeys(inner, into);
    }
  return into;
}

/** Profile keys: the profile's declared fields and every key of the example configuration. */
async function profileKeys(): Promise<Set<string>> {
  const names = await declaredNames("firmware/app/profile/profile.ts", false);
  const config = JSON.parse(await readFile(path.join(root, "espruino.config.json"), "utf8"));
  return jsonKeys(config.device, names);
}

/** JSON fields the device writes (object literals given to JSON.stringify, `"key":` in string
 *  literals) or reads (the signed command, the Wi-Fi credentials, the OTA boot state). */
async function jsonFields(): Promise<Set<string>> {
  const fields = new Set<string>();
  const files = [
    "firmware/app/protocol/signed.ts",
    "firmware/app/protocol/commands.ts",
    "firmware/app/sensors/telemetry.ts",
    "firmware/app/maintenance/ota.ts",
    "firmware/app/maintenance/boot-stub.ts",
    "firmware/app/device.ts",
    "firmware/net/wifi-link.ts",
  ];
  for (const relative of files)
    visit(await parse(relative), (node) => {
      if (
        ts.isCallExpression(node) &&
        node.expression.getText() === "JSON.stringify" &&
        node.arguments[0] &&
        ts.isObjectLiteralExpression(node.arguments[0])
      )
        for (const p of node.arguments[0].properties) {
          const name = nameOf(p.name);
          if (name) fields.add(name);
        }
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
        for (const m of node.text.matchAll(/"(\w+)":|[{,](\w+):/g)) fields.add(m[1] ?? m[2]);
      if (ts.isInterfaceDeclaration(node) && ["SignedCommand", "WifiCredentials", "BootState"].includes(node.name.text))
        for (const member of node.members) {
          const name = nameOf(member.name);
          if (name) fields.add(name);
        }
    });
  return fields;
}

/** Every name the Espruino declarations (firmware/types/espruino-ish) give. */
const espruinoNames = () => declaredNames("firmware/types/espruino-ish/index.d.ts", true);

async function clashes(names: string[]): Promise<string[]> {
  const profile = await profileKeys();
  const json = await jsonFields();
  const espruino = await espruinoNames();
  const found: string[] = [];
  for (const name of names) {
    if (profile.has(name)) found.push(`${name}: a profile key`);
    if (json.has(name)) found.push(`${name}: a JSON field`);
    if (espruino.has(name)) found.push(`${name}: a name in the Espruino types`);
  }
  return found;
}

describe("the mangle list", () => {
  it("holds no profile key, JSON field or Espruino name", async () => {
    expect(await clashes(INTERNAL_NAMES.split("|"))).toEqual([]);
  });

  it("would catch one of each (the sets are read, not empty)", async () => {
    expect(await clashes(["pulseMs", "cmd", "up", "readJSON", "setWatch"])).toEqual([
      "pulseMs: a profile key",
      "cmd: a JSON field",
      "up: a JSON field",
      "readJSON: a name in the Espruino types",
      "setWatch: a name in the Espruino types",
    ]);
  });
});
