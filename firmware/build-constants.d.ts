/** Injected by build/build.ts (esbuild `define`) from package.json's version. */
declare const __LATCHKEY_VERSION__: string;
/** Whether this build holds the optional parts a profile may use (build/build.ts,
 *  FirmwareFeatures): false removes that code from the bundle. */
declare const __LK_INPUTS__: boolean;
declare const __LK_COVER__: boolean;
declare const __LK_TELEMETRY__: boolean;
declare const __LK_RELAYS__: boolean;
