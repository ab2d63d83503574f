// The audit log of every actuation: an append-only JSON-lines file, one record per line,
// written with a single write() and fsync'ed before the call returns (append), or before the
// returned promise resolves (commit: a group commit, one fsync off the event loop for every
// record written while the previous fsync ran), so a record that was reported written
// survives a crash or power loss. Bounded: when the live file would pass
// maxBytes it becomes audit.jsonl.1 (older files shift up, the one past `keep` is deleted) and
// a new file starts; the folder is fsync'ed after the rename. A torn last line (power lost
// mid-write) is skipped on reading. Why not a database: records are only ever appended and
// read back newest-first in small numbers, which is exactly what a log file does; SQLite's
// Node bindings are native modules that need a build step on this Node version.
// Refusals (`denied`) are what anyone with a certificate can cause at will, so they live in
// their own file, denied.jsonl, rotated on its own: no number of them can push a `sent` or
// `result` record out. They are also rate-limited per requester (deniedPerMinute a minute);
// what is held back beyond that becomes one summary record ("N more refusals not recorded
// since ...") when the minute ends, or when the log closes.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { randomUUID } from "node:crypto";
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
  /** On a "result": the MAC of the signed command the device's result refers to (when one
   *  was sent), so the record names the exact command, as the device's result does. */
  mac?: string;
}

export interface AuditOptions {
  dir: string;
  maxBytes?: number;
  keep?: number;
  /** Refusals recorded per requester per minute (DENIED_PER_MINUTE). */
  deniedPerMinute?: number;
  /** Called with each record once it is on disk. */
  onAppend?: (record: AuditRecord) => void;
}

export const DENIED_PER_MINUTE = 20;
const MINUTE = 60000;

/** One append-only JSON-lines file with size rotation (file, file.1 ... file.<keep>). */
class JsonLines {
  private fd: number;
  private size: number;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    this.fd = openSync(file, "a", 0o600);
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

  /** fsyncs done (by append, commit and rotation): fewer than records under group commit. */
  syncs = 0;
  private waiting: ((error: Error | null) => void)[] = [];
  private syncing = false;
  private closed = false;

  append(record: object): void {
    this.write(record);
    fsyncSync(this.fd);
    this.syncs++;
  }

  /** Writes the record now; resolves once an fsync that began after the write has ended. */
  commit(record: object): Promise<void> {
    this.write(record);
    return new Promise((resolve, reject) => {
      this.waiting.push((error) => (error ? reject(error) : resolve()));
      this.flush();
    });
  }

  private write(record: object): void {
    const line = Buffer.from(JSON.stringify(record) + "\n");
    if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
    writeSync(this.fd, line);
    this.size += line.length;
  }

  private flush(): void {
    if (this.syncing || this.waiting.length === 0) return;
    this.syncing = true;
    const batch = this.waiting.splice(0);
    const fd = this.fd;
    fsync(fd, (error) => {
      this.syncs++;
      this.syncing = false;
      // A rotation or close in the meantime fsync'ed this file itself before closing it.
      for (const done of batch) done(fd !== this.fd || this.closed ? null : error);
      this.flush();
    });
  }

  /** The newest `limit` records, newest first, across the rotated files. */
  recent(limit: number): AuditRecord[] {
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
    fsyncSync(this.fd);
    this.closed = true;
    closeSync(this.fd);
  }

  private rotate(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let n = this.keep - 1; n >= 1; n--)
      if (existsSync(`${this.file}.${n}`)) renameSync(`${this.file}.${n}`, `${this.file}.${n + 1}`);
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, "a", 0o600);
    this.size = 0;
    const dir = openSync(path.dirname(this.file), "r");
    fsyncSync(dir);
    closeSync(dir);
  }
}

/** A requester's refusals in the current minute. */
interface Quota {
  start: number;
  recorded: number;
  heldBack: number;
  since?: string;
  via: AuditRecord["via"];
}

export class AuditLog {
  readonly file: string;
  private readonly actions: JsonLines;
  private readonly denied: JsonLines;
  private readonly perMinute: number;
  private readonly quotas = new Map<string, Quota>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: AuditOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const maxBytes = options.maxBytes ?? 1 << 20;
    const keep = options.keep ?? 5;
    this.file = path.join(options.dir, "audit.jsonl");
    this.actions = new JsonLines(this.file, maxBytes, keep);
    this.denied = new JsonLines(path.join(options.dir, "denied.jsonl"), maxBytes, keep);
    this.perMinute = options.deniedPerMinute ?? DENIED_PER_MINUTE;
  }

  /** Writes the record (a refusal only within its requester's quota) and returns it. */
  append(record: Omit<AuditRecord, "at">): AuditRecord {
    const full: AuditRecord = { at: new Date().toISOString(), ...record };
    if (full.phase !== "denied") {
      this.write(this.actions, full);
      return full;
    }
    const now = Date.now();
    let quota = this.quotas.get(full.who);
    if (quota && now - quota.start >= MINUTE) {
      this.summarise(full.who, quota);
      quota = undefined;
    }
    if (!quota) this.quotas.set(full.who, (quota = { start: now, recorded: 0, heldBack: 0, via: full.via }));
    if (quota.recorded < this.perMinute) {
      quota.recorded++;
      this.write(this.denied, full);
    } else {
      quota.heldBack++;
      quota.since ??= full.at;
      quota.via = full.via;
      this.timer ??= setTimeout(() => this.endMinutes(), MINUTE).unref();
    }
    return full;
  }

  /** An actuation's record (`sent` or `result`), on disk when the promise resolves; records
   *  committed together share one fsync (group commit). A refusal goes through append. */
  async commit(record: Omit<AuditRecord, "at">): Promise<AuditRecord> {
    if (record.phase === "denied") return this.append(record);
    const full: AuditRecord = { at: new Date().toISOString(), ...record };
    await this.actions.commit(full);
    this.options.onAppend?.(full);
    return full;
  }

  /** fsyncs of the actions file so far. */
  get syncs(): number {
    return this.actions.syncs;
  }

  private write(file: JsonLines, record: AuditRecord): void {
    file.append(record);
    this.options.onAppend?.(record);
  }

  private summarise(who: string, quota: Quota): void {
    this.quotas.delete(who);
    if (!quota.heldBack) return;
    this.write(this.denied, {
      at: new Date().toISOString(),
      id: randomUUID(),
      phase: "denied",
      who,
      via: quota.via,
      device: "*",
      entity: "",
      cmd: "",
      accepted: false,
      detail: `${quota.heldBack} more refusals not recorded since ${quota.since}`,
    });
  }

  /** The minutes that have ended: their summaries written, the timer re-armed if needed. */
  private endMinutes(all = false): void {
    this.timer = undefined;
    const now = Date.now();
    for (const [who, quota] of [...this.quotas]) if (all || now - quota.start >= MINUTE) this.summarise(who, quota);
    if (!all && [...this.quotas.values()].some((q) => q.heldBack))
      this.timer = setTimeout(() => this.endMinutes(), MINUTE).unref();
  }

  /** The newest `limit` records, newest first, across both files and their rotations. */
  recent(limit = 100): AuditRecord[] {
    return [...this.actions.recent(limit), ...this.denied.recent(limit)]
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .slice(0, limit);
  }

  /** Writes what is held back, then closes; a second call does nothing. */
  close(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.endMinutes(true);
    this.timer = undefined;
    this.closed = true;
    this.actions.close();
    this.denied.close();
  }
}
