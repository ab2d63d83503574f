// The CA's exclusive lock: every command that changes the state folder holds `<pki>/lock`
// from reading index.json to writing the CRL, so two commands can never interleave their
// read-modify-write (a revoke lost to a concurrent issue). The lock file names its holder
// (pid, host, command, start); a holder whose pid is gone on this host, or older than
// STALE_MS, is stale and taken over. A live holder is waited for, then named in the error.
import { readFileSync } from "node:fs";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PkiError } from "../lib/errors.ts";

/** No CA command takes this long: a lock this old is left over. */
export const STALE_MS = 10 * 60 * 1000;
/** How long a command waits for another to finish before it gives up. */
export const DEFAULT_WAIT_MS = 15000;

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): { text: string; holder?: LockHolder } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.pid === "number" && typeof holder.since === "string") return { text, holder };
  } catch {
    // An unreadable lock is judged by its age alone.
  }
  return { text };
}

/** Why the holder no longer holds the lock, or undefined if it still does. */
export function staleReason(holder: LockHolder | undefined, now = Date.now()): string | undefined {
  if (!holder) return "unreadable";
  if (holder.host === os.hostname() && !alive(holder.pid)) return `pid ${holder.pid} is gone`;
  const age = now - new Date(holder.since).getTime();
  if (!(age < STALE_MS)) return `older than ${STALE_MS / 60000} minutes`;
  return undefined;
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} ('${holder.command}', since ${holder.since})`;
}

/** Takes the lock in `dir` (waiting up to `waitMs` for a live holder); resolves to the release. */
export async function acquireLock(
  dir: string,
  command: string,
  options: { waitMs?: number; log?: (line: string) => void } = {},
): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, "lock");
  const mine: LockHolder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  const text = JSON.stringify(mine) + "\n";
  const temp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}`;
  await writeFile(temp, text, { mode: 0o600 });
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  try {
    for (;;) {
      try {
        // link() fails if the lock exists, and a lock that exists is already whole.
        await link(temp, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const seen = readHolder(file);
      if (!seen) continue;
      const stale = staleReason(seen.holder);
      if (stale) {
        await takeStale(file, seen.text);
        options.log?.(`removed a stale CA lock (${stale}${seen.holder ? `: ${describeHolder(seen.holder)}` : ""})`);
        continue;
      }
      if (Date.now() > deadline) {
        throw new PkiError(
          `another CA command holds the lock ${file}: ${describeHolder(seen.holder!)}; wait for it to finish (if that process is gone, delete the file)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50));
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return async () => {
    if (readHolder(file)?.text === text) await unlink(file).catch(() => undefined);
  };
}

/** Moves a stale lock aside; if what was moved is not the stale lock judged, puts it back. */
async function takeStale(file: string, staleText: string): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await rename(file, aside);
  } catch {
    return;
  }
  const moved = await readFile(aside, "utf8").catch(() => staleText);
  if (moved !== staleText) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

export async function withLock<T>(
  dir: string,
  command: string,
  fn: () => Promise<T>,
  options: { waitMs?: number; log?: (line: string) => void } = {},
): Promise<T> {
  const release = await acquireLock(dir, command, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}
