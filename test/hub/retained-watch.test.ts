// The hub's check of its retained burst counts every message of a device, retained or live: a
// device whose retained messages sit on another node of a clustered broker (RabbitMQ keeps
// them per node) still answers the hub live, and is not reported as never heard from.
import { describe, expect, it } from "vitest";
import { RetainedWatch } from "../../scripts/hub/retained-watch.ts";

describe("the retained-burst check", () => {
  const devices = ["door-1", "door-2", "door-3"].map((id) => ({ id, filter: `latchkey/${id}/#` }));

  it("counts a device heard live, and names only the silent one after asking again", async () => {
    const lines: string[] = [];
    const asked: string[][] = [];
    const watch = new RetainedWatch({
      devices: () => devices,
      subscribe: async (filters) => asked.push(filters),
      log: (line) => lines.push(line),
      quietMs: 50,
    });
    const done = watch.subscribed();
    watch.heard("door-1"); // its retained availability
    watch.heard("door-2"); // live only: its answer to the hub's challenge
    await done;
    expect(asked).toEqual([["latchkey/door-3/#"]]);
    expect(lines).toEqual([
      "1 of 3 devices have never reported their availability (door-3): never connected to this broker, or it drops messages",
    ]);
  });

  it("says the broker dropped the burst when the devices come once asked again", async () => {
    const lines: string[] = [];
    const watch = new RetainedWatch({
      devices: () => devices,
      subscribe: async () => {
        watch.heard("door-2");
        watch.heard("door-3");
      },
      log: (line) => lines.push(line),
      quietMs: 50,
    });
    const done = watch.subscribed();
    watch.heard("door-1");
    await done;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^the broker dropped the retained messages of 2 of 3 devices \(door-2, door-3\)/);
  });
});
