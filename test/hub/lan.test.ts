// The hub's page for other machines: `--host` an address of this machine (127.0.0.2 here, a
// LAN address in use), and a hub certificate naming it (`pki renew hub --ip`). Without the
// name the hub says so and a browser's check refuses the page; after the renewal it passes.
import { spawn } from "node:child_process";
import https from "node:https";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { freePort } from "../support/broker.ts";
import { pkiCli, root } from "../support/cli.ts";
import { makeTestPki } from "../support/pki.ts";
import { until } from "../support/wait.ts";

const LAN = "127.0.0.2";

async function hub(stateDir: string, config: string, port: number) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/hub/cli.ts", "--host", LAN, "--port", String(port)],
    {
      cwd: root,
      env: { ...process.env, LATCHKEY_STATE_DIR: stateDir, LATCHKEY_CONFIG: config },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((r) => child.once("exit", r));
  onTestFinished(async () => {
    child.kill("SIGKILL");
    await exited;
  });
  await until("the page", () => output.includes(`page at https://${LAN}:${port}/`) || child.exitCode !== null, 30000);
  expect(output).toContain(`page at https://${LAN}:${port}/`);
  return { output: () => output, stop: async () => (child.kill("SIGTERM"), await exited) };
}

/** What a browser's TLS check says of the page: the status, or the TLS error's code. */
function visit(ca: Buffer, port: number): Promise<string> {
  return new Promise((resolve) => {
    https
      .get(`https://${LAN}:${port}/api/state`, { ca, rejectUnauthorized: true }, (r) => {
        r.resume();
        resolve(String(r.statusCode));
      })
      .on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe("the hub on a LAN address", () => {
  it("names what its certificate lacks; after pki renew hub --ip the page passes a browser's check", async () => {
    const pki = await makeTestPki();
    await pki.issue("hub", "hub");
    await pki.issue("device", "garage-door");
    const config = path.join(pki.stateDir, "config.json");
    const project = JSON.parse(readFileSync(path.join(root, "espruino.config.json"), "utf8")) as {
      device: { broker: { port: number } };
    };
    project.device.broker.port = await freePort();
    writeFileSync(config, JSON.stringify(project));
    const ca = readFileSync(pki.store.caCertFile);

    const port = await freePort();
    const before = await hub(pki.stateDir, config, port);
    // The warning is its own line after the page's: wait for it, not for the page's alone.
    const warning = `the hub's certificate does not name ${LAN} (it names localhost, 127.0.0.1, ::1): browsers will refuse the page; run npm run pki -- renew hub --ip ${LAN}`;
    await until("the warning", () => before.output().includes(warning));
    expect(before.output()).toContain(warning);
    expect(await visit(ca, port)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    await before.stop();

    expect((await pkiCli(pki.stateDir, ["renew", "hub", "--ip", LAN])).status).toBe(0);
    const after = await hub(pki.stateDir, config, port);
    // 403: TLS passed (the certificate names the address); the page then wants a client certificate.
    expect(await visit(ca, port)).toBe("403");
    // Checked after a round trip to the page, by when a warning printed beside its line is in.
    expect(after.output()).not.toContain("does not name");
    await after.stop();
  }, 90000);
});
