// Screenshots of the page, for people to look at: into a new temporary folder removed when the
// file's tests end, or, with LATCHKEY_KEEP_SCREENSHOTS=<folder>, into that folder, kept.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

export function screenshotFolder(): (name: string) => string {
  const keep = process.env.LATCHKEY_KEEP_SCREENSHOTS;
  let dir: string | undefined;
  afterAll(() => {
    if (dir && !keep) rmSync(dir, { recursive: true, force: true });
  });
  return (name) => {
    if (!dir) {
      if (keep) mkdirSync(keep, { recursive: true });
      dir = keep ?? mkdtempSync(path.join(os.tmpdir(), "latchkey-shots-"));
    }
    return path.join(dir, `${name}.png`);
  };
}
