// The boot stub, Storage file `.boot0`: Espruino runs it at every boot, and after reset(),
// before `.bootcde` (src/jsinteractive.c, jsiSemiInit: .boot0-.boot3 then .bootcde), and reads
// `.bootcde` only after it, so a restore written here is what boots. It is not part of the
// bundle (provisioning and flash write it), so a bundle that cannot start is still rolled back,
// and Espruino's telnet is closed even when no bundle runs. With an update pending
// (lk.boot, ota.ts):
// - at the first boot after it was staged (tries 0), lk.ota moves into .bootcde if its SHA-256
//   is lk.boot's `sha` (the bundle never writes .bootcde under itself: its functions are text
//   in that file, and Espruino turns them to null when the file is replaced; nothing of
//   .bootcde is loaded yet here); a partial or changed lk.ota is left, and the old bundle,
//   which cannot confirm as the new version, is restored at the deadline;
// - the third boot without a confirmation restores lk.prev at once (a bundle that resets);
// - otherwise it counts the boot and, after the manifest's deadline, restores lk.prev and
//   reboots unless the new bundle confirmed in the meantime (one that never connects, or
//   throws at boot: Espruino's timers keep running after an uncaught error).
// Plain ES5 on purpose: it never passes through the build (test/firmware/ota.test.ts checks it).
import { BOOT_STATE_FILE, PREV_FILE, STAGE_FILE } from "./ota";

export const BOOT_STUB_FILE = ".boot0";

export const BOOT_STUB =
  // Espruino switches its telnet console on at every boot and reset(), with no password (ESP32:
  // libs/network/telnet/jswrap_telnet.c, jswrap_telnet_init, "hardcoded for now"); boards
  // without TELNET have no such module. After reset() nothing of .bootcde runs (src/jsflash.c,
  // jsfGetBootCodeFromFlash(isReset)), so this is the only code that can turn it off again.
  // The console device survives reset() (src/jsinteractive.c sets it only in jsiInit): on
  // LoopbackA the reset() (or load()) came from the maintenance window's console, whose server
  // is gone with the bundle: reboot, and the device is back, window closed.
  '(function(){try{require("TelnetServer").setOptions({mode:"off"})}catch(e){}' +
  'if(E.getConsole()==="LoopbackA")return E.reboot();' +
  'var S=require("Storage"),B="' +
  BOOT_STATE_FILE +
  '",b=S.readJSON(B,1);if(!b||!b.pending)return;' +
  'function back(){var p=S.read("' +
  PREV_FILE +
  '");if(p)S.write(".bootcde",p);S.writeJSON(B,{v:b.prev,back:b.v});}' +
  'var u=!b.tries&&S.read("' +
  STAGE_FILE +
  '");if(u){var d=new Uint8Array(require("crypto").SHA256(u)),h="",i;' +
  "for(i=0;i<d.length;i++)h+=(256+d[i]).toString(16).substr(1);" +
  'if(h===b.sha)S.write(".bootcde",u);}' +
  "if(b.tries>=2)return back();b.tries++;S.writeJSON(B,b);" +
  "setTimeout(function(){var c=S.readJSON(B,1);if(c&&c.pending){back();E.reboot();}},b.ms);})();";
