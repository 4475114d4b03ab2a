import { describe, expect, it } from "vitest";
import type { VmSummary } from "../bindings/VmSummary";
import { makeVm } from "./fixtures";
import { ariaSort, filterAndSort, matchesFilter, type SortSpec, toggleSort } from "./sort";

const GIB = 1024 ** 3;
const vms: Record<string, VmSummary> = {
  a: makeVm("web-10", "running", { vcpus: 4, memory: 4 * GIB, os: "Debian 12" }),
  b: makeVm("web-2", "shut-off", { vcpus: 1, memory: 1 * GIB, os: null }),
  c: makeVm("Database", "paused", { vcpus: 8, memory: 16 * GIB, os: "Alpine 3.20" }),
  d: makeVm("backup", "crashed", { vcpus: 2, memory: 2 * GIB, os: "Windows 11" }),
  e: makeVm("WEB-admin", "running", { vcpus: 2, memory: 2 * GIB, os: "Debian 12" }),
};
const keys = Object.keys(vms);
const names = (list: string[]) => list.map((key) => vms[key].name);
const run = (query: string, sort: SortSpec) =>
  names(filterAndSort(keys, (key) => vms[key], query, sort));

describe("matchesFilter", () => {
  it("is a case-insensitive substring match, blank matches all", () => {
    expect(matchesFilter("Web-Admin", "admin")).toBe(true);
    expect(matchesFilter("Web-Admin", "WEB-A")).toBe(true);
    expect(matchesFilter("Web-Admin", "db")).toBe(false);
    expect(matchesFilter("anything", "   ")).toBe(true);
    expect(matchesFilter("web-01", " web ")).toBe(true);
  });
});

describe("filterAndSort", () => {
  it("sorts by name, numbers numerically and case-insensitively, both ways", () => {
    expect(run("", { column: "name", direction: "asc" })).toEqual([
      "backup",
      "Database",
      "web-2",
      "web-10",
      "WEB-admin",
    ]);
    expect(run("", { column: "name", direction: "desc" })).toEqual([
      "WEB-admin",
      "web-10",
      "web-2",
      "Database",
      "backup",
    ]);
  });

  it("filters before sorting", () => {
    expect(run("web", { column: "memory", direction: "desc" })).toEqual([
      "web-10",
      "WEB-admin",
      "web-2",
    ]);
    expect(run("nothing", { column: "name", direction: "asc" })).toEqual([]);
  });

  it("sorts by memory and vCPUs, ties by name", () => {
    expect(run("", { column: "memory", direction: "asc" })).toEqual([
      "web-2",
      "backup",
      "WEB-admin",
      "web-10",
      "Database",
    ]);
    expect(run("", { column: "vcpus", direction: "desc" })).toEqual([
      "Database",
      "web-10",
      "backup",
      "WEB-admin",
      "web-2",
    ]);
  });

  it("sorts by state: attention first, then running, stopped last", () => {
    expect(run("", { column: "state", direction: "asc" })).toEqual([
      "backup",
      "web-10",
      "WEB-admin",
      "Database",
      "web-2",
    ]);
    expect(run("", { column: "state", direction: "desc" })[0]).toBe("web-2");
  });

  it("sorts by OS with unknown OSes last either way", () => {
    expect(run("", { column: "os", direction: "asc" })).toEqual([
      "Database",
      "web-10",
      "WEB-admin",
      "backup",
      "web-2",
    ]);
    expect(run("", { column: "os", direction: "desc" })).toEqual([
      "backup",
      "web-10",
      "WEB-admin",
      "Database",
      "web-2",
    ]);
  });

  it("skips keys that have no VM", () => {
    expect(
      filterAndSort(["a", "gone"], (key) => vms[key], "", { column: "name", direction: "asc" }),
    ).toEqual(["a"]);
  });
});

describe("toggleSort / ariaSort", () => {
  it("a new column sorts ascending, the same column flips", () => {
    const byName: SortSpec = { column: "name", direction: "asc" };
    const desc = toggleSort(byName, "name");
    expect(desc).toEqual({ column: "name", direction: "desc" });
    expect(toggleSort(desc, "name")).toEqual(byName);
    expect(toggleSort(desc, "memory")).toEqual({ column: "memory", direction: "asc" });
    expect(ariaSort(desc, "name")).toBe("descending");
    expect(ariaSort(byName, "name")).toBe("ascending");
    expect(ariaSort(byName, "memory")).toBe("none");
  });
});
