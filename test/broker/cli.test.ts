// `npm run broker` and the policy it writes, with bad input: one line, a non-zero exit, and
// no file changed. `--devices` names that are not one topic level never reach the ACL.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBrokerPolicy, type BrokerFiles } from "../../scripts/broker/policy.ts";
import { freePort, mosquittoMissing } from "../support/broker.ts";
import { pkiCli, runCli } from "../support/cli.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { recordBadInput } from "../support/bad-input.ts";

/** Every file of the state folder (and root's broker folder) with a hash of its content. */
function snapshot(dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else out[file] = createHash("sha256").update(readFileSync(file)).digest("hex");
    }
  };
  dirs.forEach(walk);
  return out;
}

describe("npm run broker: bad input", () => {
  let pki: TestPki;
  let files: BrokerFiles;
  const broker = (args: string[]) => runCli("scripts/broker/cli.ts", args, { LATCHKEY_STATE_DIR: pki.stateDir });
  beforeAll(async () => {
    pki = await makeTestPki();
    files = await writeBrokerPolicy(pki.stateDir, "latchkey", { host: "127.0.0.1", port: 18832 });
  });

  for (const [port, shown] of [
    ["abc", "abc"],
    ["70000", "70000"],
    ["-5", "-5"],
    ["0", "0"],
    ["8883x", "8883x"],
  ]) {
    it(`--port ${port}`, async () => {
      const before = snapshot([pki.stateDir, files.dir]);
      const result = await broker([`--port=${port}`]);
      expect(result).toMatchObject({
        status: 1,
        stdout: "",
        stderr: `broker: --port must be a whole number from 1 to 65535, not '${shown}'`,
      });
      expect(snapshot([pki.stateDir, files.dir])).toEqual(before);
      recordBadInput(`npm run broker -- --port=${port}`, result, "yes (state folder and broker folder hashed)");
    }, 60000);
  }

  it("--port -5 written as two words", async () => {
    const before = snapshot([pki.stateDir, files.dir]);
    const result = await broker(["--port", "-5"]);
    expect(snapshot([pki.stateDir, files.dir])).toEqual(before);
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^broker: /);
    recordBadInput("npm run broker -- --port -5", result, "yes (hashed)");
  }, 60000);

  for (const embedded of [false, true]) {
    it.skipIf(!embedded && mosquittoMissing())(
      `a port in use (${embedded ? "embedded" : "Mosquitto"})`,
      async () => {
        const port = await freePort();
        const taken = net.createServer();
        await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
        try {
          const before = snapshot([pki.stateDir, files.dir]);
          const result = await broker([
            "--port",
            String(port),
            "--host",
            "127.0.0.1",
            ...(embedded ? ["--embedded"] : []),
          ]);
          expect(result).toMatchObject({
            status: 1,
            stdout: "",
            stderr: `broker: port ${port} on 127.0.0.1 is already in use`,
          });
          expect(snapshot([pki.stateDir, files.dir])).toEqual(before);
          recordBadInput(`npm run broker -- --port <in use>${embedded ? " --embedded" : ""}`, result, "yes (hashed)");
        } finally {
          taken.close();
        }
      },
      60000,
    );
  }
});

describe("--devices for an operator", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makeTestPki();
  });
  afterAll(() => undefined);

  for (const devices of ["+", "#", "door/1", "door 1", "door\ntopic readwrite #", "a,,b", ""]) {
    it(`refuses ${JSON.stringify(devices)} and changes nothing`, async () => {
      const before = snapshot([pki.stateDir]);
      const result = await pkiCli(pki.stateDir, ["user", "mallory", "--password", "pw", "--devices", devices]);
      expect(result.status).toBe(1);
      expect(result.stderr.split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(
        /^pki: (device name '.*' is not a valid MQTT topic level|--devices must be device ids separated by commas, not '.*')/s,
      );
      expect(snapshot([pki.stateDir])).toEqual(before);
      recordBadInput(`npm run pki -- user mallory --devices ${JSON.stringify(devices)}`, result, "yes (hashed)");
    }, 60000);
  }

  it("a hand-edited index with a wildcard device is refused before the ACL is written", async () => {
    await pki.issue("user", "eve", { devices: ["door"], password: "pw" });
    const index = JSON.parse(readFileSync(pki.store.indexFile, "utf8"));
    index.certificates.find((c: { name: string }) => c.name === "eve").devices = ["+"];
    writeFileSync(pki.store.indexFile, JSON.stringify(index));
    await expect(writeBrokerPolicy(pki.stateDir, "latchkey", { host: "127.0.0.1", port: 18833 })).rejects.toThrow(
      `index.json: user 'eve' names "+", which is not a valid MQTT topic level: the broker policy is not written`,
    );
  }, 60000);
});
