// The composition root: the only place that picks the Espruino implementations of hal/ and
// hands them to the app (boot, then the device loop). The build wraps this bundle in a
// function, so nothing here becomes a global.
import { boot } from "./app/maintenance/boot";
import { runDevice } from "./app/device";
import { createEspruinoPlatform } from "./hal/espruino/platform";

const platform = createEspruinoPlatform();
const booted = boot(platform, __LATCHKEY_VERSION__);
if (booted) runDevice(platform, booted);
