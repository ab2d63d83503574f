// npm start's view (scripts/start/console.ts): an update is a progress line per quarter, not
// its chunks; Espruino's TLS "Not enough memory" at a reconnect is said in words.
import { describe, expect, it } from "vitest";
import { deviceLine, resultLine, typed, UpdateProgress } from "../scripts/start/console.ts";

describe("npm start's view", () => {
  it("says a command's result in one statement, a refusal once", () => {
    expect(resultLine("PULSE", { accepted: true, detail: "relay pulsed for 500 ms" })).toBe(
      "PULSE done: relay pulsed for 500 ms",
    );
    expect(
      resultLine("PULSE", { accepted: false, detail: "PULSE ignored: a press is running or in its 2000 ms lockout" }),
    ).toBe("PULSE ignored: a press is running or in its 2000 ms lockout");
    expect(resultLine("ON", { accepted: false, detail: "bad signature" })).toBe("ON refused: bad signature");
  });

  it("shows an update as progress, never the chunks' code", () => {
    const update = new UpdateProgress();
    const shown: (string | undefined | null)[] = [];
    shown.push(update.line("latchkey/d/ota/set", `{"c":"OTA 0.2.0 4096 ${"a".repeat(64)} 120"}`));
    for (let offset = 0; offset < 4096; offset += 1024)
      shown.push(update.line("latchkey/d/otadata/set", `${offset} ${"x".repeat(1024)}`));
    expect(shown.filter((l) => l !== undefined)).toEqual([
      "update: 4096 bytes announced (signed manifest)",
      "update: 1024 of 4096 bytes sent (25%)",
      "update: 2048 of 4096 bytes sent (50%)",
      "update: 3072 of 4096 bytes sent (75%)",
      "update: 4096 of 4096 bytes sent (100%)",
    ]);
    expect(shown.join("\n")).not.toContain("xxxx");
    expect(update.line("latchkey/d/relay/state", "ON")).toBeNull();
  });

  it("says a TLS reconnect's 'Not enough memory' in words, with its retry", () => {
    expect(deviceLine("MQTT down: TLS setup failed: mbedtls_ssl_setup: Not enough memory; retry in 1.0 s")).toBe(
      "MQTT down: the TLS connection could not be set up yet (the device is still freeing the previous one's memory); retry in 1.0 s",
    );
  });

  it("sends only its words", () => {
    expect(typed(" Pulse ")).toEqual({ send: "PULSE" });
    expect(typed("exit")).toMatchObject({ say: expect.stringMatching(/nothing was sent/) });
    expect(typed("")).toBeUndefined();
  });
});
