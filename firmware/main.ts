// The composition root: the only place that picks the Espruino implementations of hal/ and
// hands them to the app. The build wraps this bundle in a function, so nothing here becomes
// a global.
import { boot } from "./app/boot";
import { createEspruinoPlatform } from "./hal/espruino/platform";

boot(createEspruinoPlatform(), __LATCHKEY_VERSION__);
