import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { SnapshotInfo } from "../../bindings/SnapshotInfo";
import type { VmSnapshots } from "../../bindings/VmSnapshots";
import { createFakeBackend, INTERNAL_SNAPSHOTS, renderWithBackend } from "../../testing";
import { makeDetails } from "../fixtures";
import { SnapshotsSection } from "./SnapshotsSection";
import { depth, descendants, suggestName } from "./tree";

const WEB = { connection: "system", uuid: "uuid-web" };

afterEach(() => cleanup());

function snap(name: string, parent: string | null, extra: Partial<SnapshotInfo> = {}) {
  return {
    name,
    description: "",
    created: 1_764_000_000,
    parent,
    current: false,
    hasMemory: false,
    state: "shutoff",
    mechanism: "internal",
    memorySize: null,
    ...extra,
  } satisfies SnapshotInfo;
}

const TREE: SnapshotInfo[] = [
  snap("base", null),
  snap("update", "base", { description: "before the <update>" }),
  snap("live", "update", {
    current: true,
    hasMemory: true,
    state: "running",
    memorySize: 180 * 2 ** 20,
  }),
];

function show(state: "running" | "paused" | "shut-off" | "saved", answer?: Partial<VmSnapshots>) {
  const fake = createFakeBackend();
  if (answer) {
    const base = {
      support: INTERNAL_SNAPSHOTS,
      snapshots: [],
    } satisfies VmSnapshots;
    fake.backend.vmSnapshots.mockResolvedValue({ ...base, ...answer });
  }
  const view = renderWithBackend(
    () => <SnapshotsSection vm={WEB} details={makeDetails("web", state)} />,
    fake.backend,
  );
  return { fake, view };
}

describe("the snapshot tree", () => {
  it("knows depths, what follows a snapshot, and a free name", () => {
    expect(TREE.map((s) => depth(TREE, s))).toEqual([0, 1, 2]);
    expect(descendants(TREE, TREE[0]).map((s) => s.name)).toEqual(["update", "live"]);
    expect(descendants(TREE, TREE[2])).toEqual([]);
    expect(depth(TREE, snap("orphan", "gone"))).toBe(0);
    expect(suggestName([snap("snapshot-2", null)])).toBe("snapshot-3");
    expect(suggestName([snap("snapshot-1", null)])).toBe("snapshot-2");
  });
});

describe("SnapshotsSection", () => {
  it("says why a VM can have none instead of offering a button", async () => {
    const { view } = show("shut-off", {
      support: {
        mechanism: null,
        reason: "disk vdb is raw: only qcow2 disks can hold snapshots",
        diskOnlyWhileRunning: false,
        libvirtVersion: "9.0.0",
      },
    });
    expect((await view.findByTestId("snapshots-unavailable")).textContent).toContain(
      "disk vdb is raw",
    );
    expect(view.queryByTestId("snapshot-submit")).toBeNull();
  });

  it("takes a running VM's snapshot with its memory and shows the new tree", async () => {
    const { fake, view } = show("running");
    expect((await view.findByTestId("vm-snapshots")).textContent).toContain(
      "reverting resumes it where it was",
    );
    expect(view.queryByTestId("snapshot-memory")).toBeNull();
    const name = (await view.findByTestId("snapshot-name")) as HTMLInputElement;
    expect(name.value).toBe("snapshot-1");
    fireEvent.input(name, { target: { value: "before update" } });
    fake.backend.vmSnapshots.mockResolvedValue({
      support: INTERNAL_SNAPSHOTS,
      snapshots: [snap("before update", null, { current: true, hasMemory: true })],
    });
    fireEvent.click(view.getByTestId("snapshot-submit"));
    await view.findByTestId("snapshot-row-before update");
    expect(fake.backend.vmSnapshotCreate).toHaveBeenCalledWith({
      vm: WEB,
      snapshot: { name: "before update", description: "", memory: true },
    });
  });

  it("keeps a paused VM's memory too", async () => {
    const { fake, view } = show("paused");
    fireEvent.click(await view.findByTestId("snapshot-submit"));
    await waitFor(() =>
      expect(fake.backend.vmSnapshotCreate).toHaveBeenCalledWith({
        vm: WEB,
        snapshot: { name: "snapshot-1", description: "", memory: true },
      }),
    );
  });

  it("lets a running VM skip its memory where the mechanism allows it", async () => {
    const { fake, view } = show("running", {
      support: {
        mechanism: "external",
        reason: null,
        diskOnlyWhileRunning: true,
        libvirtVersion: "10.0.0",
      },
    });
    const memory = (await view.findByTestId("snapshot-memory")) as HTMLInputElement;
    expect(view.getByTestId("snapshots-mechanism").textContent).toContain("external snapshots");
    fireEvent.click(memory);
    fireEvent.click(view.getByTestId("snapshot-submit"));
    await waitFor(() =>
      expect(fake.backend.vmSnapshotCreate).toHaveBeenCalledWith({
        vm: WEB,
        snapshot: { name: "snapshot-1", description: "", memory: false },
      }),
    );
  });

  it("shows a refusal at the form and keeps what was typed", async () => {
    const { fake, view } = show("shut-off");
    fake.backend.vmSnapshotCreate.mockRejectedValueOnce({
      code: "invalid-input",
      message: "this VM already has a snapshot called 'a'",
    });
    const name = (await view.findByTestId("snapshot-name")) as HTMLInputElement;
    fireEvent.input(name, { target: { value: "a" } });
    fireEvent.click(view.getByTestId("snapshot-submit"));
    expect((await view.findByTestId("snapshot-error")).textContent).toContain("already has");
    expect(name.value).toBe("a");
    expect(fake.backend.vmSnapshotCreate).toHaveBeenCalledWith({
      vm: WEB,
      snapshot: { name: "a", description: "", memory: false },
    });
  });

  it("draws the tree and reverts after saying what is lost", async () => {
    const { fake, view } = show("running", { snapshots: TREE });
    const live = await view.findByTestId("snapshot-row-live");
    expect(live.style.getPropertyValue("--depth")).toBe("2");
    expect(live.textContent).toContain("current");
    expect(live.textContent).toContain("with memory · 180 MiB");
    expect(view.getByTestId("snapshot-row-update").textContent).toContain("before the <update>");
    fireEvent.click(view.getByTestId("snapshot-revert-base"));
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("including its current running state");
    expect(dialog.textContent).toContain("then shut off");
    expect(fake.backend.vmSnapshotRevert).not.toHaveBeenCalled();
    fireEvent.click(dialog.querySelector('[data-confirm="snapshot-revert"]') as HTMLElement);
    await waitFor(() =>
      expect(fake.backend.vmSnapshotRevert).toHaveBeenCalledWith({ vm: WEB, name: "base" }),
    );
  });

  it("deletes one snapshot or it with the later ones", async () => {
    const { fake, view } = show("shut-off", { snapshots: TREE });
    fireEvent.click(await view.findByTestId("snapshot-delete-base"));
    let dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("2 later snapshots");
    fireEvent.click(dialog.querySelector('[data-confirm="snapshot-delete"]') as HTMLElement);
    await waitFor(() =>
      expect(fake.backend.vmSnapshotDelete).toHaveBeenLastCalledWith({
        vm: WEB,
        name: "base",
        which: "one",
      }),
    );
    fireEvent.click(await view.findByTestId("snapshot-delete-update"));
    dialog = await screen.findByTestId("confirm-dialog");
    fireEvent.click(
      dialog.querySelector('[data-confirm="snapshot-delete-children"]') as HTMLElement,
    );
    await waitFor(() =>
      expect(fake.backend.vmSnapshotDelete).toHaveBeenLastCalledWith({
        vm: WEB,
        name: "update",
        which: "with-children",
      }),
    );
    fireEvent.click(await view.findByTestId("snapshot-delete-live"));
    dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.querySelector('[data-confirm="snapshot-delete-children"]')).toBeNull();
  });

  it("edits a description", async () => {
    const { fake, view } = show("shut-off", { snapshots: TREE });
    fireEvent.click(await view.findByTestId("snapshot-describe-update"));
    const input = (await view.findByTestId(
      "snapshot-describe-input-update",
    )) as HTMLTextAreaElement;
    expect(input.value).toBe("before the <update>");
    fireEvent.input(input, { target: { value: "after" } });
    fireEvent.click(view.getByTestId("snapshot-describe-save-update"));
    await waitFor(() =>
      expect(fake.backend.vmSnapshotDescribe).toHaveBeenCalledWith({
        vm: WEB,
        name: "update",
        description: "after",
      }),
    );
  });

  it("says why the list could not be read, and reads it again on Try again", async () => {
    const fake = createFakeBackend();
    fake.backend.vmSnapshots.mockRejectedValueOnce({
      code: "unavailable",
      message: "libvirt is not running",
    });
    const view = renderWithBackend(
      () => <SnapshotsSection vm={WEB} details={makeDetails("web", "shut-off")} />,
      fake.backend,
    );
    expect((await view.findByTestId("snapshots-error")).textContent).toContain("not running");
    fireEvent.click(view.getByTestId("snapshots-retry"));
    await view.findByTestId("snapshot-submit");
    expect(view.queryByTestId("snapshots-error")).toBeNull();
  });

  it("follows the state table: a saved VM can neither snapshot nor revert", async () => {
    const { view } = show("saved", { snapshots: TREE });
    expect(((await view.findByTestId("snapshot-submit")) as HTMLButtonElement).disabled).toBe(true);
    expect((view.getByTestId("snapshot-revert-base") as HTMLButtonElement).disabled).toBe(true);
    expect((view.getByTestId("snapshot-delete-base") as HTMLButtonElement).disabled).toBe(true);
  });
});
