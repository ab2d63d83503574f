// The Wi-Fi module of the simulated ESP32 (require("Wifi")): joining the test's access point
// (libs/network/esp32/jswrap_esp32_network.c: a wrong SSID is no_ap_found, a wrong password
// auth_fail), the station's status and address, and the access point going away and back.

type Listener = (...args: unknown[]) => void;

export interface WifiHost {
  /** The access point's credentials. */
  wifi(): { ssid: string; password: string };
  /** Runs `fn` as the device runs callbacks (in its boot `generation`, errors reported). */
  guard(fn: () => void, generation?: number): void;
  generation(): number;
  trace(event: string): void;
  print(line: string): void;
  /** Signal strength while joined. */
  rssi(): number;
}

export class SimWifi {
  /** The access point is reachable. */
  networkUp = true;
  /** The station is joined. */
  joined = false;
  private listeners: Record<string, Listener[]> = {};

  constructor(private readonly host: WifiHost) {}

  private emit(event: string, details: unknown): void {
    (this.listeners[event] ?? []).forEach((h) => this.host.guard(() => h(details)));
  }

  /** The object require("Wifi") returns. */
  module() {
    const host = this.host;
    return {
      connect: (ssid: string, opts: { password?: string }, callback?: (error: string | null) => void) => {
        host.trace("wifi.connect");
        const generation = host.generation();
        const ap = host.wifi();
        const ok = this.networkUp && ssid === ap.ssid && (opts?.password ?? "") === ap.password;
        const reason = !this.networkUp || ssid !== ap.ssid ? "no_ap_found" : "auth_fail";
        setTimeout(
          () =>
            host.guard(() => {
              this.joined = ok;
              if (ok) this.emit("connected", { ip: "192.168.4.2" });
              callback?.(ok ? null : reason);
            }, generation),
          ok ? 100 : 500,
        );
      },
      disconnect: () => {
        this.joined = false;
      },
      // rssi is set only while the station is connected (libs/network/esp32/jswrap_esp32_network.c).
      getStatus: () => (this.joined ? { station: "connected", rssi: host.rssi() } : { station: "off" }),
      getIP: () => ({
        ip: this.joined ? "192.168.4.2" : "0.0.0.0",
        netmask: "255.255.255.0",
        gw: "192.168.4.1",
        mac: "24:0a:c4:00:00:01",
      }),
      setSNTP: (_server: string, zone: unknown) => {
        if (typeof zone !== "string") throw new Error("setSNTP: the zone must be a POSIX TZ string");
      },
      save: () => host.print("WARNING: Wifi.save() writes the password to .wificfg in plain text"),
      on: (event: string, handler: Listener) => (this.listeners[event] ??= []).push(handler),
    };
  }

  /** The access point goes away: the station drops and says so. */
  down(): void {
    this.networkUp = false;
    this.joined = false;
    this.emit("disconnected", { reason: "beacon_timeout" });
  }

  /** A reset: listeners gone, not joined (the access point stays as it is). */
  reset(): void {
    this.listeners = {};
    this.joined = false;
  }
}
