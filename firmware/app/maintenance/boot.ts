// Boot: the first thing the device does after power-on or reboot. The network consoles close
// (Espruino turns telnet on at every boot: an unauthenticated JavaScript prompt on port 23)
// before anything else, the relay goes to its safe level before any network work, and a missing or broken profile leaves the device
// idle, every pin untouched, saying which field is wrong: never half-configured.
import type { Platform } from "../../hal/platform";
import { RELAY_STATE_FILE, PROFILE_FILE, type DeviceProfile } from "../profile/profile";
import { checkProfile } from "../profile/profile-check";
import { relayFor, type Relay } from "../actuators/relay";

export interface Booted {
  profile: DeviceProfile;
  relay: Relay;
  /** The running bundle's version (an OTA update confirms against it). */
  version: string;
}

export function boot(platform: Platform, version: string): Booted | undefined {
  const log = platform.log;
  const telnet = platform.consoles.telnetOff();
  platform.consoles.bluetoothOff();
  log.info("Latchkey " + version + " booting; " + (telnet ? "telnet off" : "no telnet"));
  const stored = platform.files.readJSON(PROFILE_FILE);
  const problem = checkProfile(stored);
  if (problem !== undefined) {
    log.error("device profile '" + PROFILE_FILE + "' unusable (" + problem + "): provision the device, then reboot");
    return undefined;
  }
  const profile = stored as DeviceProfile;
  const behaviour = profile.relay;
  const relay = relayFor(platform.pins, profile.pins.relay, platform.timers, behaviour);
  log.info("device " + profile.id + ": relay off (safe level)");
  // Only a switch may come back on by itself (checkProfile refuses "restore" for a pulse).
  if (behaviour.mode === "switch" && behaviour.powerOn === "restore" && platform.files.read(RELAY_STATE_FILE) === "1")
    relay.set(true, "restored at power-on");
  return { profile, relay, version };
}
