import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConsoleScreenshotRequest, ConsoleToolsApi, ConsoleTypeTextRequest } from "../api";
import { ConsoleActions, NOTICE_MS } from "./ConsoleActions";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function fakeTools() {
  return {
    screenshot: vi.fn(async (_req: ConsoleScreenshotRequest) => ({
      path: "/home/ann/Pictures/Vireo/web-01-2026-11-05-101500.png",
    })),
    typeText: vi.fn(async (_req: ConsoleTypeTextRequest) => {}),
  } satisfies ConsoleToolsApi;
}

function setup(tools = fakeTools(), id: number | null = 7) {
  const onTyped = vi.fn();
  render(() => (
    <ConsoleActions consoleId={() => id} disabled={false} tools={tools} onTyped={onTyped} />
  ));
  return { tools, onTyped };
}

describe("ConsoleActions", () => {
  it("saves a screenshot and says where", async () => {
    const { tools } = setup();
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    expect(tools.screenshot).toHaveBeenCalledWith({ id: 7 });
    const notice = await screen.findByTestId("console-notice");
    expect(notice.textContent).toContain(
      "Saved to /home/ann/Pictures/Vireo/web-01-2026-11-05-101500.png",
    );
    expect(notice.getAttribute("role")).toBe("status");
  });

  it("lets the saved notice go after a while", async () => {
    vi.useFakeTimers();
    setup();
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.queryByTestId("console-notice")).not.toBeNull();
    await vi.advanceTimersByTimeAsync(NOTICE_MS + 1);
    expect(screen.queryByTestId("console-notice")).toBeNull();
  });

  it("shows why a screenshot failed until dismissed", async () => {
    const tools = fakeTools();
    tools.screenshot.mockRejectedValue({
      code: "unavailable",
      message: "cannot create the folder /home/ann/Pictures/Vireo: Not a directory",
    });
    setup(tools);
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toContain(
      "Could not save the screenshot: cannot create the folder /home/ann/Pictures/Vireo: Not a directory",
    );
    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("console-notice")).toBeNull();
  });

  it("does nothing while the console has no id", () => {
    const { tools } = setup(fakeTools(), null);
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    fireEvent.click(screen.getByRole("button", { name: "Type text…" }));
    expect(tools.screenshot).not.toHaveBeenCalled();
    expect(screen.queryByTestId("type-text-dialog")).toBeNull();
  });

  it("types text only from the dialog, then gives the keyboard back to the screen", async () => {
    const { tools, onTyped } = setup();
    expect(tools.typeText).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Type text…" }));
    const box = screen.getByLabelText("Text") as HTMLTextAreaElement;
    expect(document.activeElement).toBe(box);
    fireEvent.input(box, { target: { value: "echo hi\n" } });
    fireEvent.click(screen.getByRole("button", { name: "Type into the VM" }));
    await waitFor(() => expect(onTyped).toHaveBeenCalledTimes(1));
    expect(tools.typeText).toHaveBeenCalledWith({ id: 7, text: "echo hi\n" });
    expect(screen.queryByTestId("type-text-dialog")).toBeNull();
    expect(screen.getByTestId("console-notice").textContent).toContain("Typed 8 characters");
  });
});
