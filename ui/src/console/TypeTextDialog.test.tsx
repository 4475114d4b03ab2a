import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConsoleTypeTextRequest } from "../bindings/ConsoleTypeTextRequest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { MAX_TYPED_CHARS, TypeTextDialog } from "./TypeTextDialog";

afterEach(cleanup);

/** Renders the dialog over a fake backend; `typeText` answers its `consoleTypeText`. */
function setup(typeText?: (req: ConsoleTypeTextRequest) => Promise<void>) {
  const { backend } = createFakeBackend();
  if (typeText) backend.consoleTypeText.mockImplementation(typeText);
  const onTyped = vi.fn();
  const onClose = vi.fn();
  renderWithBackend(
    () => <TypeTextDialog consoleId={3} onTyped={onTyped} onClose={onClose} />,
    backend,
  );
  const box = screen.getByLabelText("Text") as HTMLTextAreaElement;
  const submit = screen.getByRole("button", { name: "Type into the VM" }) as HTMLButtonElement;
  return { typeText: backend.consoleTypeText, onTyped, onClose, box, submit };
}

describe("TypeTextDialog", () => {
  it("is an accessible dialog that says which keyboard it types with", () => {
    const { box, submit } = setup();
    const dialog = screen.getByRole("dialog", { name: "Type text into the VM" });
    expect(dialog.textContent).toContain("US keyboard");
    expect(document.activeElement).toBe(box);
    expect(submit.disabled).toBe(true); // nothing to type yet
  });

  it("types the text as written, newlines included", async () => {
    const { typeText, onTyped, box, submit } = setup();
    fireEvent.input(box, { target: { value: "ls -l /\nexit\n" } });
    expect(submit.disabled).toBe(false);
    fireEvent.click(submit);
    await waitFor(() => expect(onTyped).toHaveBeenCalledWith(13));
    expect(typeText).toHaveBeenCalledWith({ id: 3, text: "ls -l /\nexit\n" });
  });

  it("types with Ctrl+Enter; Enter alone is a newline", async () => {
    const { typeText, box } = setup();
    fireEvent.input(box, { target: { value: "whoami" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(typeText).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(typeText).toHaveBeenCalledWith({ id: 3, text: "whoami" }));
  });

  it("counts characters and refuses more than the limit", () => {
    const { typeText, box, submit } = setup();
    fireEvent.input(box, { target: { value: "é".repeat(MAX_TYPED_CHARS) } });
    expect(screen.getByText(/4096 \/ 4096 characters/)).toBeTruthy();
    expect(submit.disabled).toBe(false);
    fireEvent.input(box, { target: { value: "a".repeat(MAX_TYPED_CHARS + 1) } });
    expect(screen.getByText(/4097 \/ 4096 characters/).textContent).toContain("too long");
    expect(box.getAttribute("aria-invalid")).toBe("true");
    expect(submit.disabled).toBe(true);
    fireEvent.click(submit);
    expect(typeText).not.toHaveBeenCalled();
  });

  it("shows the backend's refusal and keeps the text", async () => {
    const typeText = vi.fn(async (_req: ConsoleTypeTextRequest) => {
      throw {
        code: "invalid-input",
        message: "cannot type this text: '€' (U+20AC, character 7) has no key on a US keyboard",
      };
    });
    const { onTyped, box, submit } = setup(typeText);
    fireEvent.input(box, { target: { value: "echo 5€" } });
    fireEvent.click(submit);
    const error = await screen.findByTestId("type-text-error");
    expect(error.textContent).toContain("'€' (U+20AC, character 7) has no key on a US keyboard");
    expect(box.value).toBe("echo 5€");
    expect(submit.disabled).toBe(false);
    expect(onTyped).not.toHaveBeenCalled();
  });

  it("shows progress while typing, and cannot be closed meanwhile", async () => {
    let finish: (() => void) | undefined;
    const typeText = vi.fn(
      (_req: ConsoleTypeTextRequest) =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    const { onClose, onTyped, box, submit } = setup(typeText);
    fireEvent.input(box, { target: { value: "x" } });
    fireEvent.click(submit);
    await waitFor(() => expect(submit.textContent).toContain("Typing…"));
    expect(submit.disabled).toBe(true);
    fireEvent.keyDown(box, { key: "Escape" });
    expect(onClose).not.toHaveBeenCalled();
    finish?.();
    await waitFor(() => expect(onTyped).toHaveBeenCalledWith(1));
  });

  it("closes on Cancel and Escape without typing", () => {
    const { typeText, onClose, box } = setup();
    fireEvent.input(box, { target: { value: "rm -rf /" } });
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    fireEvent.keyDown(box, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(typeText).not.toHaveBeenCalled();
  });
});
