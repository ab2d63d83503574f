// `npm run pki -- <command>`: the project's certificate authority. One line per error, exit 1.
// The CA's work is scripts/ca/ (which every tool, the broker too, stands on); this front end
// stands above the broker, since an issue or a revocation is then applied to the running
// broker (broker/running.ts). Every command that changes the state folder holds the CA lock
// (scripts/ca/lock.ts).
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { runTool } from "../lib/cli.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { issueBulk } from "../ca/bulk.ts";
import { initCa, issue, list, refreshCrl, renew, revoke, type IssueOptions, type PkiContext } from "../ca/commands.ts";
import { type KeyType, PkiStore, type CertRecord, type PkiIndex } from "../lib/pki-store.ts";
import { PkiError } from "../lib/errors.ts";
import { askPassphrase, newPassphrase, passphraseFromEnvironment } from "../ca/passphrase.ts";

const USAGE = `usage: npm run pki -- <command> [options]
  init [--rsa] [--days N] [--cn NAME]      create the CA (a passphrase, if given, encrypts its key)
  broker [NAME] [--dns H]... [--ip A]...   broker (server) certificate; localhost and loopback always included
  device ID [--rsa|--ec] [--days N]        device (client) certificate, CN = device id, DER for the device
  issue-bulk PREFIX --count N [--profiles DIR]  N devices PREFIX0001.. in one process; with --profiles,
                                           a profile for each (the project's device, renamed) in DIR
  user NAME [--password P] [--devices a,b] operator certificate and PKCS#12 bundle (password file 0600)
  hub [NAME] [--dns H]... [--ip A]...      the hub: broker client and HTTPS server (default name: hub)
  ha [NAME]                                Home Assistant's identity (default name: ha)
  revoke NAME                              revoke, update the CRL, reload the running broker
  crl                                      renew the CRL (it is valid 365 days)
  list                                     every certificate, the CA and the CRL, with warnings
  renew NAME [--days N]                    a new certificate and key; the old one is revoked
Keys follow the CA's type (EC P-256 or RSA-2048) unless --rsa or --ec is given.
The CA passphrase: on a terminal, LATCHKEY_CA_PASSPHRASE, or LATCHKEY_CA_PASSPHRASE_FILE (0600).`;

const OPTIONS = {
  rsa: { type: "boolean" },
  ec: { type: "boolean" },
  days: { type: "string" },
  cn: { type: "string" },
  dns: { type: "string", multiple: true },
  ip: { type: "string", multiple: true },
  password: { type: "string" },
  devices: { type: "string" },
  count: { type: "string" },
  profiles: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

runTool(
  "pki",
  { options: OPTIONS, allowPositionals: true, usage: USAGE.split("\n")[0] },
  async ({ values, positionals }) => {
    const [command, name, ...extra] = positionals;
    if (values.help || !command) {
      console.log(USAGE);
      return;
    }
    if (extra.length > 0) throw new PkiError(`unexpected argument '${extra[0]}'`);
    if (values.rsa && values.ec) throw new PkiError("--rsa and --ec contradict each other");
    if (values.days !== undefined && !/^[1-9][0-9]{0,5}$/.test(values.days))
      throw new PkiError(`--days must be a positive whole number, not '${values.days}'`);
    const devices = values.devices?.split(",");
    if (devices && (devices.length === 0 || devices.some((d) => d === "")))
      throw new PkiError(`--devices must be device ids separated by commas, not '${values.devices}'`);
    const config = projectConfig();
    const state = stateDir(config);
    const ctx: PkiContext = {
      store: new PkiStore(state),
      passphrase: passphraseFromEnvironment(),
      askPassphrase,
      // How long to wait for another CA command (scripts/ca/lock.ts DEFAULT_WAIT_MS otherwise).
      lockWaitMs: Number(process.env.LATCHKEY_PKI_LOCK_WAIT_MS) || undefined,
      log: (line) => console.log(line),
    };
    const days = values.days === undefined ? undefined : Number(values.days);
    const keyType: KeyType | undefined = values.rsa ? "rsa" : values.ec ? "ec" : undefined;
    const options: IssueOptions = {
      keyType,
      days,
      dns: values.dns,
      ips: values.ip,
      password: values.password,
      devices,
    };
    const needName = (what: string) => {
      if (!name) throw new PkiError(`${command} needs ${what}`);
      return name;
    };
    // A broker started from this state folder takes the new identity's rules at once.
    const issued = async (record: CertRecord) => {
      const { applyIssue } = await import("../broker/running.ts");
      await applyIssue(state, record, ctx.log, ctx.passphrase);
      if (record.kind === "ha")
        ctx.log(
          "Home Assistant connects to the hub's own endpoint, not to the broker: a running hub admits it within its CA poll (a second)",
        );
    };
    switch (command) {
      case "init":
        if (ctx.store.hasCa()) throw new PkiError(`a CA already exists in ${ctx.store.dir}; refusing to overwrite it`);
        ctx.passphrase = await newPassphrase();
        return initCa(ctx, { keyType, days, cn: values.cn });
      case "broker":
        await issue(ctx, "broker", name ?? "broker", options);
        return;
      case "device":
        return issued(await issue(ctx, "device", needName("a device id"), options));
      case "issue-bulk":
        return issueBulk(ctx, needName("a device id prefix"), values.count, values.profiles, config.device, options);
      case "user":
        return issued(await issue(ctx, "user", needName("a user name"), options));
      case "hub":
        return issued(await issue(ctx, "hub", name ?? "hub", options));
      case "ha":
        return issued(await issue(ctx, "ha", name ?? "ha", options));
      case "revoke": {
        const record = await revoke(ctx, needName("the name of a certificate"));
        // Loaded only here: the MQTT client it needs makes every other command slower to start.
        const { applyRevocation } = await import("../broker/running.ts");
        await applyRevocation(state, record, ctx.log, ctx.passphrase);
        return;
      }
      case "crl":
        await refreshCrl(ctx);
        return;
      case "renew": {
        // The names the server certificate had, and any given now (--dns, --ip).
        const kept = serverNames(ctx.store, needName("the name of a certificate"), await ctx.store.readIndex());
        const dns = [...new Set([...kept.dns, ...(values.dns ?? [])])];
        const ips = [...new Set([...kept.ips, ...(values.ip ?? [])])];
        await renew(ctx, name, { days, dns, ips });
        return;
      }
      case "list":
        (await list(ctx)).forEach((line) => console.log(line));
        return;
      default:
        throw new PkiError(
          `unknown command '${command}' (init, broker, device, issue-bulk, user, hub, ha, revoke, crl, list, renew)`,
        );
    }
  },
);

/** The extra DNS names and IP addresses (beyond the loopback ones every server certificate
 *  gets) of the active certificate `name`, so a renewal keeps them. */
function serverNames(store: PkiStore, name: string, index: PkiIndex): { dns: string[]; ips: string[] } {
  const record = index.certificates.find((c) => c.status === "active" && c.name === name);
  const names = { dns: [] as string[], ips: [] as string[] };
  if (!record) return names;
  let san = "";
  try {
    san =
      new X509Certificate(readFileSync(path.join(store.identityDir(record.kind, name), "cert.pem"))).subjectAltName ??
      "";
  } catch {
    return names;
  }
  for (const entry of san.split(", ")) {
    const [type, value] = [entry.slice(0, entry.indexOf(":")), entry.slice(entry.indexOf(":") + 1)];
    if (type === "DNS" && value !== "localhost") names.dns.push(value);
    if (type === "IP Address" && !["127.0.0.1", "::1", "0:0:0:0:0:0:0:1"].includes(value)) names.ips.push(value);
  }
  return names;
}
