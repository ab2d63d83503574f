// What every CA command (commands.ts, list.ts, bulk.ts) is given; the store it works on is
// lib/pki-store.ts, the state folder every tool reads.
import type { PkiStore } from "../lib/pki-store.ts";

/** What every CA command is given: the store, the passphrase (or how to ask for it), how long
 *  to wait for the lock, and where its lines go. */
export interface PkiContext {
  store: PkiStore;
  /** The CA key's passphrase, if it has one. */
  passphrase?: string;
  /** Asked once, before the lock is taken, when the CA key is encrypted and `passphrase` unset. */
  askPassphrase?: () => Promise<string | undefined>;
  /** How long to wait for another command's lock (lock.ts DEFAULT_WAIT_MS). */
  lockWaitMs?: number;
  log: (line: string) => void;
}
