// Who is at the page: the TLS layer has already checked that the client certificate chains to
// the project's CA and is not on its CRL (web.ts); here it must also be an ACTIVE operator
// certificate in the CA's records (index.json, re-read when it changes), matched by serial
// and CN, which gives the devices that operator may see and command (`pki user --devices`).
// A device's, the hub's or Home Assistant's certificate opens nothing.
import { statSync } from "node:fs";
import type { PeerCertificate } from "node:tls";
import { PkiStore, type PkiIndex } from "../lib/pki-store.ts";

export interface Operator {
  cn: string;
  /** The devices this operator may see and command; undefined: every device. */
  devices?: string[];
}

export function normalSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+/, "");
}

export class Operators {
  private readonly store: PkiStore;
  private index: PkiIndex | undefined;
  private mtime = -1;

  constructor(stateDir: string) {
    this.store = new PkiStore(stateDir);
  }

  private async current(): Promise<PkiIndex> {
    const mtime = statSync(this.store.indexFile).mtimeMs;
    if (!this.index || mtime !== this.mtime) {
      this.index = await this.store.readIndex();
      this.mtime = mtime;
    }
    return this.index;
  }

  async identify(peer: PeerCertificate | undefined): Promise<Operator | { refused: string }> {
    const cn = peer?.subject?.CN;
    if (!peer?.serialNumber || typeof cn !== "string") return { refused: "no client certificate" };
    const serial = normalSerial(peer.serialNumber);
    const record = (await this.current()).certificates.find((c) => normalSerial(c.serial) === serial);
    if (!record || record.cn !== cn) return { refused: `certificate of '${cn}' is not in the CA's records` };
    if (record.status !== "active") return { refused: `certificate of '${cn}' is ${record.status}` };
    if (record.kind !== "user") return { refused: `'${cn}' is a ${record.kind} certificate, not an operator's` };
    return { cn, devices: record.devices };
  }
}

export function maySee(operator: Operator, device: string): boolean {
  return operator.devices === undefined || operator.devices.includes(device);
}
