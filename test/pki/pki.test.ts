// The certificate authority: what it issues, what it refuses, and how its command line fails.
import { spawnSync } from "node:child_process";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCa, issue, list, renew, type PkiContext } from "../../scripts/ca/commands.ts";
import { PkiStore } from "../../scripts/lib/pki-store.ts";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import { readCommandKey } from "../../scripts/lib/signing.ts";
import { x509 } from "../../scripts/ca/x509.ts";
import { startProjectBroker, type Broker } from "../support/broker.ts";
import { recordBadInput } from "../support/bad-input.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { testProfile } from "../support/profile.ts";

const root = path.resolve(import.meta.dirname, "../..");

function cli(stateDir: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/pki/cli.ts", ...args], {
    cwd: root,
    env: { ...process.env, LATCHKEY_STATE_DIR: stateDir, LATCHKEY_CA_PASSPHRASE: "", ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

const hash = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("certificate authority", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  beforeAll(async () => {
    pki = await makeTestPki();
  });
  afterAll(async () => broker?.stop());

  it("issues a device certificate: CN = device id, clientAuth, 0600 key, DER copies for the device", async () => {
    await pki.issue("device", "garage-door");
    const dir = pki.store.identityDir("device", "garage-door");
    const cert = new X509Certificate(readFileSync(`${dir}/cert.pem`));
    expect(cert.subject).toBe("CN=garage-door");
    expect(cert.checkIssued(new X509Certificate(readFileSync(pki.store.caCertFile)))).toBe(true);
    expect(new x509.X509Certificate(cert.raw).getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(statSync(`${dir}/key.pem`).mode & 0o777).toBe(0o600);
    expect(statSync(`${dir}/key.der`).mode & 0o777).toBe(0o600);
    expect(statSync(pki.store.caKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${dir}/cert.der`).equals(cert.raw)).toBe(true);
    const der = createPrivateKey({ key: readFileSync(`${dir}/key.der`), format: "der", type: "sec1" });
    expect(der.asymmetricKeyType).toBe("ec");
    expect(cert.checkPrivateKey(der)).toBe(true);
    expect(readFileSync(`${dir}/ca.der`).equals(new X509Certificate(readFileSync(pki.store.caCertFile)).raw)).toBe(
      true,
    );
  });

  it("issues a broker certificate with DNS and IP names and serverAuth", async () => {
    await pki.issue("broker", "edge", { dns: ["broker.lan"], ips: ["192.168.1.10"] });
    const cert = new X509Certificate(readFileSync(`${pki.store.identityDir("broker", "edge")}/cert.pem`));
    expect(cert.subjectAltName).toBe(
      "DNS:localhost, DNS:broker.lan, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.10",
    );
    expect(new x509.X509Certificate(cert.raw).getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
    ]);
  });

  it("makes RSA-2048 keys on request (for Espruino builds without EC)", async () => {
    await pki.issue("device", "rsa-door", { keyType: "rsa" });
    const dir = pki.store.identityDir("device", "rsa-door");
    const cert = new X509Certificate(readFileSync(`${dir}/cert.pem`));
    expect(cert.publicKey.asymmetricKeyType).toBe("rsa");
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(
      createPrivateKey({ key: readFileSync(`${dir}/key.der`), format: "der", type: "pkcs1" }).asymmetricKeyType,
    ).toBe("rsa");
  });

  it("refuses a second certificate with a CN in use, a bad device id, and a validity beyond the CA's", async () => {
    await expect(pki.issue("device", "garage-door")).rejects.toThrow(
      /^certificate CN 'garage-door' is already in use by the active device 'garage-door'/,
    );
    await expect(pki.issue("hub", "garage-door")).rejects.toThrow(/already in use/);
    await expect(pki.issue("device", "door/1")).rejects.toThrow("device name 'door/1' is not a valid MQTT topic level");
    await expect(pki.issue("device", "door+")).rejects.toThrow("not a valid MQTT topic level");
    await expect(pki.issue("device", "forever", { days: 100000 })).rejects.toThrow(
      /^a validity of 100000 days would outlive the CA, which expires on \d{4}-\d\d-\d\d: use --days 7299 or less$/,
    );
  });

  it("revokes into the CRL and lets the name be issued again", async () => {
    await pki.issue("device", "stolen");
    const serial = JSON.parse(readFileSync(pki.store.indexFile, "utf8")).certificates.find(
      (c: { name: string }) => c.name === "stolen",
    ).serial;
    await pki.revoke("stolen");
    const crl = new x509.X509Crl(readFileSync(pki.store.crlFile, "utf8").replace(/X509 CRL/g, "CRL"));
    expect(crl.entries.map((e) => e.serialNumber)).toContain(serial);
    await expect(pki.revoke("stolen")).rejects.toThrow("'stolen' has no active certificate (already revoked)");
    await pki.issue("device", "stolen");
  });

  it("makes a 32-byte command key (0600) per device: new at every renewal, destroyed at revocation", async () => {
    await pki.issue("device", "keyed");
    const file = pki.store.commandKeyFile("keyed");
    const first = readFileSync(file);
    expect(first.length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readCommandKey(pki.stateDir, "keyed").equals(first)).toBe(true);
    await renew(pki.ctx, "keyed");
    const renewed = readFileSync(file);
    expect(renewed.length).toBe(32);
    expect(renewed.equals(first)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await pki.revoke("keyed");
    expect(existsSync(file)).toBe(false);
    expect(() => readCommandKey(pki.stateDir, "keyed")).toThrow(
      "device 'keyed' has no active certificate (revoked): its command key is not used",
    );
    await pki.issue("device", "keyed");
    const second = readFileSync(file);
    expect(second.length).toBe(32);
    expect(second.equals(first) || second.equals(renewed)).toBe(false);
    const files = deviceStorageFiles(testProfile({ id: "keyed" }), pki.stateDir, { ssid: "s", password: "p" });
    expect(Buffer.from(files["lk.cmdkey"], "latin1").equals(second)).toBe(true);
    expect(() => readCommandKey(pki.stateDir, "nobody")).toThrow(
      /^no command key for device 'nobody' \(.*command\.key\): npm run pki -- device nobody makes it$/,
    );
    // Never on the command line's output, nor in the CA's index.
    expect(readFileSync(pki.store.indexFile, "utf8")).not.toContain(second.toString("hex"));
  });

  it("renews with a new key and serial, and revokes the old certificate", async () => {
    await pki.issue("hub", "hub-r");
    const dir = pki.store.identityDir("hub", "hub-r");
    const before = new X509Certificate(readFileSync(`${dir}/cert.pem`));
    const renewed = await renew(pki.ctx, "hub-r");
    const after = new X509Certificate(readFileSync(`${dir}/cert.pem`));
    expect(renewed.serial).not.toBe(before.serialNumber.toLowerCase());
    expect(after.publicKey.equals(before.publicKey)).toBe(false);
    const crl = new x509.X509Crl(readFileSync(pki.store.crlFile, "utf8").replace(/X509 CRL/g, "CRL"));
    expect(crl.entries.map((e) => e.serialNumber)).toContain(before.serialNumber.toLowerCase());
  });

  it("follows the CA's key type unless told otherwise", async () => {
    const rsa = await makeTestPki("rsa");
    const result = cli(rsa.stateDir, ["broker", "edge"]);
    expect(result.status).toBe(0);
    const edge = new X509Certificate(readFileSync(`${rsa.store.identityDir("broker", "edge")}/cert.pem`));
    expect(edge.publicKey.asymmetricKeyType).toBe("rsa");
    expect(cli(rsa.stateDir, ["device", "ec-door", "--ec"]).status).toBe(0);
    const door = new X509Certificate(readFileSync(`${rsa.store.identityDir("device", "ec-door")}/cert.pem`));
    expect(door.publicKey.asymmetricKeyType).toBe("ec");
    expect(cli(rsa.stateDir, ["device", "x", "--ec", "--rsa"])).toMatchObject({
      status: 1,
      stderr: "pki: --rsa and --ec contradict each other",
    });
  });

  it("renews after a revoke: a new certificate of the same kind, devices and key type", async () => {
    await pki.issue("user", "dave", { devices: ["garage-door"], password: "pw", keyType: "rsa" });
    await pki.revoke("dave");
    const renewed = await renew(pki.ctx, "dave", { password: "pw2" });
    expect(renewed).toMatchObject({ kind: "user", status: "active", devices: ["garage-door"], keyType: "rsa" });
    const index = JSON.parse(readFileSync(pki.store.indexFile, "utf8")) as {
      certificates: { name: string; status: string }[];
    };
    expect(index.certificates.filter((c) => c.name === "dave").map((c) => c.status)).toEqual(["revoked", "active"]);
    const crl = new x509.X509Crl(readFileSync(pki.store.crlFile, "utf8").replace(/X509 CRL/g, "CRL"));
    expect(crl.entries.map((e) => e.serialNumber)).not.toContain(renewed.serial);
    await expect(renew(pki.ctx, "nobody")).rejects.toThrow("no certificate named 'nobody'");
  });

  it("lists every certificate with its expiry and warns ahead of time", async () => {
    await pki.issue("device", "short-lived", { days: 10 });
    const lines = await list(pki.ctx);
    expect(lines[0]).toMatch(/^CA {7}Latchkey CA +expires \d{4}-\d\d-\d\d \(7299 days\)$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^device +garage-door +expires .* \(3649 days\) active serial [0-9a-f]{32}$/),
    );
    expect(lines).toContain("WARNING: device 'short-lived' expires in 9 days: npm run pki -- renew short-lived");
  });

  it("makes a PKCS#12 bundle that Node's TLS imports and that logs an operator in", async () => {
    await pki.issue("user", "carol", { password: "correct horse" });
    const p12 = readFileSync(path.join(pki.store.identityDir("user", "carol"), "carol.p12"));
    expect(() => tls.createSecureContext({ pfx: p12, passphrase: "correct horse" })).not.toThrow();
    expect(() => tls.createSecureContext({ pfx: p12, passphrase: "wrong" })).toThrow();
    broker = await startProjectBroker(pki.stateDir, "latchkey", true);
    const client = await connectTls(broker.port, {
      ca: readFileSync(pki.store.caCertFile),
      pfx: p12,
      passphrase: "correct horse",
    });
    expect(client.connected).toBe(true);
    client.end(true);
  });

  it("encrypts the CA key with a passphrase and refuses a wrong or missing one", async () => {
    const locked = await makeTestPki("ec", "s3cret");
    expect(readFileSync(locked.store.caKeyFile, "utf8")).toContain("BEGIN ENCRYPTED PRIVATE KEY");
    await locked.issue("device", "d1");
    const wrong: PkiContext = { ...locked.ctx, passphrase: "guess" };
    await expect(issue(wrong, "device", "d2")).rejects.toThrow("wrong CA passphrase");
    const none: PkiContext = { ...locked.ctx, passphrase: undefined };
    await expect(issue(none, "device", "d2")).rejects.toThrow(
      "the CA key is encrypted: give its passphrase on a terminal, in LATCHKEY_CA_PASSPHRASE, or in a 0600 file named by LATCHKEY_CA_PASSPHRASE_FILE",
    );
  });
});

describe("npm run pki: bad input gives one clear line and exit 1, and never loses the CA", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makeTestPki("ec", "s3cret");
  });

  it("bad names, numbers and flags: one line, exit 1, index and CRL unchanged", () => {
    const cases: [string[], string][] = [
      [["device", "d9", "--days", "abc"], "pki: --days must be a positive whole number, not 'abc'"],
      [["device", "d9", "--days", "0"], "pki: --days must be a positive whole number, not '0'"],
      [["device", "d9", "--days=-5"], "pki: --days must be a positive whole number, not '-5'"],
      [
        ["device", "door/1"],
        "pki: device name 'door/1' is not a valid MQTT topic level (letters, digits, - and _, at most 64, starting with a letter or digit)",
      ],
      [
        ["device", "+"],
        "pki: device name '+' is not a valid MQTT topic level (letters, digits, - and _, at most 64, starting with a letter or digit)",
      ],
      [["device", "d9", "--rsa", "--ec"], "pki: --rsa and --ec contradict each other"],
      [["revoke", "nobody"], "pki: no certificate named 'nobody'"],
      [["renew", "nobody"], "pki: no certificate named 'nobody'"],
      [["device"], "pki: device needs a device id"],
      [["device", "a", "b"], "pki: unexpected argument 'b'"],
      [["device", "d9", "--colour"], "pki: unknown option '--colour' (usage: npm run pki -- <command> [options])"],
    ];
    for (const [args, message] of cases) {
      const before = [hash(pki.store.indexFile), hash(pki.store.crlFile)];
      const result = cli(pki.stateDir, args, { LATCHKEY_CA_PASSPHRASE: "s3cret" });
      expect(result, args.join(" ")).toMatchObject({ status: 1, stderr: message });
      expect([hash(pki.store.indexFile), hash(pki.store.crlFile)]).toEqual(before);
      recordBadInput(`npm run pki -- ${args.join(" ")}`, result, "yes (index.json, crl.pem)");
    }
  }, 180000);

  it("an unknown command", () => {
    expect(cli(pki.stateDir, ["frobnicate"])).toMatchObject({
      status: 1,
      stderr:
        "pki: unknown command 'frobnicate' (init, broker, device, issue-bulk, user, hub, ha, revoke, crl, list, renew)",
    });
  });

  it("a missing CA", () => {
    const empty = path.join(pki.stateDir, "nothing-here");
    const result = cli(empty, ["device", "d9"]);
    expect(result).toMatchObject({ status: 1, stderr: `pki: no CA in ${empty}/pki: run npm run pki -- init` });
  });

  it("a wrong passphrase", () => {
    expect(cli(pki.stateDir, ["device", "d9"], { LATCHKEY_CA_PASSPHRASE: "nope" })).toMatchObject({
      status: 1,
      stderr: "pki: wrong CA passphrase",
    });
  });

  it("init over an existing CA, which stays as it was", () => {
    const before = [hash(pki.store.caKeyFile), hash(pki.store.caCertFile)];
    expect(cli(pki.stateDir, ["init"])).toMatchObject({
      status: 1,
      stderr: `pki: a CA already exists in ${pki.store.dir}; refusing to overwrite it`,
    });
    expect([hash(pki.store.caKeyFile), hash(pki.store.caCertFile)]).toEqual(before);
  });

  it("a corrupt state folder, which is left untouched", () => {
    const corrupt = new PkiStore(path.join(pki.stateDir, "corrupt"));
    const ctx: PkiContext = { store: corrupt, log: () => undefined };
    return initCa(ctx).then(() => {
      writeFileSync(corrupt.indexFile, "{ not json");
      const before = hash(corrupt.caKeyFile);
      const result = cli(path.dirname(corrupt.dir), ["list"]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^pki: state folder ${corrupt.dir} is corrupt: index.json: .*JSON`));
      expect(cli(path.dirname(corrupt.dir), ["init"]).stderr).toBe(
        `pki: a CA already exists in ${corrupt.dir}; refusing to overwrite it`,
      );
      expect(hash(corrupt.caKeyFile)).toBe(before);
    });
  });
});
