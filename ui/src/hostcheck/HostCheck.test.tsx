import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiError } from "../bindings/ApiError";
import type { HostReport } from "../bindings/HostReport";
import { createFakeBackend, renderWithBackend } from "../testing";
import { cannotRunReport, kvmReport, pvmReport } from "./fixtures";
import { HostCheck } from "./HostCheck";

afterEach(cleanup);

/** A promise the test settles by hand, to observe the loading state. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Renders the view over a fake backend whose `checkHost` is `check`. */
function renderCheck(check: () => Promise<HostReport>) {
  const fake = createFakeBackend();
  fake.backend.checkHost.mockImplementation(check);
  return renderWithBackend(() => <HostCheck />, fake.backend);
}

function finding(container: HTMLElement, id: string): HTMLElement {
  const el = container.querySelector<HTMLElement>(`[data-finding-id="${id}"]`);
  if (!el) throw new Error(`no finding ${id}`);
  return el;
}

describe("HostCheck", () => {
  it("shows the loading state, then the report", async () => {
    const pending = deferred<HostReport>();
    const { container } = renderCheck(() => pending.promise);
    expect(screen.getByTestId("host-check")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Checking this host…");
    expect(screen.queryByTestId("verdict")).toBeNull();
    const button = screen.getByRole("button") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.textContent).toContain("Checking…");

    pending.resolve(pvmReport);
    const verdict = await screen.findByTestId("verdict");
    expect(screen.queryByRole("status")).toBeNull();
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe("Check again");

    expect(verdict.getAttribute("aria-live")).toBe("polite");
    expect(verdict.dataset.tone).toBe("limited");
    expect(verdict.textContent).toContain("Ready — emulation only");
    expect(verdict.textContent).toContain(pvmReport.verdict.summary);
    expect(verdict.textContent).toContain("QEMU emulation (TCG)");
    expect(verdict.textContent).toContain("checked in 7 ms");

    const rows = container.querySelectorAll("li[data-finding-id]");
    expect(rows).toHaveLength(pvmReport.findings.length);
    expect([...rows].map((r) => r.getAttribute("data-finding-id"))).toEqual(
      pvmReport.findings.map((f) => f.id),
    );

    const kvm = finding(container, "kvm");
    expect(kvm.dataset.status).toBe("warning");
    expect(kvm.textContent).toContain("KVM");
    expect(kvm.textContent).toContain("provided by kvm_pvm");
    expect(kvm.textContent).toContain("Warning");
    expect(kvm.querySelector(".finding-fix")?.textContent).toBe(
      "Fix: For full speed run Vireo on a machine with Intel VT-x or AMD-V and the kvm_intel or kvm_amd module.",
    );

    const libvirt = finding(container, "libvirt-system");
    expect(libvirt.dataset.status).toBe("ok");
    expect(libvirt.textContent).toContain("libvirt (system)");
    expect(libvirt.textContent).toContain("qemu:///system is reachable");
    expect(libvirt.querySelector(".finding-fix")).toBeNull();

    expect(screen.getByTestId("findings-summary").textContent).toBe("2 warnings, 0 errors");
  });

  it("shows resources in binary units, and the pool only when known", async () => {
    const { container, unmount } = renderCheck(async () => pvmReport);
    await screen.findByTestId("verdict");
    const text = (id: string) =>
      container.querySelector(`[data-resource="${id}"] dd`)?.textContent ?? null;
    expect(text("cpu-threads")).toBe("2");
    expect(text("total-memory")).toBe("23.5 GiB");
    expect(text("available-memory")).toBe("22.4 GiB");
    expect(text("pool-free")).toBeNull();
    unmount();

    const second = renderCheck(async () => kvmReport);
    const verdict = await screen.findByTestId("verdict");
    expect(verdict.dataset.tone).toBe("good");
    expect(verdict.textContent).toContain("Ready");
    expect(verdict.textContent).toContain("KVM hardware acceleration");
    expect(second.container.querySelector('[data-resource="pool-free"] dd')?.textContent).toBe(
      "412.3 GiB",
    );
  });

  it("shows a red verdict when VMs cannot run", async () => {
    renderCheck(async () => cannotRunReport);
    const verdict = await screen.findByTestId("verdict");
    expect(verdict.dataset.tone).toBe("bad");
    expect(verdict.querySelector("h2")?.textContent).toBe("VMs cannot run");
    expect(screen.getByTestId("findings-summary").textContent).toBe("0 warnings, 2 errors");
  });

  it("shows an error banner with a hint when the check is rejected", async () => {
    const error: ApiError = {
      code: "permission-denied",
      message: "Cannot open qemu:///system: permission denied",
    };
    renderCheck(() => Promise.reject(error));
    const banner = await screen.findByRole("alert");
    expect(banner.dataset.code).toBe("permission-denied");
    expect(banner.textContent).toContain("Cannot open qemu:///system: permission denied");
    expect(banner.textContent).toContain("Check your group membership");
    expect(screen.queryByTestId("verdict")).toBeNull();
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("treats a non-ApiError rejection as internal", async () => {
    renderCheck(() => Promise.reject(new Error("IPC is gone")));
    const banner = await screen.findByRole("alert");
    expect(banner.dataset.code).toBe("internal");
    expect(banner.textContent).toContain("IPC is gone");
    expect(banner.textContent).toContain("This is a bug; please report it");
  });

  it("runs the check again on demand and replaces the result", async () => {
    const fake = createFakeBackend();
    const check = fake.backend.checkHost
      .mockRejectedValueOnce({ code: "unavailable", message: "libvirtd is not running" })
      .mockResolvedValueOnce(pvmReport)
      .mockResolvedValueOnce(kvmReport);
    renderWithBackend(() => <HostCheck />, fake.backend);
    const root = screen.getByTestId("host-check");
    expect(root.dataset.checkCount).toBe("0");
    await screen.findByRole("alert");
    expect(screen.getByRole("alert").textContent).toContain("Is libvirtd running?");
    expect(check).toHaveBeenCalledTimes(1);
    expect(root.dataset.checkCount).toBe("1");

    const button = screen.getByRole("button", { name: "Check again" });
    fireEvent.click(button);
    expect(check).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(screen.getByTestId("verdict").dataset.tone).toBe("limited"));
    expect(screen.queryByRole("alert")).toBeNull();

    fireEvent.click(button);
    expect(check).toHaveBeenCalledTimes(3);
    await waitFor(() => expect(screen.getByTestId("verdict").dataset.tone).toBe("good"));
    expect(root.dataset.checkCount).toBe("3");
  });

  it("ignores clicks while a check is running", async () => {
    const pending = deferred<HostReport>();
    const fake = createFakeBackend();
    const check = fake.backend.checkHost.mockImplementation(() => pending.promise);
    renderWithBackend(() => <HostCheck />, fake.backend);
    const button = screen.getByRole("button");
    fireEvent.click(button);
    fireEvent.click(button);
    expect(check).toHaveBeenCalledTimes(1);
    pending.resolve(kvmReport);
    await screen.findByTestId("verdict");
  });
});
