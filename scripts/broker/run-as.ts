// Mosquitto never runs as root. Started by root, it is told to drop to the unprivileged
// `mosquitto` user (the `user` option), and Mosquitto 2 reads its certificates, key, CRL and
// ACL AFTER dropping (and again on SIGHUP): so root's policy goes into a folder of its own
// that only that user can read, `<tmpdir>/latchkey-broker-<hash of the state folder>`.
// Started by anyone else, Mosquitto runs as that user and reads the state folder directly.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, chown, lstat, mkdir, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { BrokerError } from "./errors.ts";

export const BROKER_USER = "mosquitto";

export interface BrokerUser {
  name: string;
  uid: number;
  gid: number;
  /** True when we are root and Mosquitto drops to `name`. */
  drops: boolean;
}

/** This process's own user: what the embedded broker (in this process) runs as. */
export function selfUser(): BrokerUser {
  const me = os.userInfo();
  return { name: me.username, uid: me.uid, gid: me.gid, drops: false };
}

/** Why Mosquitto cannot run here as this user, or undefined when it can (brokerUser succeeds). */
export function mosquittoUserProblem(): string | undefined {
  try {
    brokerUser();
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError) return error.message;
    throw error;
  }
}

export function brokerUser(): BrokerUser {
  const me = os.userInfo();
  if (me.uid !== 0) return selfUser();
  let passwd = "";
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    // No passwd file: treated as no such user.
  }
  const entry = passwd
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === BROKER_USER);
  if (!entry || Number(entry[2]) === 0) {
    throw new BrokerError(
      `running as root, and there is no unprivileged '${BROKER_USER}' user for Mosquitto to drop to: create one (useradd --system ${BROKER_USER}) or run as an ordinary user`,
    );
  }
  return { name: BROKER_USER, uid: Number(entry[2]), gid: Number(entry[3]), drops: true };
}

/** The folder root's Mosquitto reads from: 0700, owned by the broker user, never a symlink. */
export function dropFolderPath(stateDir: string): string {
  const hash = createHash("sha256").update(path.resolve(stateDir)).digest("hex").slice(0, 12);
  return path.join(os.tmpdir(), `latchkey-broker-${hash}`);
}

export async function dropFolder(stateDir: string, user: BrokerUser): Promise<string> {
  const dir = dropFolderPath(stateDir);
  await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  const stat = await lstat(dir);
  const fresh = stat.uid === 0 && (stat.mode & 0o777) === 0o700;
  if (!stat.isDirectory() || !(stat.uid === user.uid || fresh) || (stat.mode & 0o077) !== 0) {
    throw new BrokerError(`${dir} exists but is not a 0700 folder owned by ${user.name}: remove it and start again`);
  }
  await chown(dir, user.uid, user.gid);
  return dir;
}

/** Writes `file` whole, owned by the broker user; secrets 0600, the rest 0644. */
export async function writeFor(user: BrokerUser, file: string, data: string | Buffer, secret: boolean) {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data, { mode: secret ? 0o600 : 0o644 });
  await chmod(temp, secret ? 0o600 : 0o644);
  if (user.drops) await chown(temp, user.uid, user.gid);
  await rename(temp, file);
}
