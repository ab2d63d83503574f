// The profile's optional parts, built from data and wired to each other: further relays (each
// with its own behaviour and link-loss policy), interlock groups, inputs with their local
// actions, the garage cover, and telemetry. Everything here starts before any network work and
// runs without one: a button drives its relay whether or not a broker is reachable. Commands
// arrive as verified command text (the device's CommandGate runs first, device.ts).
import type { Platform } from "../hal/platform";
import type { TimerHandle } from "../hal/time";
import type { Booted } from "./boot";
import { applyCommand, type Outcome } from "./commands";
import { Cover } from "./cover";
import { Ds18b20 } from "./ds18b20";
import { Input } from "./inputs";
import { Interlock } from "./interlock";
import type { InputBehaviour, InterlockGroup, RelayBehaviour } from "./profile";
import { Relay } from "./relay";
import type { Reports } from "./reports";
import { Telemetry } from "./telemetry";
import { thingTopic } from "./topics";

/** A command topic and the handler of its verified command text. */
export interface Route {
  topic: string;
  action: (command: string) => Outcome;
}

export interface Features {
  /** A list, not an object keyed by topic: the broker chooses the topic ("constructor"). */
  routes: Route[];
  relays: { [name: string]: Relay };
  inputs: { [name: string]: Input };
  cover: Cover | undefined;
  telemetry: Telemetry | undefined;
  /** The broker came (true) or went (false, with the reason). */
  link(up: boolean, reason: string): void;
}

const onOff = (on: boolean) => (on ? "ON" : "OFF");

export function startFeatures(platform: Platform, booted: Booted, root: string, reports: Reports): Features {
  const profile = booted.profile;
  const timers = platform.timers;
  const log = platform.log;
  const pins = profile.pins;
  const relays: { [name: string]: Relay } = { relay: booted.relay };
  const behaviours: { [name: string]: RelayBehaviour } = { relay: profile.relay };
  const routes: Route[] = [];
  const inputs: { [name: string]: Input } = {};
  const lossTimers: { [name: string]: TimerHandle } = {};
  const extra = profile.relays || {};
  const features: Features = {
    routes,
    relays,
    inputs,
    cover: undefined,
    telemetry: undefined,
    link: () => undefined,
  };

  const addRelay = (name: string, behaviour: RelayBehaviour) => {
    const relay = new Relay(platform.pins, pins[name], timers, behaviour.mode === "switch" ? behaviour.maxOnMs : 0);
    const state = thingTopic(root, name, "state");
    relays[name] = relay;
    behaviours[name] = behaviour;
    relay.onChange((on, why) => {
      log.info("relay " + name + " " + onOff(on) + " (" + why + ")");
      reports.report(state, onOff(on));
    });
    reports.report(state, "OFF");
    routes.push({ topic: thingTopic(root, name, "set"), action: (command) => applyCommand(relay, behaviour, command) });
  };
  for (const name in extra) addRelay(name, extra[name]);

  const lockGroup = (group: InterlockGroup) => {
    const lock = new Interlock(group.deadTimeMs, platform.clock, timers);
    for (let i = 0; i < group.relays.length; i++) relays[group.relays[i]].lockWith(lock);
  };
  const groups = profile.interlock || [];
  for (let i = 0; i < groups.length; i++) lockGroup(groups[i]);

  // A local action is the command a button stands for, applied like a verified one.
  const act = (name: string, spec: InputBehaviour) => {
    const target = spec.relay || "relay";
    const relay = relays[target];
    const result = applyCommand(relay, behaviours[target], spec.action === "toggle" && relay.isOn ? "OFF" : "ON");
    log.info("input " + name + ": " + (result.done || result.refused));
  };
  const inputSpecs = profile.inputs || {};
  const changed = (input: Input) => {
    const spec = inputSpecs[input.name];
    reports.report(thingTopic(root, input.name, "state"), onOff(input.active));
    if (input.active && spec.action) act(input.name, spec);
    if (features.cover) features.cover.sensed();
    if (features.telemetry) features.telemetry.significant();
  };
  const addInput = (name: string) => {
    const input = new Input(platform.pins, name, pins[name], inputSpecs[name], changed);
    inputs[name] = input;
    reports.report(thingTopic(root, name, "state"), onOff(input.active));
  };
  for (const name in inputSpecs) addInput(name);

  const door = profile.cover;
  if (door) {
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
    routes.push({ topic: root + "/cover/set", action: (command) => cover.command(command) });
  }

  const sensors = profile.telemetry;
  if (sensors) {
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
      if (up) {
        timers.clear(lossTimers[name]);
        lossTimers[name] = undefined;
      } else lose(name);
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
