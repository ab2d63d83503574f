// The built-in modules of the simulated ESP32, as require(name) returns them: Storage on a
// folder (values parsed in the device's realm), Wifi, tls and net (tls.ts, net-server.ts),
// crypto's SHA256, and TelnetServer on boards built with telnet. Any other name fails as
// Espruino's require does ('Module "x" not found').
import { createHash } from "node:crypto";
import { createServerFor, type NetServerSim } from "./net-server.ts";
import { BOARD_CONSOLES, type Board } from "./random.ts";
import type { FolderStorage } from "./storage.ts";
import { createTlsModule, type TlsSimOptions } from "./tls.ts";
import type { SimWifi } from "./wifi.ts";

export interface ModuleHost {
  board: Board;
  storage: FolderStorage;
  /** The device's JSON.parse (values read back belong to the device's realm). */
  parse: (text: string) => unknown;
  /** A Storage file was written or erased. */
  written(name: string): void;
  wifi: SimWifi;
  tls: TlsSimOptions;
  /** How the net module's servers report to the device. */
  servers: Omit<NetServerSim, "run">;
  setTelnet(mode: string): void;
}

/** How Espruino's "%t" names a value's type in an error (src/jsutils.c). */
function espruinoType(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  const name = typeof value;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export function requireModule(name: string, host: ModuleHost): unknown {
  switch (name) {
    case "Storage": {
      const storage = host.storage;
      return Object.assign(Object.create(storage), {
        readJSON: (n: string, noThrow?: boolean) => storage.readJSON(n, noThrow, host.parse),
        write: (n: string, data: string, offset?: number, size?: number) => {
          const done = storage.write(n, data, offset, size);
          host.written(n);
          return done;
        },
        erase: (n: string) => {
          storage.erase(n);
          host.written(n);
        },
      });
    }
    case "Wifi":
      return host.wifi.module();
    case "tls":
      return createTlsModule(host.tls, true);
    case "net":
      return Object.assign(createTlsModule(host.tls, false), {
        createServer: createServerFor({ ...host.servers, run: host.tls.run }),
      });
    case "crypto":
      return {
        SHA256: (data: string | ArrayBuffer) =>
          new Uint8Array(
            createHash("sha256")
              .update(typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data as ArrayBuffer))
              .digest(),
          ).buffer,
      };
    case "TelnetServer":
      if (!BOARD_CONSOLES[host.board].telnet) throw new Error(`Module "${name}" not found`);
      return {
        // libs/network/telnet/jswrap_telnet.c, jswrap_telnet_setOptions.
        setOptions: (o: { mode?: unknown }) => {
          if (typeof o !== "object" || o === null) throw new Error(`Expecting Object, got ${espruinoType(o)}`);
          if (typeof o.mode !== "string") return;
          if (o.mode !== "on" && o.mode !== "off") throw new Error("Unknown mode value");
          host.setTelnet(o.mode);
        },
      };
    default:
      throw new Error(`Module "${name}" not found`);
  }
}
