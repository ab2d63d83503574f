// The profile's optional parts, built from data and wired to each other: further relays (each
// with its own behaviour and link-loss policy), interlock groups, inputs with their local
// actions, the garage cover, and telemetry. Everything here starts before any network work and
// runs without one: a button drives its relay whether or not a broker is reachable. Commands
// arrive as verified command text (the signed gate runs first, device.ts). A part the build
// leaves out (HAS_*, profile.ts) is removed from the bundle with its code.
import type { Platform } from "../hal/platform";
import type { TimerHandle } from "../hal/time";
import type { Booted } from "./maintenance/boot";
import { applyCommand, type Outcome } from "./protocol/commands";
import { Cover } from "./actuators/cover";
import { Ds18b20 } from "./sensors/ds18b20";
import { Input } from "./actuators/inputs";
import { Interlock } from "./actuators/interlock";
import { HAS_COVER, HAS_INPUTS, HAS_RELAYS, HAS_TELEMETRY, type RelayBehaviour } from "./profile/profile";
import { Relay } from "./actuators/relay";
import type { Reports } from "./protocol/reports";
import { Telemetry } from "./sensors/telemetry";
import { thingTopic } from "./protocol/topics";

/** A command topic and the handler of its verified command text. */
export interface Route {
  topic: string;
  action: (command: string) => Outcome;
}

export interface Features {
  /** A list, not an object keyed by topic: the broker chooses the topic ("constructor"). */
  routes: Route[];
  relays: { [name: string]: Relay };
  cover?: Cover;
  telemetry?: Telemetry;
  /** The broker came (true) or went (false, with the reason). */
  link(up: boolean, reason: string): void;
}

/** A relay or input state as reported: "ON" / "OFF". */
export const onOff = (on: boolean) => (on ? "ON" : "OFF");

export function startFeatures(platform: Platform, booted: Booted, root: string, reports: Reports): Features {
  const profile = booted.profile;
  const timers = platform.timers;
  const log = platform.log;
  const pins = profile.pins;
  const relays: { [name: string]: Relay } = { relay: booted.relay };
  const behaviours: { [name: string]: RelayBehaviour } = { relay: profile.relay };
  const inputs: { [name: string]: Input } = {};
  const lossTimers: { [name: string]: TimerHandle } = {};
  const extra = (HAS_RELAYS && profile.relays) || {};
  const features: Features = { routes: [], relays, link: () => undefined };
  /** The retained ON/OFF report of a further relay or an input. */
  const reportThing = (name: string, on: boolean) => reports.report(thingTopic(root, name, "state"), onOff(on));

  if (HAS_RELAYS) {
    const addRelay = (name: string, behaviour: RelayBehaviour) => {
      const relay = new Relay(platform.pins, pins[name], timers, behaviour.mode === "switch" ? behaviour.maxOnMs : 0);
      relays[name] = relay;
      behaviours[name] = behaviour;
      relay.onChange((on, why) => {
        log.info("relay " + name + " " + onOff(on) + " (" + why + ")");
        reportThing(name, on);
      });
      reportThing(name, false);
      features.routes.push({ topic: thingTopic(root, name, "set"), action: (c) => applyCommand(relay, behaviour, c) });
    };
    for (const name in extra) addRelay(name, extra[name]);
    const groups = profile.interlock || [];
    const lockGroup = (names: string[], lock: Interlock) => {
      for (let i = 0; i < names.length; i++) relays[names[i]].lockWith(lock);
    };
    for (let i = 0; i < groups.length; i++)
      lockGroup(groups[i].relays, new Interlock(groups[i].deadTimeMs, platform.clock, timers));
  }

  const specs = (HAS_INPUTS && profile.inputs) || {};
  if (HAS_INPUTS) {
    const changed = (input: Input) => {
      const name = input.name;
      const spec = specs[name];
      reportThing(name, input.active);
      // A local action is the command a button stands for, applied like a verified one.
      if (input.active && spec.action) {
        const target = spec.relay || "relay";
        const relay = relays[target];
        const result = applyCommand(relay, behaviours[target], spec.action === "toggle" && relay.isOn ? "OFF" : "ON");
        log.info("input " + name + ": " + (result.done || result.refused));
      }
      if (features.cover) features.cover.sensed();
      if (features.telemetry) features.telemetry.significant();
    };
    for (const name in specs) {
      inputs[name] = new Input(platform.pins, name, pins[name], specs[name], changed);
      reportThing(name, inputs[name].active);
    }
  }

  const door = profile.cover;
  if (HAS_COVER && door) {
    const closed = inputs[door.closed];
    const open = door.open ? inputs[door.open] : undefined;
    const cover = new Cover(
      relays[door.relay],
      behaviours[door.relay],
      door,
      timers,
      () => closed.active,
      open ? () => open.active : undefined,
      (state, fault) => {
        log.info("cover " + state + (fault ? " (" + fault + ")" : ""));
        reports.report(root + "/cover/state", state);
        reports.report(root + "/fault/state", fault || "none");
      },
    );
    features.cover = cover;
    features.routes.push({ topic: root + "/cover/set", action: (command) => cover.command(command) });
  }

  const sensors = profile.telemetry;
  if (HAS_TELEMETRY && sensors) {
    const analog = sensors.analog;
    const temperature = sensors.temperature;
    const wire = temperature ? pins[temperature.pin].pin : "";
    features.telemetry = new Telemetry(
      platform.clock,
      timers,
      platform.health,
      sensors,
      analog ? platform.pins.analog(pins[analog.pin].pin) : undefined,
      temperature ? new Ds18b20(platform.pins.oneWire(wire), wire, timers) : undefined,
    );
  }

  // Further relays in switch mode with linkLoss "off": off once the broker has been away for
  // linkLossMs (the first relay's policy lives in device.ts).
  const lose = (name: string) => {
    const behaviour = extra[name];
    if (behaviour.mode !== "switch" || behaviour.linkLoss !== "off" || lossTimers[name] !== undefined) return;
    lossTimers[name] = timers.set(() => {
      lossTimers[name] = undefined;
      relays[name].off("no broker for " + behaviour.linkLossMs + " ms (linkLoss off)");
    }, behaviour.linkLossMs);
  };
  features.link = (up, reason) => {
    for (const name in extra) {
      if (!up) lose(name);
      else {
        timers.clear(lossTimers[name]);
        lossTimers[name] = undefined;
      }
    }
    const telemetry = features.telemetry;
    if (telemetry) {
      if (up) telemetry.linkUp();
      else telemetry.linkDown(reason);
    }
  };
  features.link(false, "");
  return features;
}
