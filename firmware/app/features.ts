// The device's parts, built from data and wired to each other: every relay (the first one,
// made at boot, and the profile's further relays: one shape, each with its own behaviour,
// command topic, retained state and link-loss policy; only the first may restore its state at
// power-on), interlock groups, inputs with their local actions, the garage cover, and telemetry. Everything here starts before any network work and
// runs without one: a button drives its relay whether or not a broker is reachable. Commands
// arrive as verified command text (the signed gate runs first, device.ts). A part the build
// leaves out (HAS_*, profile.ts) is removed from the bundle with its code.
import type { Platform } from "../hal/platform";
import type { TimerHandle } from "../hal/time";
import type { Booted } from "./maintenance/boot";
import { applyCommand, type Outcome } from "./protocol/commands";
import { createCover, type Cover } from "./actuators/cover";
import { createDs18b20 } from "./sensors/ds18b20";
import { createInput, type Input } from "./actuators/inputs";
import { createInterlock, type Interlock } from "./actuators/interlock";
import {
  HAS_COVER,
  HAS_INPUTS,
  HAS_RELAYS,
  HAS_TELEMETRY,
  RELAY_STATE_FILE,
  type RelayBehaviour,
} from "./profile/profile";
import { relayFor, type Relay } from "./actuators/relay";
import type { Reports } from "./protocol/reports";
import { createTelemetry, type Telemetry } from "./sensors/telemetry";
import type { Route } from "./protocol/routes";
import { thingTopic } from "./protocol/topics";

export interface Features {
  /** The command routes of every relay and the cover (protocol/routes.ts). */
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
  const relays: { [name: string]: Relay } = {};
  const behaviours: { [name: string]: RelayBehaviour } = {};
  const inputs: { [name: string]: Input } = {};
  const lossTimers: { [name: string]: TimerHandle } = {};
  const extra = (HAS_RELAYS && profile.relays) || {};
  const features: Features = { routes: [], relays, link: () => undefined };
  /** The retained report of a thing: a relay's or an input's ON/OFF, the cover's state. */
  const reportThing = (name: string, value: string) => reports.report(thingTopic(root, name, "state"), value);
  /** A command route on <root>/<name>/set. */
  const route = (name: string, action: (command: string) => Outcome) =>
    features.routes.push({ topic: thingTopic(root, name, "set"), action });

  const addRelay = (name: string, behaviour: RelayBehaviour, relay: Relay) => {
    relays[name] = relay;
    behaviours[name] = behaviour;
    relay.onChange((on, why) => {
      log.info(name + " " + onOff(on) + " (" + why + ")");
      // Only the first relay may restore (profile-check.ts): a later power-on restores this.
      if (behaviour.powerOn === "restore") platform.files.write(RELAY_STATE_FILE, on ? "1" : "0");
      reportThing(name, onOff(on));
    });
    reportThing(name, onOff(relay.isOn));
    route(name, (command) => applyCommand(relay, behaviour, command));
  };
  addRelay("relay", profile.relay, booted.relay);
  if (HAS_RELAYS) {
    for (const name in extra) addRelay(name, extra[name], relayFor(platform.pins, pins[name], timers, extra[name]));
    const groups = profile.interlock || [];
    const lockGroup = (names: string[], lock: Interlock) => {
      for (let i = 0; i < names.length; i++) relays[names[i]].lockWith(lock);
    };
    for (let i = 0; i < groups.length; i++)
      lockGroup(groups[i].relays, createInterlock(groups[i].deadTimeMs, platform.clock, timers));
  }

  const specs = (HAS_INPUTS && profile.inputs) || {};
  if (HAS_INPUTS) {
    const changed = (input: Input) => {
      const name = input.name;
      const spec = specs[name];
      reportThing(name, onOff(input.active));
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
      inputs[name] = createInput(platform.pins, name, pins[name], specs[name], changed);
      reportThing(name, onOff(inputs[name].active));
    }
  }

  const door = profile.cover;
  if (HAS_COVER && door) {
    const closed = inputs[door.closed];
    const open = door.open ? inputs[door.open] : undefined;
    const cover = createCover(
      relays[door.relay],
      behaviours[door.relay],
      door,
      timers,
      () => closed.active,
      open ? () => open.active : undefined,
      (state, fault) => {
        log.info("cover " + state + (fault ? " (" + fault + ")" : ""));
        reportThing("cover", state);
        reportThing("fault", fault || "none");
      },
    );
    features.cover = cover;
    route("cover", cover.command);
  }

  const sensors = profile.telemetry;
  if (HAS_TELEMETRY && sensors) {
    const analog = sensors.analog;
    const temperature = sensors.temperature;
    const wire = temperature ? pins[temperature.pin].pin : "";
    features.telemetry = createTelemetry(
      platform.clock,
      timers,
      platform.health,
      sensors,
      analog ? platform.pins.analog(pins[analog.pin].pin) : undefined,
      temperature ? createDs18b20(platform.pins.oneWire(wire), wire, timers) : undefined,
    );
  }

  // Relays in switch mode with linkLoss "off": off once the broker has been out of reach for
  // linkLossMs (counted from boot, or from the disconnect that ended the last session; failed
  // attempts in between do not restart the count).
  const lose = (name: string) => {
    const behaviour = behaviours[name];
    if (behaviour.mode !== "switch" || behaviour.linkLoss !== "off" || lossTimers[name] !== undefined) return;
    lossTimers[name] = timers.set(() => {
      lossTimers[name] = undefined;
      relays[name].off("no broker for " + behaviour.linkLossMs + " ms (linkLoss off)");
    }, behaviour.linkLossMs);
  };
  features.link = (up, reason) => {
    for (const name in relays) {
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
