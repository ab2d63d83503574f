// Real headless Chromium (Debian's `chromium` package) driven by playwright-core, each browser
// with a new, empty profile folder. Client certificates go through playwright's own
// client-certificate support (it presents them on the browser's behalf); the hub's server
// certificate is checked separately in the tests with the project's CA.
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Chromium is required where .ci/run says so; elsewhere its tests are skipped, loudly. */
export function chromiumMissing(): boolean {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.LATCHKEY_REQUIRE_CHROMIUM)
    throw new Error("chromium is not installed: apt-get install -y chromium (or run .ci/run)");
  console.warn("chromium not installed: skipping the browser tests");
  return true;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser holding `pfx` (a PKCS#12 file, as an operator imports it) for `origin`, or none. */
export async function openBrowser(origin: string, pfx?: { path: string; passphrase: string }): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "latchkey-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    ignoreHTTPSErrors: true,
    clientCertificates: pfx ? [{ origin, pfxPath: pfx.path, passphrase: pfx.passphrase }] : undefined,
    viewport: { width: 1100, height: 700 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
