// `npm run bench`, part 4: what the signed-command security features cost. Bundle bytes per feature
// (entries under scripts/bench/ that add one feature at a time), and the time one signed
// command's verification takes: in Node with the simulator's SHA-256 (scripts/sim/device.ts
// "crypto"), and on Espruino's own interpreter (its Linux build, when ESPRUINO names it).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildFirmware } from "../../build/build.ts";
import { hmacSha256, createNonces } from "../../firmware/app/protocol/auth.ts";
import { signedGate } from "../../firmware/app/protocol/commands.ts";
import { signCommand } from "../lib/signing.ts";

function nodeVerification(): number {
  const key = Buffer.alloc(32, 7);
  const sha256 = (data: string) => createHash("sha256").update(Buffer.from(data, "latin1")).digest().toString("latin1");
  const mac = hmacSha256(sha256, key.toString("latin1"));
  const topic = "latchkey/garage-door/relay/set";
  const cases = Array.from({ length: 2000 }, () => {
    const nonces = createNonces(() => 0, Math.random, 30000);
    const nonce = nonces.issue();
    return { gate: signedGate(mac, nonces), payload: signCommand(key, topic, nonce, "ON") };
  });
  const started = performance.now();
  for (const c of cases) if (c.gate.verify(topic, c.payload).command !== "ON") throw new Error("not verified");
  return (performance.now() - started) / cases.length;
}

export async function securityFigures(root: string): Promise<void> {
  console.log("Signed commands:");
  console.log(
    `  one verification, gate code in Node with the simulator's SHA-256: ${nodeVerification().toFixed(3)} ms`,
  );
  const out = await mkdtemp(path.join(os.tmpdir(), "latchkey-bench-"));
  try {
    const entry = "scripts/bench/verify-entry.ts";
    const built = await buildFirmware({
      root,
      entry,
      outFile: path.join(out, "verify.js"),
      version: "0.0.0",
      sizeBudgetBytes: 1 << 20,
    });
    const espruino = process.env.ESPRUINO;
    if (!espruino || !existsSync(espruino)) {
      console.log("  on Espruino's interpreter: skipped (set ESPRUINO to its Linux build)");
      return;
    }
    // The same SHA-256 call as firmware/hal/espruino/platform.ts.
    const prelude = 'var benchSha256 = function (d) { return E.toString(require("crypto").SHA256(d)); };\n';
    const script = path.join(out, "verify-run.js");
    writeFileSync(script, prelude + readFileSync(built.outFile, "utf8"));
    const output = execFileSync(espruino, [script], { cwd: out, encoding: "utf8", timeout: 60000 });
    const line = output.split("\n").find((l) => l.includes("VERIFY ")) ?? "VERIFY ? (no output)";
    const [, ms, ...rest] = line.slice(line.indexOf("VERIFY ")).trim().split(" ");
    console.log(
      `  one verification on Espruino 2v29's interpreter (Linux build): ${Number(ms).toFixed(2)} ms (${rest.join(" ")} accepted)`,
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
