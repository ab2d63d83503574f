// The development CA `npm start` needs, made on first use: a CA, the broker's certificate, the
// device's, and a hub identity to send commands with. Existing material is kept as it is.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { initCa, issue, type PkiContext } from "../pki/commands.ts";
import { askPassphrase, passphraseFromEnvironment } from "../pki/passphrase.ts";
import { PkiStore, type Kind } from "../pki/store.ts";

export async function ensureDevPki(stateDir: string, deviceId: string, log: (line: string) => void): Promise<void> {
  const ctx: PkiContext = {
    store: new PkiStore(stateDir),
    passphrase: passphraseFromEnvironment(),
    askPassphrase,
    log,
  };
  if (!ctx.store.hasCa()) await initCa(ctx);
  const index = await ctx.store.readIndex();
  const has = (kind: Kind, name: string) =>
    index.certificates.some((c) => c.kind === kind && c.name === name && c.status === "active");
  if (!has("broker", "broker")) await issue(ctx, "broker", "broker");
  if (!has("device", deviceId)) await issue(ctx, "device", deviceId);
  // A device issued before signed commands existed gets its command key now.
  else if (!existsSync(ctx.store.commandKeyFile(deviceId)))
    await ctx.store.write(ctx.store.commandKeyFile(deviceId), randomBytes(32), true);
  if (!has("hub", "hub")) await issue(ctx, "hub", "hub");
}
