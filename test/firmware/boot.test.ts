import { describe, expect, it } from "vitest";
import { boot } from "../../firmware/app/boot.ts";
import { PROFILE_FILE } from "../../firmware/app/profile.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { testProfile } from "../support/profile.ts";

describe("boot", () => {
  it("logs its version and drives the relay pin to its safe level", () => {
    const { platform, pinHistory, log } = createFakePlatform({ [PROFILE_FILE]: JSON.stringify(testProfile()) });
    const booted = boot(platform, "1.2.3");
    expect(booted?.relay.isOn).toBe(false);
    expect(log[0]).toBe("info Latchkey 1.2.3 booting");
    expect(pinHistory).toEqual([{ pin: "D26", high: false, kind: "initial" }]);
  });

  it("stays idle and says why when no profile was provisioned", () => {
    const { platform, pinHistory, log } = createFakePlatform();
    expect(boot(platform, "1")).toBeUndefined();
    expect(pinHistory).toEqual([]);
    expect(log).toContain(
      "error device profile 'lk.profile' unusable (missing or not JSON): provision the device, then reboot",
    );
  });

  it("rejects a corrupt profile without touching a pin", () => {
    const { platform, pinHistory, log } = createFakePlatform({ [PROFILE_FILE]: '{"id":"x","pins":{}}' });
    expect(boot(platform, "1")).toBeUndefined();
    expect(pinHistory).toEqual([]);
    expect(log.at(-1)).toMatch(/unusable \(no relay pin\)/);
  });
});
