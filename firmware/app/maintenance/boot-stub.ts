// The boot stub, Storage file `.boot0`: Espruino runs it at every boot before `.bootcde`
// (src/jsinteractive.c, jsiSemiInit: .boot0-.boot3 then .bootcde), and reads `.bootcde` only
// after it, so a restore written here is what boots. It is not part of the bundle (provisioning
// writes it), so a bundle that cannot start is still rolled back. With an update pending
// (lk.boot, ota.ts):
// - the third boot without a confirmation restores lk.prev at once (a bundle that resets);
// - otherwise it counts the boot and, after the manifest's deadline, restores lk.prev and
//   reboots unless the new bundle confirmed in the meantime (one that never connects, or
//   throws at boot: Espruino's timers keep running after an uncaught error).
// Plain ES5 on purpose: it never passes through the build (test/firmware/ota.test.ts checks it).
import { BOOT_STATE_FILE, PREV_FILE } from "./ota";

export const BOOT_STUB_FILE = ".boot0";

export const BOOT_STUB =
  '(function(){var S=require("Storage"),B="' +
  BOOT_STATE_FILE +
  '",b=S.readJSON(B,1);if(!b||!b.pending)return;' +
  'function back(){var p=S.read("' +
  PREV_FILE +
  '");if(p)S.write(".bootcde",p);S.writeJSON(B,{v:b.prev,back:b.v});}' +
  "if(b.tries>=2)return back();b.tries++;S.writeJSON(B,b);" +
  "setTimeout(function(){var c=S.readJSON(B,1);if(c&&c.pending){back();E.reboot();}},b.ms);})();";
