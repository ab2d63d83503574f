// A CA's records written by hand, for tests of what is generated from them (the ACL, RabbitMQ's
// topic permissions) without making a CA.
import type { CertRecord, Kind, PkiIndex } from "../../scripts/lib/pki-store.ts";

/** An active EC certificate's record named `name`; `extra` sets the rest (status, devices). */
export function certRecord(kind: Kind, name: string, extra: Partial<CertRecord> = {}): CertRecord {
  return {
    name,
    kind,
    cn: name,
    serial: "01",
    notBefore: "",
    notAfter: "",
    keyType: "ec",
    status: "active",
    ...extra,
  };
}

/** The records of a CA that has issued `certificates`. */
export function pkiIndex(certificates: CertRecord[]): PkiIndex {
  return {
    version: 1,
    ca: { cn: "CA", serial: "01", notBefore: "", notAfter: "", keyType: "ec", encrypted: false },
    certificates,
  };
}
