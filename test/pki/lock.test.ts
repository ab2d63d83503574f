// The CA lock: two real `pki` processes racing cannot lose a revocation, a live holder is
// named, a stale lock (dead pid, or too old) is taken over, and the CRL never drops a serial.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { issue, refreshCrl, type PkiContext } from "../../scripts/ca/commands.ts";
import { readCrl } from "../../scripts/ca/crl.ts";
import { STALE_MS } from "../../scripts/ca/lock.ts";
import type { PkiIndex } from "../../scripts/lib/pki-store.ts";
import { pkiCli } from "../support/cli.ts";
import { makeTestPki } from "../support/pki.ts";
import { recordBadInput } from "../support/bad-input.ts";

const readIndex = (file: string) => JSON.parse(readFileSync(file, "utf8")) as PkiIndex;

describe("CA lock", () => {
  it("a revoke racing an issue, in two real processes, stays revoked in the index and the CRL", async () => {
    const pki = await makeTestPki("rsa"); // RSA key generation widens the race window
    for (let round = 0; round < 3; round++) {
      await pki.issue("device", `victim-${round}`);
      const [revoked, issued] = await Promise.all([
        pkiCli(pki.stateDir, ["revoke", `victim-${round}`]),
        pkiCli(pki.stateDir, ["device", `new-${round}`]),
      ]);
      expect(revoked).toMatchObject({ status: 0 });
      expect(issued).toMatchObject({ status: 0 });
      const index = readIndex(pki.store.indexFile);
      const victim = index.certificates.find((c) => c.name === `victim-${round}`)!;
      expect(victim.status).toBe("revoked");
      expect(index.certificates.some((c) => c.name === `new-${round}` && c.status === "active")).toBe(true);
      // A later CRL rebuilt from the index still lists it.
      await refreshCrl(pki.ctx);
      expect(readCrl(pki.store).serials.map((s) => s.serial)).toContain(victim.serial);
    }
  }, 120000);

  it("a live holder is waited for, then named in one clear error", async () => {
    const pki = await makeTestPki();
    const holder = spawn("sleep", ["30"]);
    try {
      const since = new Date().toISOString();
      writeFileSync(
        path.join(pki.store.dir, "lock"),
        JSON.stringify({ pid: holder.pid, host: os.hostname(), command: "revoke", since }),
      );
      const ctx: PkiContext = { ...pki.ctx, lockWaitMs: 300 };
      await expect(issue(ctx, "device", "d1")).rejects.toThrow(
        `another CA command holds the lock ${pki.store.dir}/lock: pid ${holder.pid} on ${os.hostname()} ('revoke', since ${since}); wait for it to finish (if that process is gone, delete the file)`,
      );
      expect(readIndex(pki.store.indexFile).certificates.some((c) => c.name === "d1")).toBe(false);
    } finally {
      holder.kill();
    }
  }, 60000);

  it("a lock left by a dead process, or older than STALE_MS, is taken over and said so", async () => {
    const pki = await makeTestPki();
    const dead = spawn("true");
    await new Promise((r) => dead.once("exit", r));
    const lock = path.join(pki.store.dir, "lock");
    const lines: string[] = [];
    const ctx: PkiContext = { ...pki.ctx, lockWaitMs: 300, log: (l) => lines.push(l) };
    writeFileSync(
      lock,
      JSON.stringify({ pid: dead.pid, host: os.hostname(), command: "issue", since: new Date().toISOString() }),
    );
    await issue(ctx, "device", "d1");
    expect(lines[0]).toMatch(new RegExp(`^removed a stale CA lock \\(pid ${dead.pid} is gone: pid ${dead.pid} on `));
    const old = new Date(Date.now() - STALE_MS - 1000).toISOString();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), command: "renew", since: old }));
    await issue(ctx, "device", "d2");
    expect(lines).toContainEqual(expect.stringMatching(/^removed a stale CA lock \(older than 10 minutes: /));
  }, 60000);

  it("the CLI refuses while another holds the lock, and changes nothing", async () => {
    const pki = await makeTestPki();
    const holder = spawn("sleep", ["60"]);
    try {
      writeFileSync(
        path.join(pki.store.dir, "lock"),
        JSON.stringify({ pid: holder.pid, host: os.hostname(), command: "revoke", since: new Date().toISOString() }),
      );
      const before = readFileSync(pki.store.indexFile, "utf8");
      const result = await pkiCli(pki.stateDir, ["device", "d1"], { LATCHKEY_PKI_LOCK_WAIT_MS: "500" });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^pki: another CA command holds the lock .*: pid ${holder.pid} on `));
      expect(readFileSync(pki.store.indexFile, "utf8")).toBe(before);
      recordBadInput("npm run pki -- device d1 (lock held by a live process)", result, "yes (index.json)");
    } finally {
      holder.kill();
    }
  }, 60000);

  it("a serial an existing CRL lists is never dropped, even when the index lost it", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "stolen");
    await pki.revoke("stolen");
    const serial = readIndex(pki.store.indexFile).certificates.find((c) => c.name === "stolen")!.serial;
    // The index loses the revocation (a hand edit, a restore from an old backup).
    const index = readIndex(pki.store.indexFile);
    index.certificates = index.certificates.filter((c) => c.name !== "stolen");
    writeFileSync(pki.store.indexFile, JSON.stringify(index));
    await pki.issue("device", "other");
    await pki.revoke("other");
    expect(readCrl(pki.store).serials.map((s) => s.serial)).toContain(serial);
  }, 60000);
});
