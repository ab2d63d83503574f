// Writes a RabbitMQ node's files from the CA's records: the broker's certificate and key,
// the CA certificate, the CRL in a hash folder, the definitions (users and permissions) and
// the node's configuration. Used by the local cluster (rabbitmq.ts) and `--config-only`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { PkiError } from "../lib/errors.ts";
import { PkiStore, type PkiIndex } from "../lib/pki-store.ts";
import { aclRules } from "./acl.ts";
import { checkIndexNames, renewCrl, type PolicyOptions } from "./policy.ts";
import { rabbitDefinitions, type Definitions } from "./rabbitmq-policy.ts";
import { writeFor, type BrokerUser } from "./run-as.ts";

/** Identities that log in to the cluster: active devices, operators and hubs. */
export function rabbitUsers(index: PkiIndex): string[] {
  return index.certificates
    .filter((c) => c.status === "active" && (c.kind === "device" || c.kind === "user" || c.kind === "hub"))
    .map((c) => c.cn);
}

export interface PolicySnapshot {
  index: PkiIndex;
  definitions: Definitions;
  store: PkiStore;
}

/** Reads the CA's records, renews the CRL, and derives the definitions. */
export async function rabbitPolicy(
  stateDir: string,
  prefix: string,
  brokerName: string,
  options: PolicyOptions,
): Promise<PolicySnapshot> {
  const store = new PkiStore(stateDir);
  const index = await store.readIndex();
  if (!index.certificates.some((c) => c.kind === "broker" && c.name === brokerName && c.status === "active")) {
    throw new PkiError(`no broker certificate '${brokerName}': run npm run pki -- broker`);
  }
  checkIndexNames(index);
  await renewCrl(store, options);
  return { index, store, definitions: rabbitDefinitions(rabbitUsers(index), aclRules(index, prefix)) };
}

/** OpenSSL's subject hash of the CRL's issuer: Erlang's ssl_crl_hash_dir looks the CRL up as
 *  `<hash>.r<N>` (public_key:short_name_hash/1 is the same hash). */
export function crlHash(crlFile: string): string {
  const out = spawnSync("openssl", ["crl", "-hash", "-noout", "-in", crlFile], { encoding: "utf8" });
  const hash = out.stdout?.trim().split("\n")[0] ?? "";
  if (out.status !== 0 || !/^[0-9a-f]{8}$/.test(hash)) {
    throw new PkiError(`cannot read the CRL's issuer hash with openssl (${out.stderr?.trim() || out.error?.message})`);
  }
  return hash;
}

/** The CRL as the only file of `crlDir`; Erlang reads the folder at each handshake, so a new
 *  CRL applies to the next connection without a restart. */
export async function writeCrlDir(user: BrokerUser, crlFile: string, crlDir: string): Promise<void> {
  await mkdir(crlDir, { recursive: true, mode: 0o755 });
  const name = `${crlHash(crlFile)}.r0`;
  await writeFor(user, path.join(crlDir, name), readFileSync(crlFile), false);
  for (const old of await readdir(crlDir)) {
    if (old !== name && !old.includes(".tmp")) await rm(path.join(crlDir, old), { force: true });
  }
}
