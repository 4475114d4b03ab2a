import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { ConsoleActions, NOTICE_MS } from "./ConsoleActions";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function setup(id: number | null = 7) {
  const { backend } = createFakeBackend();
  backend.consoleScreenshot.mockResolvedValue({
    path: "/home/ann/Pictures/Vireo/web-01-2026-11-05-101500.png",
  });
  const onTyped = vi.fn();
  renderWithBackend(
    () => <ConsoleActions consoleId={() => id} disabled={false} onTyped={onTyped} />,
    backend,
  );
  return { backend, onTyped };
}

describe("ConsoleActions", () => {
  it("saves a screenshot and says where", async () => {
    const { backend } = setup();
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    expect(backend.consoleScreenshot).toHaveBeenCalledWith({ id: 7 });
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
    const { backend } = setup();
    backend.consoleScreenshot.mockRejectedValue({
      code: "unavailable",
      message: "cannot create the folder /home/ann/Pictures/Vireo: Not a directory",
    });
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toContain(
      "Could not save the screenshot: cannot create the folder /home/ann/Pictures/Vireo: Not a directory",
    );
    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("console-notice")).toBeNull();
  });

  it("does nothing while the console has no id", () => {
    const { backend } = setup(null);
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    fireEvent.click(screen.getByRole("button", { name: "Type text…" }));
    expect(backend.consoleScreenshot).not.toHaveBeenCalled();
    expect(screen.queryByTestId("type-text-dialog")).toBeNull();
  });

  it("types text only from the dialog, then gives the keyboard back to the screen", async () => {
    const { backend, onTyped } = setup();
    expect(backend.consoleTypeText).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Type text…" }));
    const box = screen.getByLabelText("Text") as HTMLTextAreaElement;
    expect(document.activeElement).toBe(box);
    fireEvent.input(box, { target: { value: "echo hi\n" } });
    fireEvent.click(screen.getByRole("button", { name: "Type into the VM" }));
    await waitFor(() => expect(onTyped).toHaveBeenCalledTimes(1));
    expect(backend.consoleTypeText).toHaveBeenCalledWith({ id: 7, text: "echo hi\n" });
    expect(screen.queryByTestId("type-text-dialog")).toBeNull();
    expect(screen.getByTestId("console-notice").textContent).toContain("Typed 8 characters");
  });
});
