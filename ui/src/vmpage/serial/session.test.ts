import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { createFakeBackend } from "../../testing";
import { createSerialSession } from "./session";

const WEB = { connection: "system", uuid: "uuid-web" };

function start() {
  const fake = createFakeBackend();
  const written: string[] = [];
  const sink = { write: (d: Uint8Array) => written.push(new TextDecoder().decode(d)) };
  const session = createRoot(() => createSerialSession(fake.backend, WEB, sink));
  return { fake, session, written };
}

/** The session ended (and was closed in the backend); the VM runs again: a new session. */
async function endedThenBack({
  fake,
  session,
}: Pick<ReturnType<typeof start>, "fake" | "session">) {
  expect(session.state()).toEqual({ kind: "closed", reason: "the VM stopped" });
  expect(fake.backend.serialClose).toHaveBeenCalledWith(1);
  fake.backend.serialOpen.mockResolvedValueOnce({ id: 2 });
  session.vmRunning(true);
  await new Promise((r) => setTimeout(r, 0));
  expect(session.state()).toEqual({ kind: "open", id: 2 });
}

describe("createSerialSession", () => {
  it("opens, shows only its own session's output, and sends what is typed", async () => {
    const { fake, session, written } = start();
    await session.open();
    expect(fake.backend.serialOpen).toHaveBeenCalledWith({ vm: WEB, takeOver: false });
    expect(session.state()).toEqual({ kind: "open", id: 1 });
    fake.emit("serial", { kind: "output", id: 1, data: [104, 105] });
    fake.emit("serial", { kind: "output", id: 2, data: [120] });
    expect(written).toEqual(["hi"]);
    await session.send("ls\r");
    expect(fake.backend.serialSend).toHaveBeenCalledWith({ id: 1, data: "ls\r" });
  });

  it("a session that ends is closed in the backend and comes back when the VM runs", async () => {
    const { fake, session } = start();
    await session.open();
    fake.emit("serial", { kind: "closed", id: 1, reason: null });
    await endedThenBack({ fake, session });
  });

  it("the VM stopping ends the session even when the stream's end is not heard", async () => {
    const { fake, session } = start();
    await session.open();
    session.vmRunning(false);
    await endedThenBack({ fake, session });
  });

  it("a refusal because another client holds the console offers taking over", async () => {
    const { fake, session } = start();
    fake.backend.serialOpen.mockRejectedValueOnce({
      code: "invalid-input",
      message:
        "another program has web's serial console open: close it there, or take the console over",
    });
    await session.open();
    expect(session.state()).toMatchObject({ kind: "refused", canTakeOver: true });
    await session.open(true);
    expect(fake.backend.serialOpen).toHaveBeenLastCalledWith({ vm: WEB, takeOver: true });
    expect(session.state().kind).toBe("open");
  });

  it("a closed-by-the-user console stays closed, and nothing is sent without a session", async () => {
    const { fake, session } = start();
    await session.send("x");
    expect(fake.backend.serialSend).not.toHaveBeenCalled();
    await session.open();
    session.close();
    expect(fake.backend.serialClose).toHaveBeenCalledWith(1);
    session.vmRunning(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(fake.backend.serialOpen).toHaveBeenCalledTimes(1);
  });
});
