// `npm run pki -- list`: every certificate, the CA and the CRL, with a warning for each that
// expires within WARN_DAYS (a CRL past its next update makes the brokers refuse everyone).
import { readCrl } from "./crl.ts";
import type { PkiContext } from "./context.ts";

const DAY = 86400000;
/** `list` warns this long before an expiry (certificates, the CA, the CRL's next update). */
export const WARN_DAYS = 30;
const day = (iso: string) => iso.slice(0, 10);

/** Every certificate with its expiry; warnings for what expires within WARN_DAYS. */
export async function list(ctx: PkiContext, now = new Date()): Promise<string[]> {
  const index = await ctx.store.readIndex();
  const left = (iso: string) => Math.floor((new Date(iso).getTime() - now.getTime()) / DAY);
  const lines = [
    `CA       ${index.ca.cn.padEnd(20)} expires ${day(index.ca.notAfter)} (${left(index.ca.notAfter)} days)`,
  ];
  const warnings: string[] = [];
  if (left(index.ca.notAfter) < WARN_DAYS) warnings.push(`WARNING: the CA expires in ${left(index.ca.notAfter)} days`);
  const crlNext = readCrl(ctx.store).nextUpdate;
  if (crlNext) {
    const crlLeft = left(crlNext.toISOString());
    lines.push(`CRL      next update ${day(crlNext.toISOString())} (${crlLeft} days)`);
    if (crlLeft < WARN_DAYS) {
      warnings.push(
        `WARNING: the CRL ${crlLeft < 0 ? "has expired: the broker refuses every client" : `expires in ${crlLeft} days`}: npm run pki -- crl (or start the broker, which renews it)`,
      );
    }
  }
  for (const c of index.certificates) {
    const days = left(c.notAfter);
    const status = c.status === "active" ? (days < 0 ? "EXPIRED" : "active") : c.status;
    lines.push(
      `${c.kind.padEnd(8)} ${c.name.padEnd(20)} expires ${day(c.notAfter)} (${days} days) ${status} serial ${c.serial}`,
    );
    if (c.status === "active" && days < WARN_DAYS) {
      warnings.push(
        `WARNING: ${c.kind} '${c.name}' ${days < 0 ? "has expired" : `expires in ${days} days`}: npm run pki -- renew ${c.name}`,
      );
    }
  }
  return [...lines, ...warnings];
}
