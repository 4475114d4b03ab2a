import type { Status } from "../bindings/Status";
import { StatusIcon } from "../shared/icons";
import type { Tone } from "./verdict";

const TONE_STATUS: Record<Tone, Status> = { good: "ok", limited: "warning", bad: "error" };

/** The verdict's tone as its status glyph. */
export function ToneIcon(props: { tone: Tone }) {
  return <StatusIcon status={TONE_STATUS[props.tone]} />;
}
