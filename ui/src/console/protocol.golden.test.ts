import { describe, expect, it } from "vitest";
import { decodeRect, parseConsoleMessage } from "./protocol";
// Written by the Rust encoder (crates/vireo-api/src/console/stream.rs,
// `golden_frames_for_the_page_are_current`): the page must decode what the backend really sends.
import golden from "./testdata/frames.golden.json";

interface GoldenFrame {
  name: string;
  width: number;
  height: number;
  /** Each message of the frame, hex: FRAME_PARTs, then the FRAME. */
  messages: string[];
  /** The screen the frame came from, RGBA, hex. */
  rgba: string;
}

function bytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

describe("frames from the Rust encoder", () => {
  const frames = golden as GoldenFrame[];

  it("cover every rect encoding and a frame in parts", () => {
    expect(frames.length).toBeGreaterThanOrEqual(5);
    expect(frames.some((f) => f.messages.length > 1)).toBe(true);
  });

  for (const frame of frames) {
    it(`decode to the screen they came from: ${frame.name}`, () => {
      const screen = new Uint32Array(frame.width * frame.height);
      frame.messages.forEach((hex, i) => {
        const buf = bytes(hex).buffer as ArrayBuffer;
        const message = parseConsoleMessage(buf);
        if (message.kind !== "frame") throw new Error(`message ${i} is a ${message.kind}`);
        expect([message.width, message.height]).toEqual([frame.width, frame.height]);
        expect(message.end).toBe(i === frame.messages.length - 1);
        for (const rect of message.rects) {
          decodeRect(buf, rect, screen, frame.width, frame.height);
        }
      });
      const painted = new Uint8Array(screen.buffer);
      expect(painted).toEqual(bytes(frame.rgba));
    });
  }
});
