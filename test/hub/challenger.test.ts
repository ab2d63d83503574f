// The hub's challenger (scripts/hub/freshness.ts) under fake time: availability "online" is
// not signed, so a broker repeating it must not keep pushing the outstanding challenge's
// deadline away (which would keep an old confirmation shown as current for ever).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeviceStates } from "../../scripts/hub/device-state.ts";
import { Challenger } from "../../scripts/hub/freshness.ts";
import type { FreshnessHooks } from "../../scripts/hub/freshness-types.ts";

function fakeStates() {
  const record = {
    challenged: [] as string[],
    unanswered: [] as number[],
    hooks: undefined as FreshnessHooks | undefined,
  };
  const states = {
    set hooks(h: FreshnessHooks) {
      record.hooks = h;
    },
    ids: () => ["door-1"],
    profile: () => ({ topicPrefix: "latchkey" }),
    view: () => ({ availability: "online" }),
    challenged: (_id: string, text: string) => record.challenged.push(text),
    unanswered: () => record.unanswered.push(Date.now()),
    linkDown: () => undefined,
  } as unknown as DeviceStates;
  return { states, record };
}

describe("the hub's challenger", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("gives a challenge up at its first deadline however often 'online' asks again", () => {
    const { states, record } = fakeStates();
    const challenger = new Challenger(() => undefined, states, { everyMs: 60000, answerMs: 2000 });
    challenger.connected();
    // A broker repeats the device's unsigned "online" every 500 ms and drops every answer.
    for (let t = 0; t < 4000; t += 500) {
      record.hooks!.ask("door-1", true);
      vi.advanceTimersByTime(500);
    }
    expect(record.challenged.length).toBeGreaterThan(1);
    expect(record.unanswered.length).toBeGreaterThan(0);
    expect(record.unanswered[0]).toBeLessThanOrEqual(2000);
    challenger.stop();
  });
});
