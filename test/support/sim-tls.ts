// The simulator's tls module on its own, for tests of its sockets (scripts/sim/tls.ts): no
// device around it, callbacks run at once, the handshake takes no time. `options` replaces any
// of those (an error raised from the idle loop, a boot that ends).
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createTlsModule, type TlsSimOptions } from "../../scripts/sim/tls.ts";

export function simTlsModule(options: Partial<TlsSimOptions> = {}) {
  return createTlsModule(
    {
      verifyBroker: false,
      handshakeMs: 0,
      networkUp: () => true,
      run: (fn) => fn(),
      raise: () => undefined,
      track: () => undefined,
      ...options,
    },
    true,
  );
}

/** A certificate and key in PEM as a device holds them: functions returning DER strings. */
export function derMaterial(credentials: { cert: string | Buffer; key: string | Buffer }) {
  return {
    cert: () => new X509Certificate(credentials.cert).raw.toString("latin1"),
    key: () => createPrivateKey(credentials.key).export({ type: "pkcs8", format: "der" }).toString("latin1"),
  };
}
