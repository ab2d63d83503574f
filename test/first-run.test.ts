// The README's first command on a bare machine: `npm start` as root and as an unprivileged
// user, without Mosquitto (the embedded broker) and with it. "Bare" is made with a mount
// namespace: an empty folder over /usr/sbin (where Mosquitto lives) and a passwd without the
// `mosquitto` user, so the run sees what a fresh Debian sees before `apt-get install
// mosquitto`. Each run boots the device, sends a signed PULSE from the console, and ends on
// Ctrl-C with everything it started stopped.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFailed } from "vitest";
import { mosquittoPath } from "./support/broker.ts";
import { accepts, brokersOf, npmStart, waitForLine, type StartOptions } from "./support/start.ts";

const NOBODY = { uid: 65534, gid: 65534 };
const isRoot = process.getuid?.() === 0;

/** Can this process make a mount namespace (root with CAP_SYS_ADMIN)? */
function namespaces(): boolean {
  if (!isRoot) return false;
  return spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0;
}

/** Wraps the command in a mount namespace without Mosquitto and its user. */
function bare(dir: string): string[] {
  const empty = path.join(dir, "empty");
  mkdirSync(empty);
  const passwd = path.join(dir, "passwd");
  writeFileSync(
    passwd,
    readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .filter((line) => !line.startsWith("mosquitto:"))
      .join("\n"),
  );
  const script = `mount --bind ${empty} /usr/sbin && mount --bind ${passwd} /etc/passwd && exec "$@"`;
  return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"];
}

const asNobody = ["setpriv", `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups"];

const cases: { name: string; skip?: string; broker: RegExp; options: StartOptions }[] = [
  {
    name: "as root, without Mosquitto or its user (embedded broker)",
    skip: namespaces() ? undefined : "needs root and mount namespaces (unshare -m)",
    broker: /embedded broker \(aedes\) on/,
    options: { wrap: (dir) => bare(dir) },
  },
  {
    name: "as an unprivileged user (nobody), without Mosquitto (embedded broker)",
    skip: namespaces() ? undefined : "needs root (to become nobody) and mount namespaces (unshare -m)",
    broker: /embedded broker \(aedes\) on/,
    options: { wrap: (dir) => [...bare(dir), ...asNobody], owner: NOBODY },
  },
  {
    name: "as an unprivileged user (nobody), with Mosquitto",
    skip: !isRoot ? "needs root (to become nobody)" : !mosquittoPath() ? "Mosquitto is not installed" : undefined,
    broker: /Mosquitto on/,
    options: { wrap: () => asNobody, owner: NOBODY },
  },
  {
    name: "as root, with Mosquitto",
    skip: !isRoot ? "needs root" : !mosquittoPath() ? "Mosquitto is not installed" : undefined,
    broker: /Mosquitto on/,
    options: {},
  },
];

describe("npm start on a bare machine", () => {
  for (const c of cases) {
    it.skipIf(c.skip !== undefined)(
      `${c.name}${c.skip ? ` (skipped: ${c.skip})` : ""}`,
      async () => {
        // An unprivileged run's tsx cache goes into the test's folder (root's Mosquitto reads its
        // policy from a folder in the temp folder, which must stay one it can enter).
        const started = await npmStart(() => undefined, { ...c.options, ownTmp: c.options.owner !== undefined });
        onTestFailed(() => console.log(started.output()));
        try {
          const t0 = Date.now();
          await waitForLine(started, /relay\/state OFF \(signed/, 90000);
          expect(started.output()).toMatch(c.broker);
          started.child.stdin!.write("pulse\n");
          await waitForLine(started, /result +│ PULSE done/, 30000);
          const ready = Date.now() - t0;
          started.child.kill("SIGINT");
          expect((await started.exited).code).toBe(130);
          expect(started.output()).toMatch(/sim +│ stopped\n$/);
          expect(await accepts(started.port)).toBe(false);
          expect(brokersOf(started.stateDir)).toEqual([]);
          console.log(
            `${c.name}: PULSE done ${ready} ms after start; last line: ${started.output().trim().split("\n").pop()}`,
          );
        } finally {
          await started.cleanup();
        }
      },
      150000,
    );
  }
});
