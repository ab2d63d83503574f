// hal/network.ts on Espruino: require("tls").connect with handlers registered through .on()
// only (a connect callback as well would corrupt the listener list, docs/espruino.md), and the
// one process-wide 'uncaughtException' hook that the TLS transport claims handshake errors
// from. Everything else that was not caught is logged, never silently lost.
import type { Network } from "../network";

/** `reseed` runs before every tls.connect: mbedTLS draws its randomness from Espruino's
 *  generator (hal/espruino/random.ts). */
export function createEspruinoNetwork(log: (message: string) => void, reseed: () => void): Network {
  const claimants: ((message: string) => boolean)[] = [];
  process.on("uncaughtException", (error) => {
    const message = "" + error;
    for (let i = 0; i < claimants.length; i++) if (claimants[i](message)) return;
    log("uncaught error: " + message);
  });
  return {
    connectTls: (options, handlers) => {
      // ca/cert/key as functions: Espruino calls them for the DER when it sets up mbedTLS,
      // so the bytes are read from Storage only for the handshake.
      reseed();
      // The options are exactly tls.connect's {host, port, ca, cert, key}.
      const socket = require("tls").connect(options);
      socket.on("data", handlers.data);
      socket.on("error", (e: { code?: number; message?: string }) => handlers.error(e.code || 0, e.message || ""));
      socket.on("end", handlers.end);
      socket.on("close", handlers.close);
      // Its write and end are the RawSocket (called as methods, on the socket).
      return socket;
    },
    onUncaught: (claimant) => {
      claimants.push(claimant);
    },
  };
}
