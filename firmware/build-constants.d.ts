/** Injected by build/build.ts (esbuild `define`) from package.json's version. */
declare const __LATCHKEY_VERSION__: string;
