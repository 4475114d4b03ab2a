import { createSignal, onCleanup, onMount } from "solid-js";

/**
 * The keyboard release chord, as in virt-manager: the left Ctrl and the left Alt pressed
 * together and released with no other key pressed meanwhile. Ctrl+Alt+F2 or Ctrl+Alt+Del do not
 * release: they go to the VM.
 */
export class ReleaseChord {
  private readonly down = new Set<string>();
  /** Ctrl and Alt were both down, alone: releasing them now releases the keyboard. */
  private armed = false;
  /** Another key joined the chord: nothing releases until every key is up again. */
  private spoiled = false;

  static readonly KEYS: readonly string[] = ["ControlLeft", "AltLeft"];

  /** A key went down (auto-repeats included). */
  keyDown(code: string) {
    this.down.add(code);
    if (!ReleaseChord.KEYS.includes(code)) {
      this.spoiled = true;
      this.armed = false;
    } else if (!this.spoiled && ReleaseChord.KEYS.every((k) => this.down.has(k))) {
      this.armed = this.down.size === ReleaseChord.KEYS.length;
    }
  }

  /** A key went up; true when this completes the release chord. */
  keyUp(code: string): boolean {
    this.down.delete(code);
    if (this.down.size > 0) return false;
    const release = this.armed && !this.spoiled;
    this.armed = false;
    this.spoiled = false;
    return release;
  }

  /** Forget every key (the screen lost the focus). */
  reset() {
    this.down.clear();
    this.armed = false;
    this.spoiled = false;
  }
}

/**
 * Whether the screen has the keyboard (the canvas has the focus), and the release chord that
 * gives it back. Call inside a component; `element` is read on mount.
 */
export function createKeyboardGrab(element: () => HTMLElement | undefined) {
  const [grabbed, setGrabbed] = createSignal(false);
  const chord = new ReleaseChord();
  onMount(() => {
    const el = element();
    if (!el) return;
    const focus = () => setGrabbed(true);
    const blur = () => {
      setGrabbed(false);
      chord.reset();
    };
    el.addEventListener("focus", focus);
    el.addEventListener("blur", blur);
    if (document.activeElement === el) setGrabbed(true);
    onCleanup(() => {
      el.removeEventListener("focus", focus);
      el.removeEventListener("blur", blur);
    });
  });
  return { grabbed, chord };
}
