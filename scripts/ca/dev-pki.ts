// The development CA `npm start` needs, made on first use: a CA, the broker's certificate, the
// device's, and hub identities to send commands with (the tools', npm start's view's). Existing material is kept as it is.
import { randomBytes } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { initCa, issue, renew, type PkiContext } from "./commands.ts";
import { askPassphrase, passphraseFromEnvironment } from "./passphrase.ts";
import { PkiStore, type Kind } from "../lib/pki-store.ts";
import { TOOLS_IDENTITY, VIEW_IDENTITY } from "../lib/identities.ts";

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
  // The tools' own identity and npm start's view's (lib/identities.ts): one connection per
  // identity, and the hub has `hub`.
  if (!has("hub", TOOLS_IDENTITY)) await issue(ctx, "hub", TOOLS_IDENTITY);
  if (!has("hub", VIEW_IDENTITY)) await issue(ctx, "hub", VIEW_IDENTITY);
  if (!has("hub", "hub")) await issue(ctx, "hub", "hub");
  // A hub certificate from before the hub served its page has no serverAuth: renew it.
  else if (!servesTls(path.join(ctx.store.identityDir("hub", "hub"), "cert.pem"))) {
    log("the hub's certificate predates its HTTPS page (no serverAuth): renewing it");
    await renew(ctx, "hub");
  }
}

/** Does the certificate in `file` allow TLS server use (serverAuth, OID 1.3.6.1.5.5.7.3.1)? */
function servesTls(file: string): boolean {
  try {
    return new X509Certificate(readFileSync(file)).keyUsage?.includes("1.3.6.1.5.5.7.3.1") ?? false;
  } catch {
    return false;
  }
}
