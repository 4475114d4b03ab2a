import { createSignal } from "solid-js";
import { toApiError } from "../backend";
import type { Code } from "../bindings/Code";

export interface Notice {
  id: number;
  title: string;
  code: Code;
  message: string | null;
  /** One line per VM, for bulk failures. */
  details: string[];
}

const MAX_NOTICES = 3;

/** The errors of actions, newest last, the oldest dropped beyond three. */
export function createNotices() {
  const [notices, setNotices] = createSignal<Notice[]>([]);
  let noticeId = 0;

  function pushNotice(notice: Omit<Notice, "id">) {
    noticeId += 1;
    setNotices((list) => [...list.slice(-(MAX_NOTICES - 1)), { ...notice, id: noticeId }]);
  }

  function notify(title: string, error: unknown) {
    const err = toApiError(error);
    pushNotice({ title, code: err.code, message: err.message, details: [] });
  }

  function dismiss(id: number) {
    setNotices((list) => list.filter((n) => n.id !== id));
  }

  return { notices, pushNotice, notify, dismiss };
}

export type Notices = ReturnType<typeof createNotices>;
