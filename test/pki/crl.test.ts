// The CRL over time: renewed by `npm run pki -- crl` and whenever the broker policy is
// written, warned about by `list` 30 days ahead, and never renewed without the CA's key.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { writeBrokerPolicy } from "../../scripts/broker/policy.ts";
import { list } from "../../scripts/ca/commands.ts";
import { readCrl } from "../../scripts/ca/crl.ts";
import { createCrl } from "../../scripts/ca/issue.ts";
import { importPrivateKey } from "../../scripts/ca/keys.ts";
import { x509 } from "../../scripts/ca/x509.ts";
import { pkiCli } from "../support/cli.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { recordBadInput } from "../support/bad-input.ts";

const DAY = 86400000;
const LISTENER = { host: "127.0.0.1", port: 18831 };

/** Replaces the CRL with one (same revocations) whose next update is `days` from now. */
async function ageCrl(pki: TestPki, days: number, passphrase?: string) {
  const cert = new x509.X509Certificate(readFileSync(pki.store.caCertFile, "utf8"));
  const key = await importPrivateKey(readFileSync(pki.store.caKeyFile, "utf8"), "ec", passphrase);
  const serials = readCrl(pki.store).serials;
  writeFileSync(pki.store.crlFile, await createCrl({ cert, key, keyType: "ec" }, serials, days));
}

const daysLeft = (pki: TestPki) => Math.round((readCrl(pki.store).nextUpdate!.getTime() - Date.now()) / DAY);

describe("CRL renewal", () => {
  it("list shows the CRL's next update and warns 30 days ahead, and when it has expired", async () => {
    const pki = await makeTestPki();
    expect((await list(pki.ctx)).filter((l) => l.includes("CRL"))).toEqual([
      expect.stringMatching(/^CRL {6}next update \d{4}-\d\d-\d\d \(364 days\)$/),
    ]);
    await ageCrl(pki, 20);
    expect(await list(pki.ctx)).toContain(
      "WARNING: the CRL expires in 19 days: npm run pki -- crl (or start the broker, which renews it)",
    );
    expect(await list(pki.ctx, new Date(Date.now() + 25 * DAY))).toContain(
      "WARNING: the CRL has expired: the broker refuses every client: npm run pki -- crl (or start the broker, which renews it)",
    );
  }, 60000);

  it("npm run pki -- crl renews it for 365 days and keeps every revoked serial", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "gone");
    await pki.revoke("gone");
    await ageCrl(pki, 3);
    const result = await pkiCli(pki.stateDir, ["crl"]);
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/^CRL renewed: 1 revoked serials, next update \d{4}-\d\d-\d\d$/);
    expect(daysLeft(pki)).toBe(365);
    expect(readCrl(pki.store).serials).toHaveLength(1);
  }, 60000);

  it("writing the broker policy renews a CRL near expiry", async () => {
    const pki = await makeTestPki();
    await ageCrl(pki, 5);
    await writeBrokerPolicy(pki.stateDir, "lk", LISTENER);
    expect(daysLeft(pki)).toBe(365);
  }, 60000);

  it("with an encrypted CA key and no passphrase: a fresh CRL is kept (and said so), one near expiry is an error", async () => {
    const pki = await makeTestPki("ec", "s3cret");
    const lines: string[] = [];
    await writeBrokerPolicy(pki.stateDir, "lk", LISTENER, { log: (l) => lines.push(l) });
    expect(lines).toEqual([
      expect.stringMatching(
        /^CRL not renewed \(the CA key is encrypted and no passphrase was given\); it is valid until \d{4}-\d\d-\d\d$/,
      ),
    ]);
    await ageCrl(pki, 10, "s3cret");
    await expect(writeBrokerPolicy(pki.stateDir, "lk", LISTENER)).rejects.toThrow(
      /^the CRL expires on \d{4}-\d\d-\d\d and the CA key is encrypted: give its passphrase on a terminal, in LATCHKEY_CA_PASSPHRASE, or in a 0600 file named by LATCHKEY_CA_PASSPHRASE_FILE, or run npm run pki -- crl$/,
    );
    await writeBrokerPolicy(pki.stateDir, "lk", LISTENER, { passphrase: "s3cret" });
    expect(daysLeft(pki)).toBe(365);
  }, 60000);

  it("an unreadable CRL is never replaced (it may list revocations)", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "d1");
    writeFileSync(pki.store.crlFile, "-----BEGIN X509 CRL-----\ngarbage\n-----END X509 CRL-----\n");
    const index = readFileSync(pki.store.indexFile, "utf8");
    const revoke = await pkiCli(pki.stateDir, ["revoke", "d1"]);
    expect(revoke.status).toBe(1);
    expect(revoke.stderr).toMatch(
      new RegExp(
        `^pki: ${pki.store.crlFile} cannot be read \\(.*\\): it may list revocations, so it is not replaced; restore it from a backup$`,
      ),
    );
    expect(readFileSync(pki.store.crlFile, "utf8")).toContain("garbage");
    expect(readFileSync(pki.store.indexFile, "utf8")).toBe(index);
    recordBadInput("npm run pki -- revoke d1 (crl.pem unreadable)", revoke, "yes (crl.pem, index.json)");
  }, 60000);
});
