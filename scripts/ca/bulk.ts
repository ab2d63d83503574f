// `npm run pki -- issue-bulk PREFIX --count N [--profiles DIR]`: a fleet's device identities
// (certificate, key, command key) issued in one process (commands.ts issueDevices), and with
// --profiles a profile file per device for the hub and the broker's sizing (`--profiles DIR`):
// the project's device profile under each new id.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { issueDevices, type IssueOptions, type PkiContext } from "./commands.ts";
import { PkiError } from "../lib/errors.ts";

/** At most this many at once: 10,000 devices is past what one broker serves. */
export const MAX_BULK = 10000;

/** `PREFIX0001` .. : zero-padded to at least four digits, so the names sort in order. */
export function bulkNames(prefix: string, count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => prefix + String(i + 1).padStart(width, "0"));
}

export async function issueBulk(
  ctx: PkiContext,
  prefix: string,
  countText: string | undefined,
  profiles: string | undefined,
  template: DeviceProfile,
  options: IssueOptions,
): Promise<void> {
  if (countText === undefined || !/^[1-9][0-9]*$/.test(countText) || Number(countText) > MAX_BULK)
    throw new PkiError(`issue-bulk needs --count N, a whole number from 1 to ${MAX_BULK}`);
  const names = bulkNames(prefix, Number(countText));
  const started = Date.now();
  let issued = 0;
  await issueDevices(ctx, names, { keyType: options.keyType, days: options.days }, () => {
    issued++;
    if (issued % 100 === 0 && issued < names.length) ctx.log(`${issued} of ${names.length} issued`);
  });
  ctx.log(
    `${names.length} devices issued (${names[0]} .. ${names[names.length - 1]}) in ${((Date.now() - started) / 1000).toFixed(1)} s, each with its certificate, key and command key in ${ctx.store.dir}`,
  );
  if (profiles === undefined) return;
  mkdirSync(profiles, { recursive: true });
  for (const name of names)
    writeFileSync(path.join(profiles, `${name}.json`), JSON.stringify({ ...template, id: name }, null, 2) + "\n");
  ctx.log(
    `a profile for each in ${profiles} (the project's device under each id): npm run hub -- --profiles ${profiles}`,
  );
}
