import { describe, expect, it } from "vitest";
import { fedora, genericLinux, sampleDefaults, win11 } from "../testing";
import {
  applyDefaults,
  buildCreateRequest,
  defaultNetwork,
  initialState,
  parseWhole,
  pinGeneric,
  resourceWarnings,
  validateName,
  validatePath,
  validateResources,
  type WizardState,
  withFirmware,
} from "./state";

function filled(extra: Partial<WizardState> = {}): WizardState {
  return {
    ...applyDefaults(
      { ...initialState("system", "qemu:///system"), sourceKind: "empty", os: genericLinux },
      sampleDefaults,
    ),
    ...extra,
  };
}

describe("validateName", () => {
  it("accepts 1–64 characters of [A-Za-z0-9._-]", () => {
    expect(validateName("a")).toBeNull();
    expect(validateName("web-01.test_2")).toBeNull();
    expect(validateName("x".repeat(64))).toBeNull();
  });
  it("rejects empty, too long, bad characters and a leading dot or dash", () => {
    expect(validateName("")).toMatch(/Enter a name/);
    expect(validateName("x".repeat(65))).toMatch(/64/);
    expect(validateName("my vm")).toMatch(/letters/);
    expect(validateName("vm/1")).toMatch(/letters/);
    expect(validateName("é")).toMatch(/letters/);
    expect(validateName(".hidden")).toMatch(/start/);
    expect(validateName("-x")).toMatch(/start/);
  });
});

describe("parseWhole", () => {
  it("parses whole numbers only", () => {
    expect(parseWhole(" 42 ")).toBe(42);
    expect(parseWhole("0")).toBe(0);
    expect(parseWhole("")).toBeNull();
    expect(parseWhole("1.5")).toBeNull();
    expect(parseWhole("-1")).toBeNull();
    expect(parseWhole("1e3")).toBeNull();
  });
});

describe("validation", () => {
  it("needs a full path for import and ISO, none for an empty VM", () => {
    const s = initialState("system", "qemu:///system");
    expect(validatePath({ ...s, sourceKind: "empty" })).toBeNull();
    expect(validatePath({ ...s, sourceKind: "iso", path: "  " })).toMatch(/full path/);
    expect(validatePath({ ...s, sourceKind: "import", path: "disk.qcow2" })).toMatch(/starting/);
    expect(validatePath({ ...s, sourceKind: "import", path: "/d.qcow2" })).toBeNull();
  });

  it("opens on importing an image", () => {
    expect(initialState("system", "qemu:///system").sourceKind).toBe("import");
  });

  it("checks memory ≥ 64 MiB (nothing starts in less)", () => {
    expect(validateResources(filled({ memory: "1" })).memory).toMatch(/at least 64/);
    expect(validateResources(filled({ memory: "63" })).memory).toBeDefined();
    expect(validateResources(filled({ memory: "64" })).memory).toBeUndefined();
  });

  it("warns below the OS's own minimum", () => {
    const w = resourceWarnings(filled({ os: win11, memory: "2048" }), sampleDefaults);
    expect(w.memory).toMatch(/Less than the 4096 MiB Windows 11 needs at least/);
    expect(resourceWarnings(filled({ os: win11, memory: "4096" }), sampleDefaults)).toEqual({});
  });

  it("checks memory ≥ 1, vCPUs ≥ 1 and disk 1..65536 GiB", () => {
    expect(validateResources(filled())).toEqual({});
    const bad = validateResources(filled({ memory: "0", vcpus: "", disk: "65537" }));
    expect(Object.keys(bad).sort()).toEqual(["disk", "memory", "vcpus"]);
    expect(validateResources(filled({ disk: "65536" }))).toEqual({});
    expect(validateResources(filled({ disk: "0" })).disk).toBeDefined();
  });

  it("ignores the disk size for an import", () => {
    expect(validateResources(filled({ sourceKind: "import", path: "/x", disk: "" }))).toEqual({});
  });

  it("warns about over-commit", () => {
    expect(resourceWarnings(filled({ memory: "8192", vcpus: "8" }), sampleDefaults)).toEqual({});
    const w = resourceWarnings(filled({ memory: "8193", vcpus: "9" }), sampleDefaults);
    expect(w.memory).toMatch(/over-commit/);
    expect(w.vcpus).toMatch(/over-commit/);
  });
});

describe("defaults", () => {
  it("NAT for system connections, user-mode for session ones", () => {
    expect(defaultNetwork("qemu:///system")).toBe("nat");
    expect(defaultNetwork("qemu+ssh://root@lab/system")).toBe("nat");
    expect(defaultNetwork("qemu:///session")).toBe("user");
    expect(defaultNetwork("qemu+ssh://me@lab/session?no_tty=1")).toBe("user");
  });

  it("fills name, resources and firmware; no disk size for an import", () => {
    const s = filled();
    expect(s).toMatchObject({ name: "linux-1", memory: "2048", vcpus: "2", disk: "20" });
    const imported = applyDefaults(
      { ...initialState("system", "qemu:///system"), sourceKind: "import" },
      sampleDefaults,
    );
    expect(imported.disk).toBe("");
  });

  it("forces UEFI for an OS that requires it, and a TPM only with UEFI and swtpm", () => {
    const s = applyDefaults(
      { ...initialState("system", "qemu:///system"), os: win11 },
      { ...sampleDefaults, tpm: true },
    );
    expect(s.firmware).toBe("uefi");
    expect(s.tpm).toBe(true);
    expect(withFirmware(s, "bios", sampleDefaults).tpm).toBe(false);
    const noSwtpm = applyDefaults(
      { ...initialState("system", "qemu:///system"), os: win11 },
      { ...sampleDefaults, tpm: true, swtpm: false },
    );
    expect(noSwtpm.tpm).toBe(false);
  });

  it("pins the generic choices first, keeping the backend's order otherwise", () => {
    expect(pinGeneric([fedora, genericLinux, win11]).map((o) => o.id)).toEqual([
      "generic-linux",
      "fedora41",
      "win11",
    ]);
  });
});

describe("buildCreateRequest", () => {
  it("builds an empty VM", () => {
    expect(buildCreateRequest(filled(), true)).toEqual({
      connection: "system",
      request: {
        name: "linux-1",
        source: { kind: "empty", diskGib: 20 },
        osId: "generic-linux",
        memoryMib: 2048,
        vcpus: 2,
        pool: "default",
        firmware: "bios",
        tpm: false,
        network: "nat",
        setupNetwork: true,
        virtio: true,
        start: true,
        serialLog: null,
        acknowledged: [],
      },
    });
  });

  it("builds imports and ISO installs; trims; no setupNetwork without NAT", () => {
    const imported = buildCreateRequest(
      filled({ sourceKind: "import", path: " /img/a.qcow2 ", mode: "copy", network: "user" }),
      false,
    );
    expect(imported.request.source).toEqual({ kind: "import", path: "/img/a.qcow2", mode: "copy" });
    expect(imported.request.setupNetwork).toBe(false);
    expect(imported.request.start).toBe(false);
    const iso = buildCreateRequest(filled({ sourceKind: "iso", path: "/i.iso", pool: " " }), true);
    expect(iso.request.source).toEqual({ kind: "iso", path: "/i.iso", diskGib: 20 });
    expect(iso.request.pool).toBeNull();
  });
});
