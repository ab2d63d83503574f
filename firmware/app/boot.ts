// Boot: the first thing the device does after power-on or reboot. The relay goes to its
// safe level before any network work, and a missing or broken profile leaves the device
// idle and saying why, never half-configured.
import type { Platform } from "../hal/platform";
import { checkProfile, PROFILE_FILE, type DeviceProfile } from "./profile";
import { Relay } from "./relay";

export interface Booted {
  profile: DeviceProfile;
  relay: Relay;
}

export function boot(platform: Platform, version: string): Booted | undefined {
  const log = platform.log;
  log.info("Latchkey " + version + " booting");
  const stored = platform.files.readJSON(PROFILE_FILE);
  const problem = checkProfile(stored);
  if (problem !== undefined) {
    log.error("device profile '" + PROFILE_FILE + "' unusable (" + problem + "): provision the device, then reboot");
    return undefined;
  }
  const profile = stored as DeviceProfile;
  const relay = new Relay(platform.pins, profile.pins.relay, platform.timers);
  log.info("device " + profile.id + ": relay off (safe level)");
  return { profile, relay };
}
