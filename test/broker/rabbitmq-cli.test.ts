// `npm run broker -- --rabbitmq` as a user runs it: bad input is one line and changes
// nothing; `--config-only` writes what real hosts need; a one-node cluster prints its
// address and Ctrl-C stops everything it started (nodes, epmd, its folder, the record).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { root, runCli } from "../support/cli.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { rabbitmqMissing } from "../support/rabbitmq.ts";
import { freePort } from "../support/broker.ts";
import { until } from "../support/wait.ts";

describe("npm run broker -- --rabbitmq", () => {
  let pki: TestPki;
  const broker = (args: string[]) => runCli("scripts/broker/cli.ts", args, { LATCHKEY_STATE_DIR: pki.stateDir });
  beforeAll(async () => {
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("user", "alice", { devices: ["door-1"], password: "pw" });
  });

  for (const [args, line] of [
    [["--rabbitmq", "--nodes", "0"], "broker: --nodes must be a whole number from 1 to 9, not '0'"],
    [["--nodes", "3"], "broker: --nodes and --config-only go with --rabbitmq"],
    [["--rabbitmq", "--embedded"], "broker: choose one of --embedded, --rabbitmq and --client-id-guard"],
    [["--rabbitmq", "--config-only="], "broker: --config-only needs a folder"],
  ] as const) {
    it(`${args.join(" ")}: one line, nothing started`, async () => {
      const result = await broker([...args]);
      expect(result).toMatchObject({ status: 1, stdout: "", stderr: line });
      expect(existsSync(path.join(pki.stateDir, "broker", "running.json"))).toBe(false);
    }, 60000);
  }

  it("--config-only writes each node's files, the shared ones and the steps; never into a used folder", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "latchkey-rabbit-export-")), "out");
    const result = await broker(["--rabbitmq", "--config-only", dir, "--nodes", "2", "--port", "8883"]);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n").at(-1)).toBe(
      `wrote 12 files for a 2-node RabbitMQ cluster to ${dir}; see ${dir}/README.md`,
    );
    expect(readdirSync(dir).sort()).toEqual([
      "README.md",
      "ca.pem",
      "cert.pem",
      "crl",
      "definitions.json",
      "key.pem",
      "node-1",
      "node-2",
    ]);
    const definitions = JSON.parse(readFileSync(path.join(dir, "definitions.json"), "utf8"));
    expect(definitions.users.map((u: { name: string }) => u.name)).toEqual(["door-1", "alice"]);
    expect(readFileSync(path.join(dir, "node-2", "rabbitmq.conf"), "utf8")).toContain(
      "cluster_formation.classic_config.nodes.1 = rabbit@latchkey-1",
    );
    writeFileSync(path.join(dir, "extra"), "");
    const again = await broker(["--rabbitmq", "--config-only", dir]);
    expect(again).toMatchObject({ status: 1, stderr: `broker: ${dir} is not empty: give a new folder` });
  }, 60000);

  it.skipIf(rabbitmqMissing())(
    "a one-node cluster prints its address, serves, and Ctrl-C stops all of it",
    async () => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "scripts/broker/cli.ts", "--rabbitmq", "--nodes", "1", "--port", String(port)],
        { cwd: root, env: { ...process.env, LATCHKEY_STATE_DIR: pki.stateDir }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      try {
        await until(
          "the cluster to start",
          () => /Ctrl-C stops every node/.test(out) || child.exitCode !== null,
          120000,
        );
        expect(out).toContain(`latchkey-1@localhost: MQTT over TLS on 127.0.0.1:${port}`);
        const record = JSON.parse(readFileSync(path.join(pki.stateDir, "broker", "running.json"), "utf8"));
        expect(record).toMatchObject({ kind: "rabbitmq", pid: child.pid, port });
        const client = await connectTls(port, pki.credentials("device", "door-1"), "door-1");
        client.end(true);
        child.kill("SIGINT");
        expect(await exited).toBe(0);
        expect(existsSync(record.conf)).toBe(false);
        expect(existsSync(path.join(pki.stateDir, "broker", "running.json"))).toBe(false);
        await expect(connectTls(port, pki.credentials("device", "door-1"), "door-1")).rejects.toThrow();
      } finally {
        if (child.exitCode === null) child.kill("SIGINT");
      }
    },
    180000,
  );
});
