// A digital input (reed switch, push button): debounced by setWatch, inverted when its pin is
// activeLow, and read once at start so the state is known before the first edge. The watch
// callback fires only on a debounced level change (src/jswrap_io.c, setWatch debounce), and
// the Input passes on only a change of its active state.
import type { PinFactory } from "../../hal/pins";
import type { InputBehaviour, PinSpec } from "../profile/profile";

export interface Input {
  readonly name: string;
  readonly active: boolean;
}

export function createInput(
  pins: PinFactory,
  name: string,
  spec: PinSpec,
  behaviour: InputBehaviour,
  changed: (input: Input) => void,
): Input {
  const activeLow = spec.activeLow;
  const pin = pins.input(spec.pin, behaviour.pull);
  let active = pin.read() !== activeLow;
  const self: Input = {
    name,
    get active() {
      return active;
    },
  };
  pin.watch((high) => {
    const now = high !== activeLow;
    if (now === active) return;
    active = now;
    changed(self);
  }, behaviour.debounceMs);
  return self;
}
