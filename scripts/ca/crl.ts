// The CRL: rebuilt from the index under the CA lock, and never shorter than the CRL it
// replaces (a serial an existing CRL lists stays listed, whatever the index says). Mosquitto
// and Node's TLS refuse every client once nextUpdate has passed, so it is renewed whenever
// the broker policy is written and by `npm run pki -- crl`, and `list` warns ahead.
import { existsSync, readFileSync } from "node:fs";
import { createCrl, type Issuer } from "./issue.ts";
import { PkiError } from "../lib/errors.ts";
import type { PkiIndex, PkiStore } from "../lib/pki-store.ts";
import { x509 } from "./x509.ts";

export const CRL_DAYS = 365;

export interface CrlState {
  serials: { serial: string; at: string }[];
  nextUpdate?: Date;
}

/** What the CRL on disk lists; an absent CRL lists nothing, an unreadable one is an error. */
export function readCrl(store: PkiStore): CrlState {
  if (!existsSync(store.crlFile)) return { serials: [] };
  let crl: x509.X509Crl;
  try {
    crl = new x509.X509Crl(
      readFileSync(store.crlFile, "utf8").replace(/-----(BEGIN|END) X509 CRL-----/g, "-----$1 CRL-----"),
    );
  } catch (error) {
    throw new PkiError(
      `${store.crlFile} cannot be read (${(error as Error).message}): it may list revocations, so it is not replaced; restore it from a backup`,
    );
  }
  return {
    serials: crl.entries.map((e) => ({ serial: e.serialNumber.toLowerCase(), at: e.revocationDate.toISOString() })),
    nextUpdate: crl.nextUpdate,
  };
}

/** Writes a CRL listing every non-active certificate of the index and everything the old CRL listed. */
export async function writeCrl(store: PkiStore, issuer: Issuer, index: PkiIndex, days = CRL_DAYS): Promise<Date> {
  const listed = new Map(readCrl(store).serials.map((s) => [s.serial, s.at]));
  for (const c of index.certificates) {
    if (c.status !== "active" && !listed.has(c.serial.toLowerCase()))
      listed.set(c.serial.toLowerCase(), c.revokedAt ?? new Date().toISOString());
  }
  const revoked = [...listed].map(([serial, at]) => ({ serial, at }));
  await store.write(store.crlFile, await createCrl(issuer, revoked, days));
  return readCrl(store).nextUpdate!;
}
