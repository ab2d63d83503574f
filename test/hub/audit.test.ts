// The audit log's store: every record on disk when append returns, read back newest first
// across rotated files, bounded by maxBytes x (keep + 1), and a torn last line is not a record.
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../scripts/hub/audit.ts";

const entry = (n: number) => ({
  id: `id-${n}`,
  phase: "result" as const,
  who: "alice",
  via: "web" as const,
  device: "door-1",
  entity: "relay",
  cmd: "ON",
  accepted: true,
  detail: `press ${n}`,
});

describe("the audit log", () => {
  it("commits concurrent records with shared fsyncs, each on disk (and announced) when its promise resolves", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-audit-"));
    const announced: string[] = [];
    const log = new AuditLog({ dir, maxBytes: 8000, onAppend: (r) => announced.push(r.id) });
    const before = log.syncs;
    const onDisk: boolean[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        log.commit(entry(n)).then((record) => {
          // Written and fsync'ed before it resolved: in the live file or a rotated one.
          const text = [log.file, ...[1, 2, 3, 4, 5].map((n) => `${log.file}.${n}`)]
            .filter((f) => existsSync(f))
            .map((f) => readFileSync(f, "utf8"))
            .join("");
          onDisk.push(text.includes(`"id":"${record.id}"`) && announced.includes(record.id));
        }),
      ),
    );
    expect(onDisk).toEqual(Array.from({ length: 200 }, () => true));
    // One fsync per batch, not per record (200 records, rotations included).
    expect(log.syncs - before).toBeLessThan(50);
    log.close();
  });

  it("is on disk when append returns, and reads back newest first after reopening", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-audit-"));
    const log = new AuditLog({ dir });
    log.append(entry(1));
    const second = log.append(entry(2));
    expect(
      readFileSync(log.file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["id-1", "id-2"]);
    expect(statSync(log.file).mode & 0o777).toBe(0o600);
    log.close();
    const again = new AuditLog({ dir });
    expect(again.recent(10).map((r) => r.id)).toEqual(["id-2", "id-1"]);
    expect(again.recent(1)[0]).toEqual(second);
    again.close();
  });

  it("rotates by size and keeps a bounded number of files", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-audit-"));
    const log = new AuditLog({ dir, maxBytes: 1000, keep: 2 });
    for (let n = 1; n <= 60; n++) log.append(entry(n));
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "denied.jsonl"]);
    for (const f of files) expect(statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1000);
    const recent = log.recent(1000);
    expect(recent[0]!.id).toBe("id-60");
    // Newest first without gaps, back to the oldest record still kept.
    const numbers = recent.map((r) => Number(r.id.slice(3)));
    expect(numbers).toEqual(numbers.map((_, i) => 60 - i));
    expect(numbers.length).toBeLessThan(60);
    expect(existsSync(path.join(dir, "audit.jsonl.3"))).toBe(false);
    log.close();
  });

  it("skips a torn last line (a write cut short by power loss) and goes on appending", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-audit-"));
    const log = new AuditLog({ dir });
    log.append(entry(1));
    log.close();
    appendFileSync(path.join(dir, "audit.jsonl"), '{"at":"2026-01-01","id":"torn');
    const again = new AuditLog({ dir });
    again.append(entry(2));
    expect(again.recent(10).map((r) => r.id)).toEqual(["id-2", "id-1"]);
    again.close();
  });
});
