// The TLS both brokers accept, measured with real handshakes: TLS 1.2 only with ECDHE
// (forward-secret) suites, TLS 1.3 with the named suites; and Mosquitto never runs as root.
import { readFileSync, statSync } from "node:fs";
import os from "node:os";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRunning } from "../../scripts/broker/running.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";

const BROKERS = [
  { name: "Mosquitto", embedded: false, skip: mosquittoMissing() },
  { name: "embedded broker (aedes)", embedded: true, skip: false },
];

/** A handshake with these client settings: the negotiated protocol and suite, or "refused". */
function handshake(port: number, pki: TestPki, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ...pki.credentials("device", "door"),
      servername: "localhost",
      ...options,
    });
    socket.once("secureConnect", () => {
      const result = `${socket.getProtocol()} ${socket.getCipher().standardName}`;
      socket.destroy();
      resolve(result);
    });
    socket.once("error", () => resolve("refused"));
  });
}

for (const { name, embedded, skip } of BROKERS) {
  describe.skipIf(skip)(`TLS pinned: ${name}`, () => {
    let pki: TestPki;
    let broker: Broker | undefined;
    printLogOnFailure(() => [broker]);
    beforeAll(async () => {
      pki = await makeTestPki("rsa"); // an RSA key would allow static-RSA and DHE suites if enabled
      await pki.issue("device", "door");
      broker = await startProjectBroker(pki.stateDir, "latchkey", embedded);
    });
    afterAll(async () => broker?.stop());

    const tls12 = (ciphers: string) =>
      handshake(broker!.port, pki, { minVersion: "TLSv1.2", maxVersion: "TLSv1.2", ciphers });

    it("TLS 1.2 with ECDHE suites only", async () => {
      expect(await tls12("ECDHE-RSA-AES128-GCM-SHA256")).toBe("TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
      expect(await tls12("ECDHE-RSA-CHACHA20-POLY1305")).toBe("TLSv1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
      expect(await tls12("AES128-GCM-SHA256")).toBe("refused"); // static RSA: no forward secrecy
      expect(await tls12("DHE-RSA-AES128-GCM-SHA256")).toBe("refused");
      expect(await tls12("ECDHE-RSA-AES128-SHA")).toBe("refused"); // CBC-SHA1
    });

    it("TLS 1.3 with the three named suites, and nothing older than TLS 1.2", async () => {
      const tls13 = (ciphers: string) =>
        handshake(broker!.port, pki, { minVersion: "TLSv1.3", maxVersion: "TLSv1.3", ciphers });
      expect(await tls13("TLS_AES_256_GCM_SHA384")).toBe("TLSv1.3 TLS_AES_256_GCM_SHA384");
      expect(await tls13("TLS_CHACHA20_POLY1305_SHA256")).toBe("TLSv1.3 TLS_CHACHA20_POLY1305_SHA256");
      expect(await tls13("TLS_AES_128_CCM_SHA256")).toBe("refused");
      const old = await handshake(broker!.port, pki, {
        minVersion: "TLSv1",
        maxVersion: "TLSv1.1",
        ciphers: "ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
      });
      expect(old).toBe("refused");
    });

    it.skipIf(embedded)("Mosquitto does not run as root, and can read only what it needs", () => {
      const running = findRunning(pki.stateDir)!;
      const status = readFileSync(`/proc/${running.pid}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      expect(uid).not.toBe(0);
      const conf = readFileSync(running.conf, "utf8");
      if (os.userInfo().uid === 0) {
        expect(conf).toMatch(/^user mosquitto$/m);
        const passwd = readFileSync("/etc/passwd", "utf8");
        const mosquittoUid = Number(/^mosquitto:[^:]*:(\d+):/m.exec(passwd)![1]);
        expect(uid).toBe(mosquittoUid);
        const key = /^keyfile (.+)$/m.exec(conf)![1];
        expect(statSync(key).uid).toBe(mosquittoUid);
        expect(statSync(key).mode & 0o777).toBe(0o600);
        expect(key.startsWith(pki.stateDir)).toBe(false);
      } else {
        expect(conf).toMatch(new RegExp(`^user ${os.userInfo().username}$`, "m"));
        expect(uid).toBe(os.userInfo().uid);
      }
      expect(conf).toMatch(/^tls_version tlsv1\.2$/m);
      expect(conf).toMatch(/^ciphers ECDHE-ECDSA-AES128-GCM-SHA256:/m);
      expect(conf).toMatch(
        /^ciphers_tls1\.3 TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256$/m,
      );
    });
  });
}

describe.skipIf(mosquittoMissing())("TLS for Espruino's Linux build (opt-in DHE-RSA)", () => {
  it("adds only the forward-secret DHE-RSA AEAD suites; static RSA stays refused", async () => {
    const pki = await makeTestPki("rsa");
    await pki.issue("device", "door");
    const broker = await startProjectBroker(pki.stateDir, "latchkey", false, { dheRsa: true });
    try {
      const tls12 = (ciphers: string) =>
        handshake(broker.port, pki, { minVersion: "TLSv1.2", maxVersion: "TLSv1.2", ciphers });
      expect(await tls12("DHE-RSA-AES128-GCM-SHA256")).toBe("TLSv1.2 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
      expect(await tls12("AES128-GCM-SHA256")).toBe("refused");
      expect(await tls12("DHE-RSA-AES128-SHA256")).toBe("refused");
    } finally {
      await broker.stop();
    }
  });
});
