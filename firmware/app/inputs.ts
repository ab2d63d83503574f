// A digital input (reed switch, push button): debounced by setWatch, inverted when its pin is
// activeLow, and read once at start so the state is known before the first edge. The watch
// callback fires only on a debounced level change (src/jswrap_io.c, setWatch debounce), and
// the Input passes on only a change of its active state.
import type { PinFactory } from "../hal/pins";
import type { InputBehaviour, PinSpec } from "./profile";

export class Input {
  readonly name: string;
  private active_: boolean;
  private readonly activeLow_: boolean;

  constructor(
    pins: PinFactory,
    name: string,
    spec: PinSpec,
    behaviour: InputBehaviour,
    changed: (input: Input) => void,
  ) {
    this.name = name;
    this.activeLow_ = spec.activeLow;
    const pin = pins.input(spec.pin, behaviour.pull);
    this.active_ = pin.read() !== this.activeLow_;
    pin.watch((high) => {
      const active = high !== this.activeLow_;
      if (active === this.active_) return;
      this.active_ = active;
      changed(this);
    }, behaviour.debounceMs);
  }

  get active(): boolean {
    return this.active_;
  }
}
