// readCommandKey keeps the CA index parsed between calls (the hub reads a key at every report
// it verifies), yet a revocation or a renewal takes effect at the very next call.
import { describe, expect, it } from "vitest";
import { readCommandKey } from "../../scripts/lib/signing.ts";
import { renew } from "../../scripts/ca/commands.ts";
import { makeTestPki } from "../support/pki.ts";

describe("the command key as the hub reads it, again and again", () => {
  it("follows a renewal and a revocation at once", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "gate");
    const first = readCommandKey(pki.stateDir, "gate");
    expect(readCommandKey(pki.stateDir, "gate")).toEqual(first);
    await renew(pki.ctx, "gate");
    const renewed = readCommandKey(pki.stateDir, "gate");
    expect(renewed).not.toEqual(first);
    await pki.revoke("gate");
    expect(() => readCommandKey(pki.stateDir, "gate")).toThrow(/no active certificate \(revoked\)/);
  });
});
