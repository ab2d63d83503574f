// One identity issued into the CA's index: its leaf certificate within the CA's lifetime, its
// key and the CA certificate in its folder (DER too for a device, with its command key; a
// PKCS#12 bundle for an operator) and its record. Called by commands.ts under the CA lock.
import { createPrivateKey, randomBytes } from "node:crypto";
import { checkIp, issueLeaf, type Issuer } from "./issue.ts";
import { privateKeyDer, privateKeyPem } from "./keys.ts";
import { makePkcs12 } from "./pkcs12.ts";
import type { KeyType, CertRecord, Kind, PkiIndex } from "../lib/pki-store.ts";
import { PkiError } from "../lib/errors.ts";
import type { PkiContext } from "./context.ts";

const DAY = 86400000;
/** Validity in days when --days is not given. */
export const DEFAULT_DAYS: Record<Kind | "ca", number> = {
  ca: 7300,
  broker: 825,
  device: 3650,
  user: 825,
  hub: 825,
  ha: 825,
};

export interface IssueOptions {
  keyType?: KeyType;
  days?: number;
  dns?: string[];
  ips?: string[];
  /** Operators: the PKCS#12 password (otherwise a random one, written to a 0600 file). */
  password?: string;
  /** Operators: the devices they may command (default: all). */
  devices?: string[];
  /** Tests: backdate the certificate (to make an expired one). */
  notBefore?: Date;
}

/** A date as the CA's lines print it (YYYY-MM-DD). */
export const day = (iso: string) => iso.slice(0, 10);

/** Issues `kind` `name` into `index`, which is written unless `writeIndex` is false (issueDevices
 *  writes it once for all). The caller holds the CA lock and has checked the name is free. */
export async function issueInto(
  ctx: PkiContext,
  issuer: Issuer,
  index: PkiIndex,
  kind: Kind,
  name: string,
  options: IssueOptions,
  writeIndex = true,
): Promise<CertRecord> {
  const days = options.days ?? DEFAULT_DAYS[kind];
  if (!(Number.isInteger(days) && days > 0))
    throw new PkiError(`--days must be a positive whole number, not '${days}'`);
  const start = options.notBefore ?? new Date();
  const caEnd = new Date(index.ca.notAfter);
  if (start.getTime() + days * DAY > caEnd.getTime()) {
    const left = Math.floor((caEnd.getTime() - start.getTime()) / DAY);
    throw new PkiError(
      `a validity of ${days} days would outlive the CA, which expires on ${day(index.ca.notAfter)}: use --days ${left} or less`,
    );
  }
  // The broker and the hub (its HTTPS page) are servers: loopback names always, more on request.
  const server = kind === "broker" || kind === "hub";
  const ips = server ? ["127.0.0.1", "::1", ...(options.ips ?? [])] : [];
  const bad = ips.find((ip) => !checkIp(ip));
  if (bad) throw new PkiError(`'${bad}' is not an IP address`);
  // The CA's own key type unless told otherwise: an RSA CA serves builds that speak RSA only.
  const keyType = options.keyType ?? index.ca.keyType;
  const { cert, keys } = await issueLeaf(issuer, {
    kind,
    cn: name,
    days,
    keyType,
    dns: server ? ["localhost", ...(options.dns ?? [])] : [],
    ips,
    notBefore: options.notBefore,
  });
  const dir = ctx.store.identityDir(kind, name);
  const keyPem = await privateKeyPem(keys.privateKey);
  const caPem = await ctx.store.read(ctx.store.caCertFile);
  await ctx.store.write(`${dir}/key.pem`, keyPem, true);
  await ctx.store.write(`${dir}/cert.pem`, cert.toString("pem"));
  await ctx.store.write(`${dir}/ca.pem`, caPem);
  if (kind === "device") {
    // DER, the form Espruino's TLS takes, ready to go into the device's Storage.
    await ctx.store.write(`${dir}/cert.der`, new Uint8Array(cert.rawData));
    await ctx.store.write(`${dir}/key.der`, privateKeyDer(keyPem), true);
    await ctx.store.write(`${dir}/ca.der`, new Uint8Array(issuer.cert.rawData));
    // The 32-byte command key (docs/protocol.md): 0600, never printed. New with every
    // certificate, renewals too: the old board's flash holds the old key.
    await ctx.store.write(ctx.store.commandKeyFile(name), randomBytes(32), true);
  }
  if (kind === "user") {
    const password = options.password ?? Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url");
    const pkcs8 = createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
    const p12 = await makePkcs12(cert.rawData, new Uint8Array(pkcs8).buffer, issuer.cert.rawData, name, password);
    await ctx.store.write(`${dir}/${name}.p12`, p12, true);
    if (options.password === undefined) {
      // Never on the screen (scrollback, screen sharing, CI logs): a 0600 file next to it.
      await ctx.store.write(`${dir}/${name}.p12.password`, password + "\n", true);
      ctx.log(`PKCS#12 password for ${name}.p12 written to ${dir}/${name}.p12.password (mode 0600)`);
    }
  }
  const record: CertRecord = {
    name,
    kind,
    cn: name,
    serial: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    keyType,
    status: "active",
  };
  if (kind === "user" && options.devices) record.devices = options.devices;
  index.certificates.push(record);
  if (writeIndex) await ctx.store.writeIndex(index);
  ctx.log(`${kind} '${name}': certificate in ${dir} (valid until ${day(record.notAfter)}, serial ${record.serial})`);
  return record;
}
