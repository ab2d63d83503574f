// hal/wifi.ts on Espruino: require("Wifi"). Never Wifi.save(): it writes the password in plain
// text to `.wificfg` (docs/espruino.md); the credentials live in our own Storage file instead.
// Builds without the module (Espruino's Linux build, wired boards) have their network up
// already: joining then always succeeds.
import type { WifiRadio } from "../wifi";

function wiredRadio(): WifiRadio {
  return {
    connect: (_ssid, _password, done) => setTimeout(() => done(undefined), 0),
    onDisconnected: () => undefined,
    ip: () => undefined,
  };
}

export function createEspruinoWifi(): WifiRadio {
  let wifi: WifiModule;
  try {
    wifi = require("Wifi");
  } catch {
    return wiredRadio();
  }
  return {
    connect: (ssid, password, done) => {
      wifi.connect(ssid, { password }, (error) => done(error ? "" + error : undefined));
    },
    onDisconnected: (handler) => {
      wifi.on("disconnected", (details) => handler(details && details.reason ? "" + details.reason : "link lost"));
    },
    // getIP() is {ip, netmask, gw, mac}; ip only once the station has its address
    // (libs/network/esp32/jswrap_esp32_network.c, getIPInfo).
    ip: () => wifi.getIP().ip,
  };
}

/** The station's RSSI in dBm while joined (libs/network/esp32/jswrap_esp32_network.c sets
 *  getStatus().rssi only then); undefined without a Wifi module or a station link. */
export function wifiRssi(): number | undefined {
  let status: WifiStatus;
  try {
    status = require("Wifi").getStatus();
  } catch {
    return undefined;
  }
  return status.station === "connected" ? status.rssi : undefined;
}
