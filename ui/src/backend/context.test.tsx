import { cleanup, render } from "@solidjs/testing-library";
import type { JSX } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";

// The real IPC, watched: a component without a provider must not reach it.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  isTauri: () => false,
}));
const listen = vi.fn();
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listen(...args) }));

const { App } = await import("../App");
const { ConsoleActions } = await import("../console/ConsoleActions");
const { HostCheck } = await import("../hostcheck/HostCheck");
const { Machines } = await import("../machines/Machines");
const { createFakeBackend, renderWithBackend } = await import("../testing");
const { useBackend } = await import("./context");

afterEach(cleanup);

describe("the Backend context", () => {
  const withoutProvider: [string, () => JSX.Element][] = [
    ["App", () => <App />],
    ["Machines", () => <Machines />],
    ["HostCheck", () => <HostCheck />],
    ["ConsoleActions", () => <ConsoleActions consoleId={() => 7} disabled={false} />],
  ];

  it.each(withoutProvider)("%s without a BackendProvider throws, and calls no IPC", (_, ui) => {
    expect(() => render(ui)).toThrow(/no BackendProvider/);
    expect(invoke).not.toHaveBeenCalled();
    expect(listen).not.toHaveBeenCalled();
  });

  it("gives the provided backend", () => {
    const fake = createFakeBackend();
    let got: unknown;
    function Probe() {
      got = useBackend();
      return null;
    }
    renderWithBackend(() => <Probe />, fake.backend);
    expect(got).toBe(fake.backend);
  });
});
