// The audit log of every actuation: an append-only JSON-lines file, one record per line,
// written with a single write() and fsync'ed before the call returns, so a record that was
// reported written survives a crash or power loss. Bounded: when the live file would pass
// maxBytes it becomes audit.jsonl.1 (older files shift up, the one past `keep` is deleted) and
// a new file starts; the folder is fsync'ed after the rename. A torn last line (power lost
// mid-write) is skipped on reading. Why not a database: records are only ever appended and
// read back newest-first in small numbers, which is exactly what a log file does; SQLite's
// Node bindings are native modules that need a build step on this Node version.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";

export interface AuditRecord {
  /** ISO time the record was written. */
  at: string;
  /** Links the "sent" record of an actuation with its "result". */
  id: string;
  phase: "sent" | "result" | "denied";
  /** The certificate CN of whoever asked (an operator, or the Home Assistant identity). */
  who: string;
  via: "web" | "home-assistant";
  device: string;
  entity: string;
  cmd: string;
  accepted?: boolean;
  detail?: string;
}

export interface AuditOptions {
  dir: string;
  maxBytes?: number;
  keep?: number;
  /** Called with each record once it is on disk. */
  onAppend?: (record: AuditRecord) => void;
}

export class AuditLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd: number;
  private size: number;

  constructor(private readonly options: AuditOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.file = path.join(options.dir, "audit.jsonl");
    this.maxBytes = options.maxBytes ?? 1 << 20;
    this.keep = options.keep ?? 5;
    this.fd = openSync(this.file, "a", 0o600);
    this.size = fstatSync(this.fd).size;
    // A torn last line (power lost mid-write) is ended, so the next record starts clean.
    if (this.size > 0 && !this.endsWithNewline()) {
      writeSync(this.fd, "\n");
      fsyncSync(this.fd);
      this.size += 1;
    }
  }

  private endsWithNewline(): boolean {
    const last = Buffer.alloc(1);
    const fd = openSync(this.file, "r");
    try {
      readSync(fd, last, 0, 1, this.size - 1);
    } finally {
      closeSync(fd);
    }
    return last[0] === 0x0a;
  }

  append(record: Omit<AuditRecord, "at">): AuditRecord {
    const full: AuditRecord = { at: new Date().toISOString(), ...record };
    const line = Buffer.from(JSON.stringify(full) + "\n");
    if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
    writeSync(this.fd, line);
    fsyncSync(this.fd);
    this.size += line.length;
    this.options.onAppend?.(full);
    return full;
  }

  /** The newest `limit` records, newest first, across the rotated files. */
  recent(limit = 100): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (let n = 0; n <= this.keep && out.length < limit; n++) {
      const file = n === 0 ? this.file : `${this.file}.${n}`;
      if (!existsSync(file)) break;
      const lines = readFileSync(file, "utf8").split("\n");
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        if (lines[i] === "") continue;
        try {
          out.push(JSON.parse(lines[i]!) as AuditRecord);
        } catch {
          // A torn line from a write cut short by power loss: not a record.
        }
      }
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let n = this.keep - 1; n >= 1; n--)
      if (existsSync(`${this.file}.${n}`)) renameSync(`${this.file}.${n}`, `${this.file}.${n + 1}`);
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, "a", 0o600);
    this.size = 0;
    const dir = openSync(this.options.dir, "r");
    fsyncSync(dir);
    closeSync(dir);
  }
}
