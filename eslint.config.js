// Lint: the Espruino subset enforced at the source (the bundle check in build/ is the second
// line), the layer rules, and the usual TypeScript hygiene. See ARCHITECTURE.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import esx from "eslint-plugin-es-x";
import globals from "globals";
import latchkey from "./build/eslint-plugin-latchkey.js";

/** Syntax and built-ins Espruino 2v29 lacks (docs/espruino.md, "Language"). */
const ESPRUINO_SUBSET = Object.fromEntries(
  [
    "no-destructuring",
    "no-default-parameters",
    "no-rest-parameters",
    "no-spread-elements",
    "no-rest-spread-properties",
    "no-async-functions",
    "no-async-iteration",
    "no-generators",
    "no-exponential-operators",
    "no-optional-chaining",
    "no-logical-assignment-operators",
    "no-computed-properties",
    "no-class-static-block",
    "no-new-target",
    "no-dynamic-import",
    "no-bigint",
    "no-map",
    "no-set",
    "no-weak-map",
    "no-weak-set",
    "no-weakrefs",
    "no-symbol",
    "no-proxy",
    "no-reflect",
    "no-array-from",
    "no-array-of",
    "no-array-prototype-flat",
    "no-promise-prototype-finally",
    "no-promise-any",
    "no-promise-all-settled",
    "no-object-freeze",
    "no-object-seal",
    "no-object-is",
    "no-math-trunc",
    "no-number-isnan",
    "no-number-isinteger",
    "no-number-isfinite",
    "no-regexp-lookbehind-assertions",
    "no-regexp-named-capture-groups",
    "no-regexp-u-flag",
    "no-regexp-y-flag",
    "no-regexp-s-flag",
    "no-regexp-d-flag",
    "no-regexp-v-flag",
    "no-string-raw",
    "no-global-this",
    "no-import-meta",
    "no-top-level-await",
  ].map((rule) => [`es-x/${rule}`, "error"]),
);

/** Globals only hal/espruino/ may touch: everything else gets them through hal/ interfaces. */
const ESPRUINO_GLOBALS = [
  "E",
  "Pin",
  "digitalWrite",
  "digitalRead",
  "digitalPulse",
  "analogRead",
  "pinMode",
  "setWatch",
  "clearWatch",
  "peek32",
  "getTime",
  "require",
  "process",
  "OneWire",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "console",
  "ESP32",
  "NRF",
  "NodeMCU",
  "save",
  "load",
  "reset",
].map((name) => ({
  name,
  message: "Espruino globals are used only in firmware/hal/espruino/ (inject them through hal/)",
}));

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".latchkey/", "coverage/", "test/fixtures/build/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.js", "build/*.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { latchkey },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["build/**", "scripts/**", "test/**", "*.config.ts", "eslint.config.js"],
    languageOptions: { globals: globals.node },
  },
  {
    files: ["firmware/**/*.ts"],
    ignores: ["firmware/types/**"],
    plugins: { "es-x": esx, latchkey },
    rules: {
      ...ESPRUINO_SUBSET,
      "no-labels": "error",
      // Private members end in "_": the build mangles exactly those names (build/build.ts).
      "@typescript-eslint/naming-convention": [
        "error",
        { selector: "memberLike", modifiers: ["private"], format: null, suffix: ["_"] },
      ],
      "no-use-before-define": "off",
      "@typescript-eslint/no-use-before-define": ["error", { functions: true, classes: true, variables: true }],
      "no-loop-func": "error",
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "pow", message: "Math.pow is inexact in Espruino: use shifts or multiplication" },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration[const=true]", message: "const enum does not survive isolated builds" },
        // A TypeScript field declaration without a value is erased (useDefineForClassFields is
        // false); one with a value becomes a class field, which Espruino cannot parse.
        { selector: "ClassBody > PropertyDefinition[value!=null]", message: "initialise fields in the constructor" },
        { selector: "PrivateIdentifier", message: "#private is lowered to WeakMap, which Espruino lacks" },
      ],
      "latchkey/firmware-imports": "error",
      "latchkey/no-extends-error": "error",
      "latchkey/max-class-depth": "error",
      "latchkey/no-loop-closure": "error",
      "latchkey/no-delete-in-for-in": "error",
    },
  },
  {
    files: ["firmware/**/*.ts"],
    ignores: ["firmware/hal/espruino/**", "firmware/types/**"],
    rules: { "no-restricted-globals": ["error", ...ESPRUINO_GLOBALS] },
  },
  {
    files: ["firmware/hal/espruino/**"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["firmware/types/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "no-var": "off" },
  },
);
