// Writes the broker's policy from the CA's records: a Mosquitto configuration (TLS listener
// only, TLS 1.2 or newer with forward-secret ECDHE suites, a client certificate required and
// its CN used as the user name, no anonymous access, the CRL, never root) and the ACL.
// Rewritten at every start, so it follows the CA; the CRL is renewed at the same time.
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { TOPIC_LEVEL } from "../lib/config.ts";
import { caKeyEncrypted, refreshCrl, WARN_DAYS, type PkiContext } from "../ca/commands.ts";
import { readCrl } from "../ca/crl.ts";
import { PASSPHRASE_HINT } from "../ca/keys.ts";
import { PkiError } from "../lib/errors.ts";
import { PkiStore, type PkiIndex } from "../lib/pki-store.ts";
import { passphraseFromEnvironment } from "../ca/passphrase.ts";
import { aclRules, renderAcl } from "./acl.ts";
import { commonConfig } from "./mosquitto.ts";
import { brokerUser, dropFolder, mosquittoUserProblem, selfUser, writeFor } from "./run-as.ts";
import { queueLimits, type QueueLimits } from "./sizing.ts";
import { DHE_RSA_CIPHERS, TLS12_CIPHERS, TLS13_CIPHERSUITES } from "./tls.ts";

export interface BrokerFiles {
  dir: string;
  conf: string;
  acl: string;
  aclText: string;
  ca: string;
  cert: string;
  key: string;
  crl: string;
  /** The per-client queue sizes written for the fleet in the CA (sizing.ts). */
  limits?: QueueLimits;
}

export interface Listener {
  host: string;
  port: number;
}

export interface PolicyOptions {
  brokerName?: string;
  /** The CA passphrase, for renewing the CRL when the CA key is encrypted. */
  passphrase?: string;
  askPassphrase?: () => Promise<string | undefined>;
  log?: (line: string) => void;
  /** Also offer DHE-RSA suites (tls.ts DHE_RSA_CIPHERS): for Espruino's Linux build only. */
  dheRsa?: boolean;
  /** For the embedded broker: it runs in this process, as this user, so nothing is handed to
   *  the `mosquitto` user and no Mosquitto configuration is written (a root without that user
   *  can run it). */
  embedded?: boolean;
  /** Retained topics per device, for sizing the queues (sizing.ts retainedPerDevice of the
   *  profiles served; default DEFAULT_RETAINED_PER_DEVICE). */
  retainedPerDevice?: number;
}

/** Every name that reaches the ACL must be one topic level: no wildcard, separator or space. */
export function checkIndexNames(index: PkiIndex): void {
  for (const c of index.certificates) {
    if (c.status !== "active") continue;
    for (const name of [c.cn, ...(c.devices ?? [])]) {
      if (!TOPIC_LEVEL.test(name)) {
        throw new PkiError(
          `index.json: ${c.kind} '${c.name}' names ${JSON.stringify(name)}, which is not a valid MQTT topic level: the broker policy is not written`,
        );
      }
    }
  }
}

/** Renews the CRL; with an encrypted CA key and no passphrase, only a CRL near expiry is an error. */
export async function renewCrl(store: PkiStore, options: PolicyOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const ctx: PkiContext = {
    store,
    passphrase: options.passphrase ?? passphraseFromEnvironment(),
    askPassphrase: options.askPassphrase,
    log,
  };
  if (ctx.passphrase === undefined && caKeyEncrypted(store)) ctx.passphrase = await ctx.askPassphrase?.();
  if (ctx.passphrase === undefined && caKeyEncrypted(store)) {
    const next = readCrl(store).nextUpdate;
    const left = next ? (next.getTime() - Date.now()) / 86400000 : -1;
    if (left < WARN_DAYS) {
      throw new PkiError(
        `the CRL ${next ? `expires on ${next.toISOString().slice(0, 10)}` : "is missing"} and the CA key is encrypted: give its passphrase ${PASSPHRASE_HINT}, or run npm run pki -- crl`,
      );
    }
    log(
      `CRL not renewed (the CA key is encrypted and no passphrase was given); it is valid until ${next!.toISOString().slice(0, 10)}`,
    );
    return;
  }
  await refreshCrl(ctx);
}

export async function writeBrokerPolicy(
  stateDir: string,
  prefix: string,
  listener: Listener,
  options: PolicyOptions = {},
): Promise<BrokerFiles> {
  const brokerName = options.brokerName ?? "broker";
  const store = new PkiStore(stateDir);
  const index: PkiIndex = await store.readIndex();
  const identity = store.identityDir("broker", brokerName);
  if (
    !index.certificates.some((c) => c.kind === "broker" && c.name === brokerName && c.status === "active") ||
    !existsSync(path.join(identity, "cert.pem"))
  ) {
    throw new PkiError(`no broker certificate '${brokerName}': run npm run pki -- broker`);
  }
  checkIndexNames(index);
  const aclText = renderAcl(aclRules(index, prefix));
  // Not said: for Mosquitto when it can run as this user, else for the embedded broker (a
  // root without a `mosquitto` user has nobody to hand the files to).
  const embedded = options.embedded ?? mosquittoUserProblem() !== undefined;
  const user = embedded ? selfUser() : brokerUser();
  await renewCrl(store, options);
  const dir = user.drops ? await dropFolder(stateDir, user) : path.join(stateDir, "broker");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const limits = queueLimits(index, options.retainedPerDevice);
  const source = { ca: store.caCertFile, cert: path.join(identity, "cert.pem"), key: path.join(identity, "key.pem") };
  const files: BrokerFiles = {
    dir,
    conf: path.join(dir, "mosquitto.conf"),
    acl: path.join(dir, "acl"),
    aclText,
    ca: user.drops ? path.join(dir, "ca.pem") : source.ca,
    cert: user.drops ? path.join(dir, "cert.pem") : source.cert,
    key: user.drops ? path.join(dir, "key.pem") : source.key,
    crl: user.drops ? path.join(dir, "crl.pem") : store.crlFile,
    limits,
  };
  const conf = () => [
    "# Generated by `npm run broker` from the CA in " + store.dir + ": do not edit, it is rewritten.",
    ...commonConfig(user.name),
    "allow_anonymous false",
    `listener ${listener.port} ${listener.host}`,
    "protocol mqtt",
    `cafile ${files.ca}`,
    `certfile ${files.cert}`,
    `keyfile ${files.key}`,
    `crlfile ${files.crl}`,
    "require_certificate true",
    "use_identity_as_username true",
    // Every client id is the certificate's CN: nobody can take another identity's id and so
    // close its connection ([MQTT-3.1.4-2]); two connections of one identity replace each other.
    "use_username_as_clientid true",
    // The minimum version (Mosquitto 2); TLS 1.2 gets ECDHE AEAD suites only, TLS 1.3 its named three.
    "tls_version tlsv1.2",
    `ciphers ${TLS12_CIPHERS}${options.dheRsa ? `:${DHE_RSA_CIPHERS}` : ""}`,
    `ciphers_tls1.3 ${TLS13_CIPHERSUITES}`,
    `acl_file ${files.acl}`,
    // Send each small packet at once: with Nagle on (Mosquitto's default), a state echo waits
    // for the subscriber's delayed ACK, 40 ms and more (`npm run bench`, state echo).
    "set_tcp_nodelay true",
    // Sized for the fleet in the CA (sizing.ts): the hub is sent every device's retained
    // reports at once when it subscribes; the defaults (20 + 1000) dropped them past 340 devices.
    `# ${limits.devices} devices, up to ${limits.burst} retained messages for a subscriber to all`,
    `max_inflight_messages ${limits.maxInflight}`,
    `max_queued_messages ${limits.maxQueued}`,
  ];
  if (user.drops) {
    await writeFor(user, files.ca, readFileSync(source.ca), false);
    await writeFor(user, files.cert, readFileSync(source.cert), false);
    await writeFor(user, files.key, readFileSync(source.key), true);
    await writeFor(user, files.crl, readFileSync(store.crlFile), false);
  }
  await writeFor(user, files.acl, aclText, false);
  if (!embedded) await writeFor(user, files.conf, conf().join("\n") + "\n", false);
  return files;
}
