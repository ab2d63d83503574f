// The CA's secrets: the passphrase from a terminal (no echo), the environment or a 0600 file;
// the encrypted CA key's KDF; a generated PKCS#12 password in a 0600 file, never on stdout.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import tls from "node:tls";
import * as asn1js from "asn1js";
import { describe, expect, it } from "vitest";
import { KDF_ITERATIONS } from "../../scripts/ca/encrypted-key.ts";
import { pkiCli, root } from "../support/cli.ts";
import { makeTestPki } from "../support/pki.ts";
import { recordBadInput } from "../support/bad-input.ts";

/** Runs the pki CLI on a real pseudo-terminal (util-linux `script`), typing `typed`. */
function onTerminal(
  stateDir: string,
  args: string[],
  typed: string[],
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const command = ["node", "--import", "tsx", "scripts/pki/cli.ts", ...args].join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: root,
      env: {
        ...process.env,
        LATCHKEY_STATE_DIR: stateDir,
        LATCHKEY_CA_PASSPHRASE: "",
        LATCHKEY_CA_PASSPHRASE_FILE: "",
      },
    });
    let output = "";
    let next = 0;
    child.stdout.on("data", (d) => {
      output += d;
      // Answer each prompt as it appears, as a person would.
      const prompts = output.match(/passphrase[^:\n]*: /g)?.length ?? 0;
      while (next < prompts && next < typed.length) child.stdin.write(typed[next++] + "\r");
    });
    child.on("close", (status) => resolve({ status, output }));
  });
}

describe("CA passphrase", () => {
  it("init asks twice on a terminal without echo, and the key is PBES2 PBKDF2-SHA256 600000 AES-256-CBC", async () => {
    const pki = await makeTestPki();
    const stateDir = path.join(pki.stateDir, "fresh");
    const init = await onTerminal(stateDir, ["init"], ["tty-secret-1", "tty-secret-1"]);
    expect(init.status).toBe(0);
    expect(init.output).toContain("new CA key passphrase (empty: the key is not encrypted): ");
    expect(init.output).toContain("key encrypted");
    expect(init.output).not.toContain("tty-secret-1");
    const pem = readFileSync(path.join(stateDir, "pki", "ca.key.pem"), "utf8");
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const info = asn1js.fromBER(new Uint8Array(der).buffer).result as asn1js.Sequence;
    const algorithm = info.valueBlock.value[0] as asn1js.Sequence;
    const [scheme, params] = algorithm.valueBlock.value as [asn1js.ObjectIdentifier, asn1js.Sequence];
    expect(scheme.valueBlock.toString()).toBe("1.2.840.113549.1.5.13"); // PBES2
    const [kdf, cipher] = params.valueBlock.value as [asn1js.Sequence, asn1js.Sequence];
    const [kdfOid, kdfParams] = kdf.valueBlock.value as [asn1js.ObjectIdentifier, asn1js.Sequence];
    expect(kdfOid.valueBlock.toString()).toBe("1.2.840.113549.1.5.12"); // PBKDF2
    const [, iterations, prf] = kdfParams.valueBlock.value as [asn1js.OctetString, asn1js.Integer, asn1js.Sequence];
    expect(iterations.valueBlock.valueDec).toBe(KDF_ITERATIONS);
    expect(KDF_ITERATIONS).toBe(600000);
    expect((prf.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString()).toBe("1.2.840.113549.2.9");
    expect((cipher.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString()).toBe(
      "2.16.840.1.101.3.4.1.42",
    );
    const device = await onTerminal(stateDir, ["device", "d1"], ["tty-secret-1"]);
    expect(device.output).toContain("CA key passphrase: ");
    expect(device.output).not.toContain("tty-secret-1");
    expect(device.status).toBe(0);
    const wrong = await onTerminal(stateDir, ["device", "d2"], ["guess"]);
    expect(wrong.status).toBe(1);
    expect(wrong.output).toContain("pki: wrong CA passphrase");
  }, 60000);

  it("init refuses two different passphrases and creates nothing", async () => {
    const pki = await makeTestPki();
    const stateDir = path.join(pki.stateDir, "fresh");
    const init = await onTerminal(stateDir, ["init"], ["one", "two"]);
    expect(init.status).toBe(1);
    expect(init.output).toContain("pki: the two passphrases differ: nothing was created");
    expect(existsSync(path.join(stateDir, "pki", "ca.key.pem"))).toBe(false);
    recordBadInput(
      "npm run pki -- init (two different passphrases typed)",
      { status: init.status, stderr: "pki: the two passphrases differ: nothing was created" },
      "yes (no CA key created)",
    );
  }, 60000);

  it("a passphrase file must be 0600; then it unlocks the key", async () => {
    const pki = await makeTestPki("ec", "from-a-file");
    const file = path.join(pki.stateDir, "passphrase");
    writeFileSync(file, "from-a-file\n", { mode: 0o644 });
    chmodSync(file, 0o644);
    const before = readFileSync(pki.store.indexFile, "utf8");
    const open = await pkiCli(pki.stateDir, ["device", "d1"], { LATCHKEY_CA_PASSPHRASE_FILE: file });
    expect(open).toMatchObject({
      status: 1,
      stderr: `pki: LATCHKEY_CA_PASSPHRASE_FILE ${file} is readable by others (mode 644): chmod 600 it`,
    });
    expect(readFileSync(pki.store.indexFile, "utf8")).toBe(before);
    recordBadInput("LATCHKEY_CA_PASSPHRASE_FILE=<0644 file> npm run pki -- device d1", open, "yes (index.json)");
    chmodSync(file, 0o600);
    const ok = await pkiCli(pki.stateDir, ["device", "d1"], { LATCHKEY_CA_PASSPHRASE_FILE: file });
    expect(ok.status).toBe(0);
  }, 60000);
});

describe("PKCS#12 password", () => {
  it("a generated one goes to a 0600 file, never to stdout", async () => {
    const pki = await makeTestPki();
    const result = await pkiCli(pki.stateDir, ["user", "bob"]);
    expect(result.status).toBe(0);
    const dir = pki.store.identityDir("user", "bob");
    const passwordFile = path.join(dir, "bob.p12.password");
    const password = readFileSync(passwordFile, "utf8").trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(result.stdout).not.toContain(password);
    expect(result.stdout).toContain(`PKCS#12 password for bob.p12 written to ${passwordFile} (mode 0600)`);
    const p12 = readFileSync(path.join(dir, "bob.p12"));
    expect(() => tls.createSecureContext({ pfx: p12, passphrase: password })).not.toThrow();
  }, 60000);
});
