// The owner's home-assistant.json: what Home Assistant may send. A missing file allows nothing;
// every mistake is one line naming the file and the place, and stops the hub before it starts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceEntities } from "../../scripts/lib/entities.ts";
import { checkHaAllow, haWords, loadHaAllow } from "../../scripts/hub/ha-permissions.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

describe("home-assistant.json", () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-ha-allow-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const load = async (text: string) => {
    const file = path.join(dir, "home-assistant.json");
    await writeFile(file, text);
    return () => loadHaAllow(file);
  };
  const door = testProfile({ id: "door-1", relay: relayBehaviour({ mode: "switch" }) });
  const entitiesOf = (device: string) => (device === "door-1" ? deviceEntities(door) : undefined);

  it("allows nothing without the file, and only the listed words with it", async () => {
    expect(loadHaAllow(path.join(dir, "absent.json"))).toEqual({});
    const allow = (await load('{ "door-1": { "relay": ["OFF"] } }'))();
    checkHaAllow(allow, entitiesOf);
    const relay = deviceEntities(door).find((e) => e.id === "relay")!;
    expect(haWords(allow, "door-1", relay)).toEqual(["OFF"]);
    expect(haWords({}, "door-1", relay)).toEqual([]);
  });

  it("names each mistake in one line", async () => {
    expect(await load("{ nope")).toThrow(/home-assistant\.json: not valid JSON: /);
    expect(await load("[]")).toThrow(/home-assistant\.json: must be an object of device ids$/);
    expect(await load('{ "door-1": { "relay": "ON" } }')).toThrow(
      /home-assistant\.json: "door-1"\."relay" must be a list of command words$/,
    );
    const check = (text: string) => async () => checkHaAllow((await load(text))(), entitiesOf);
    await expect(check('{ "gate-9": {} }')()).rejects.toThrow(
      "Home Assistant allowances name device 'gate-9', which has no profile",
    );
    await expect(check('{ "door-1": { "maintenance": ["ON"] } }')()).rejects.toThrow(
      "Home Assistant allowances name 'door-1/maintenance', which takes no command",
    );
    await expect(check('{ "door-1": { "relay": ["OPEN"] } }')()).rejects.toThrow(
      "Home Assistant allowances give 'door-1/relay' the command 'OPEN'; it takes ON, OFF",
    );
  });
});
