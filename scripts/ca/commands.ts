// What `npm run pki -- <command>` does, as functions tests and `npm start` call directly.
import { readFileSync, rmSync } from "node:fs";
import { x509 } from "./x509.ts";
import { TOPIC_LEVEL } from "../lib/config.ts";
import { readCrl, writeCrl } from "./crl.ts";
import { createCa, type Issuer } from "./issue.ts";
import { importPrivateKey, privateKeyPem } from "./keys.ts";
import type { KeyType, CertRecord, Kind, PkiIndex, PkiStore } from "../lib/pki-store.ts";
import { PkiError } from "../lib/errors.ts";
import type { PkiContext } from "./context.ts";
import { withLock } from "./lock.ts";
import { day, DEFAULT_DAYS, issueInto, type IssueOptions } from "./identity.ts";
export { list, WARN_DAYS } from "./list.ts";
export type { IssueOptions, PkiContext };

/** Runs a command that changes the state folder: passphrase first, then under the CA lock. */
async function mutate<T>(ctx: PkiContext, command: string, fn: () => Promise<T>): Promise<T> {
  if (ctx.passphrase === undefined && ctx.askPassphrase && caKeyEncrypted(ctx.store)) {
    ctx.passphrase = await ctx.askPassphrase();
  }
  return withLock(ctx.store.dir, command, fn, { waitMs: ctx.lockWaitMs, log: ctx.log });
}

export function caKeyEncrypted(store: PkiStore): boolean {
  try {
    return readFileSync(store.caKeyFile, "utf8").includes("ENCRYPTED PRIVATE KEY");
  } catch {
    return false;
  }
}

export async function initCa(
  ctx: PkiContext,
  options: { keyType?: KeyType; days?: number; cn?: string } = {},
): Promise<void> {
  return mutate(ctx, "init", () => initCaLocked(ctx, options));
}

async function initCaLocked(ctx: PkiContext, options: { keyType?: KeyType; days?: number; cn?: string }) {
  const { store } = ctx;
  if (store.hasCa()) throw new PkiError(`a CA already exists in ${store.dir}; refusing to overwrite it`);
  const keyType = options.keyType ?? "ec";
  const days = options.days ?? DEFAULT_DAYS.ca;
  const cn = options.cn ?? "Latchkey CA";
  const { cert, keys } = await createCa(cn, keyType, days);
  await store.create(store.caKeyFile, await privateKeyPem(keys.privateKey, ctx.passphrase), true);
  await store.create(store.caCertFile, cert.toString("pem"), false);
  const index: PkiIndex = {
    version: 1,
    ca: {
      cn,
      serial: cert.serialNumber,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      keyType,
      encrypted: ctx.passphrase !== undefined,
    },
    certificates: [],
  };
  await store.writeIndex(index);
  await writeCrl(store, { cert, key: keys.privateKey, keyType }, index);
  ctx.log(
    `CA '${cn}' created in ${store.dir} (${keyType === "rsa" ? "RSA-2048" : "EC P-256"}, valid until ${day(index.ca.notAfter)}${index.ca.encrypted ? ", key encrypted" : ""})`,
  );
}

/** Reads the index and the CA key: only under the lock (mutate). */
async function loadIssuer(ctx: PkiContext): Promise<{ issuer: Issuer; index: PkiIndex }> {
  const index = await ctx.store.readIndex();
  readCrl(ctx.store); // an unreadable CRL stops the command before anything changes
  const cert = new x509.X509Certificate(await ctx.store.read(ctx.store.caCertFile));
  const key = await importPrivateKey(await ctx.store.read(ctx.store.caKeyFile), index.ca.keyType, ctx.passphrase);
  return { issuer: { cert, key, keyType: index.ca.keyType }, index };
}

function checkName(kind: Kind, name: string): void {
  if (!TOPIC_LEVEL.test(name)) {
    throw new PkiError(
      `${kind} name '${name}' is not a valid MQTT topic level (letters, digits, - and _, at most 64, starting with a letter or digit)`,
    );
  }
}

export async function issue(
  ctx: PkiContext,
  kind: Kind,
  name: string,
  options: IssueOptions = {},
): Promise<CertRecord> {
  checkName(kind, name);
  for (const device of options.devices ?? []) checkName("device", device);
  return mutate(ctx, kind, async () => {
    const { issuer, index } = await loadIssuer(ctx);
    checkCnFree(index, name);
    return issueInto(ctx, issuer, index, kind, name, options);
  });
}

/** Device identities in one process under one lock: the CA key is read once and the index
 *  written once, at the end (a single `issue` pays process start-up and both per identity).
 *  All names are checked before anything is written; `progress` hears each one issued. */
export async function issueDevices(
  ctx: PkiContext,
  names: string[],
  options: IssueOptions = {},
  progress?: (record: CertRecord) => void,
): Promise<CertRecord[]> {
  for (const name of names) checkName("device", name);
  if (new Set(names).size !== names.length) throw new PkiError("the device ids given are not all different");
  return mutate(ctx, "device", async () => {
    const { issuer, index } = await loadIssuer(ctx);
    for (const name of names) checkCnFree(index, name);
    const records: CertRecord[] = [];
    const quiet = { ...ctx, log: () => undefined };
    for (const name of names) {
      records.push(await issueInto(quiet, issuer, index, "device", name, options, false));
      progress?.(records[records.length - 1]!);
    }
    await ctx.store.writeIndex(index);
    return records;
  });
}

function checkCnFree(index: PkiIndex, name: string): void {
  const taken = index.certificates.find((c) => c.status === "active" && c.cn === name);
  if (taken) {
    throw new PkiError(
      `certificate CN '${name}' is already in use by the active ${taken.kind} '${taken.name}' (serial ${taken.serial}): renew or revoke it instead`,
    );
  }
}

function findActive(index: PkiIndex, name: string): CertRecord {
  const record = index.certificates.find((c) => c.status === "active" && c.name === name);
  if (!record) {
    const known = index.certificates.some((c) => c.name === name);
    throw new PkiError(
      known ? `'${name}' has no active certificate (already revoked)` : `no certificate named '${name}'`,
    );
  }
  return record;
}

/** Index first, then the CRL: a crash between them leaves the revocation recorded, and the
 *  next CRL (which keeps every serial the old one listed) carries it. */
export async function revoke(ctx: PkiContext, name: string): Promise<CertRecord> {
  return mutate(ctx, "revoke", async () => {
    const { issuer, index } = await loadIssuer(ctx);
    const record = findActive(index, name);
    record.status = "revoked";
    record.revokedAt = new Date().toISOString();
    await ctx.store.writeIndex(index);
    await writeCrl(ctx.store, issuer, index);
    ctx.log(`${record.kind} '${name}' revoked (serial ${record.serial}); CRL updated`);
    if (record.kind === "device") {
      // Whoever holds the board can read its command key: nothing signs with it again
      // (readCommandKey refuses a device without an active certificate, and the key is gone).
      rmSync(ctx.store.commandKeyFile(name), { force: true });
      ctx.log(`its command key is destroyed; renew '${name}' and provision the replacement board over serial`);
    }
    return record;
  });
}

/** A new key and certificate for `name`; the active one is superseded. After a revoke, the
 *  last certificate of that name gives the kind, key type and devices. */
export async function renew(ctx: PkiContext, name: string, options: IssueOptions = {}): Promise<CertRecord> {
  return mutate(ctx, "renew", async () => {
    const { issuer, index } = await loadIssuer(ctx);
    const old =
      index.certificates.find((c) => c.status === "active" && c.name === name) ??
      index.certificates.filter((c) => c.name === name).at(-1);
    if (!old) throw new PkiError(`no certificate named '${name}'`);
    if (old.status !== "active") checkCnFree(index, old.cn);
    const renewed = await issueInto(ctx, issuer, index, old.kind, name, {
      keyType: old.keyType,
      devices: old.devices,
      ...options,
    });
    if (old.status === "active") {
      old.status = "superseded";
      old.revokedAt = new Date().toISOString();
    }
    await ctx.store.writeIndex(index);
    await writeCrl(ctx.store, issuer, index);
    if (old.kind === "device")
      ctx.log(
        `provision device '${name}' again over serial (npm run flash) to install its new certificate and command key; the old key no longer signs`,
      );
    return renewed;
  });
}

/** `npm run pki -- crl`: a fresh CRL (CRL_DAYS), keeping every serial listed. */
export async function refreshCrl(ctx: PkiContext): Promise<Date> {
  return mutate(ctx, "crl", async () => {
    const { issuer, index } = await loadIssuer(ctx);
    const next = await writeCrl(ctx.store, issuer, index);
    ctx.log(
      `CRL renewed: ${readCrl(ctx.store).serials.length} revoked serials, next update ${day(next.toISOString())}`,
    );
    return next;
  });
}
