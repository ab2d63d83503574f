// The CA's state folder (`<stateDir>/pki`, gitignored): the CA key and certificate, the CRL,
// one folder per identity, and index.json, the record every command and the broker policy
// read. Files are written whole (temp file, then rename), keys with mode 0600, and nothing a
// command does can overwrite or lose an existing CA.
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { PkiError } from "./errors.ts";

/** The CA's and its certificates' key algorithm (keys.ts makes the keys). */
export type KeyType = "ec" | "rsa";
export type Kind = "broker" | "device" | "user" | "hub" | "ha";
export type Status = "active" | "revoked" | "superseded";

export interface CertRecord {
  name: string;
  kind: Kind;
  /** Common name: the MQTT user name Mosquitto takes from the certificate. */
  cn: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyType: KeyType;
  status: Status;
  revokedAt?: string;
  /** Operators only: the devices they may command; absent means every device. */
  devices?: string[];
}

export interface CaRecord {
  cn: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyType: KeyType;
  encrypted: boolean;
}

export interface PkiIndex {
  version: 1;
  ca: CaRecord;
  certificates: CertRecord[];
}

export class PkiStore {
  readonly dir: string;
  constructor(stateDir: string) {
    this.dir = path.join(stateDir, "pki");
  }

  get caKeyFile(): string {
    return path.join(this.dir, "ca.key.pem");
  }
  get caCertFile(): string {
    return path.join(this.dir, "ca.crt.pem");
  }
  get crlFile(): string {
    return path.join(this.dir, "crl.pem");
  }
  get indexFile(): string {
    return path.join(this.dir, "index.json");
  }
  identityDir(kind: Kind, name: string): string {
    return path.join(this.dir, kind, name);
  }
  /** A device's 32-byte command key (raw bytes, mode 0600). */
  commandKeyFile(device: string): string {
    return path.join(this.identityDir("device", device), "command.key");
  }

  hasCa(): boolean {
    return existsSync(this.caKeyFile) || existsSync(this.caCertFile) || existsSync(this.indexFile);
  }

  async readIndex(): Promise<PkiIndex> {
    if (!this.hasCa()) throw new PkiError(`no CA in ${this.dir}: run npm run pki -- init`);
    let text: string;
    try {
      text = await readFile(this.indexFile, "utf8");
    } catch {
      throw new PkiError(`state folder ${this.dir} is corrupt: index.json is missing (CA files left untouched)`);
    }
    let index: PkiIndex;
    try {
      index = JSON.parse(text) as PkiIndex;
    } catch (error) {
      throw new PkiError(`state folder ${this.dir} is corrupt: index.json: ${(error as Error).message}`);
    }
    if (index?.version !== 1 || !index.ca || !Array.isArray(index.certificates)) {
      throw new PkiError(`state folder ${this.dir} is corrupt: index.json is not a Latchkey CA index`);
    }
    for (const file of [this.caKeyFile, this.caCertFile]) {
      if (!existsSync(file))
        throw new PkiError(`state folder ${this.dir} is corrupt: ${path.basename(file)} is missing`);
    }
    return index;
  }

  async writeIndex(index: PkiIndex): Promise<void> {
    await this.write(this.indexFile, JSON.stringify(index, null, 2) + "\n");
  }

  /** Writes a file whole: a reader never sees half of it. Secrets get mode 0600. */
  async write(file: string, data: string | Uint8Array, secret = false): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, data, { mode: secret ? 0o600 : 0o644 });
    await chmod(temp, secret ? 0o600 : 0o644);
    await rename(temp, file);
  }

  /** Creates a file that must not exist yet (the CA's own files). */
  async create(file: string, data: string, secret: boolean): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, data, { mode: secret ? 0o600 : 0o644, flag: "wx" });
  }

  async read(file: string): Promise<string> {
    try {
      return await readFile(file, "utf8");
    } catch {
      throw new PkiError(`state folder ${this.dir} is corrupt: ${path.relative(this.dir, file)} is missing`);
    }
  }
}
