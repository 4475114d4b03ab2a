import { describe, expect, it } from "vitest";
import { ReleaseChord } from "./grab";

/** Plays `keys` ("+Code" down, "-Code" up); returns the indexes at which the chord released. */
function play(keys: string[]): number[] {
  const chord = new ReleaseChord();
  const released: number[] = [];
  keys.forEach((key, i) => {
    const code = key.slice(1);
    if (key.startsWith("+")) chord.keyDown(code);
    else if (chord.keyUp(code)) released.push(i);
  });
  return released;
}

describe("ReleaseChord", () => {
  it("releases on left Ctrl+Alt pressed and released alone, in either order", () => {
    expect(play(["+ControlLeft", "+AltLeft", "-AltLeft", "-ControlLeft"])).toEqual([3]);
    expect(play(["+AltLeft", "+ControlLeft", "-AltLeft", "-ControlLeft"])).toEqual([3]);
    expect(play(["+ControlLeft", "+AltLeft", "-ControlLeft", "-AltLeft"])).toEqual([3]);
  });

  it("does not release for chords that use Ctrl+Alt", () => {
    expect(play(["+ControlLeft", "+AltLeft", "+F2", "-F2", "-AltLeft", "-ControlLeft"])).toEqual(
      [],
    );
    expect(
      play(["+ControlLeft", "+AltLeft", "+Delete", "-Delete", "-AltLeft", "-ControlLeft"]),
    ).toEqual([]);
    // The other key released after Ctrl and Alt: still a chord, not a release.
    expect(
      play(["+ControlLeft", "+AltLeft", "+KeyT", "-ControlLeft", "-AltLeft", "-KeyT"]),
    ).toEqual([]);
  });

  it("does not release for Ctrl or Alt alone, or the right-hand keys", () => {
    expect(play(["+ControlLeft", "-ControlLeft"])).toEqual([]);
    expect(play(["+AltLeft", "-AltLeft"])).toEqual([]);
    expect(play(["+ControlRight", "+AltRight", "-AltRight", "-ControlRight"])).toEqual([]);
    expect(play(["+ControlLeft", "+AltRight", "-AltRight", "-ControlLeft"])).toEqual([]);
  });

  it("does not release when Ctrl+Alt join a key already held", () => {
    expect(
      play(["+ShiftLeft", "+ControlLeft", "+AltLeft", "-AltLeft", "-ControlLeft", "-ShiftLeft"]),
    ).toEqual([]);
  });

  it("works again after a spoiled chord, and with auto-repeat", () => {
    expect(
      play([
        "+ControlLeft",
        "+AltLeft",
        "+F1",
        "-F1",
        "-AltLeft",
        "-ControlLeft",
        "+ControlLeft",
        "+ControlLeft",
        "+AltLeft",
        "+AltLeft",
        "-AltLeft",
        "-ControlLeft",
      ]),
    ).toEqual([11]);
  });

  it("forgets held keys on reset", () => {
    const chord = new ReleaseChord();
    chord.keyDown("KeyA");
    chord.reset();
    chord.keyDown("ControlLeft");
    chord.keyDown("AltLeft");
    expect(chord.keyUp("AltLeft")).toBe(false);
    expect(chord.keyUp("ControlLeft")).toBe(true);
  });
});
