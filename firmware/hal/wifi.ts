// The Wi-Fi radio as the device offers it (Espruino's require("Wifi") on ESP32).

export interface WifiRadio {
  /** Joins `ssid`; `done` gets undefined on success or the reason it failed. */
  connect(ssid: string, password: string, done: (error: string | undefined) => void): void;
  /** Called whenever the station loses its access point. */
  onDisconnected(handler: (reason: string) => void): void;
  /** The station's IPv4 address (Wifi getIP().ip), undefined where the board has no Wi-Fi. */
  ip(): string | undefined;
}
