import { describe, expect, it } from "vitest";
import type { HostReport } from "../bindings/HostReport";
import { cannotRunReport, kvmReport, pvmReport } from "./fixtures";
import { acceleratorLabel, classifyVerdict, findingsSummary } from "./verdict";

function withVerdict(report: HostReport, verdict: Partial<HostReport["verdict"]>): HostReport {
  return { ...report, verdict: { ...report.verdict, ...verdict } };
}

describe("classifyVerdict", () => {
  it("is good with KVM", () => {
    expect(classifyVerdict(kvmReport)).toEqual({ tone: "good", heading: "Ready" });
  });

  it("is good with the other hardware accelerators", () => {
    for (const accelerator of ["hvf", "whpx"] as const) {
      expect(classifyVerdict(withVerdict(kvmReport, { accelerator }))).toEqual({
        tone: "good",
        heading: "Ready",
      });
    }
  });

  it("is limited with TCG", () => {
    expect(classifyVerdict(pvmReport)).toEqual({
      tone: "limited",
      heading: "Ready — emulation only",
    });
  });

  it("is bad when VMs cannot run", () => {
    expect(classifyVerdict(cannotRunReport)).toEqual({ tone: "bad", heading: "VMs cannot run" });
    // canRunVms wins over the accelerator.
    expect(classifyVerdict(withVerdict(kvmReport, { canRunVms: false })).tone).toBe("bad");
  });
});

describe("acceleratorLabel", () => {
  it("names accelerators in words", () => {
    expect(acceleratorLabel("kvm")).toBe("KVM hardware acceleration");
    expect(acceleratorLabel("tcg")).toBe("QEMU emulation (TCG)");
  });
});

describe("findingsSummary", () => {
  it("counts warnings and errors", () => {
    expect(findingsSummary(pvmReport.findings)).toBe("2 warnings, 0 errors");
    expect(findingsSummary(kvmReport.findings)).toBe("0 warnings, 0 errors");
    expect(findingsSummary(cannotRunReport.findings)).toBe("0 warnings, 2 errors");
  });
});
