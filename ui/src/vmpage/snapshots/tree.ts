import type { SnapshotInfo } from "../../bindings/SnapshotInfo";

/** How deep `snap` sits in the tree (0 for a root); a broken parent link counts as a root. */
export function depth(all: readonly SnapshotInfo[], snap: SnapshotInfo): number {
  let d = 0;
  let parent = snap.parent;
  while (parent !== null && d <= all.length) {
    const up = all.find((s) => s.name === parent);
    if (!up) break;
    d += 1;
    parent = up.parent;
  }
  return d;
}

/** Every snapshot taken after `snap` on its branches (children, their children, …). */
export function descendants(all: readonly SnapshotInfo[], snap: SnapshotInfo): SnapshotInfo[] {
  const out: SnapshotInfo[] = [];
  const walk = (name: string) => {
    for (const child of all.filter((s) => s.parent === name)) {
      if (out.includes(child)) continue;
      out.push(child);
      walk(child.name);
    }
  };
  walk(snap.name);
  return out;
}

/** A name for the next snapshot, unused by `all`: `snapshot-1`, `snapshot-2`, … */
export function suggestName(all: readonly SnapshotInfo[]): string {
  for (let n = all.length + 1; ; n += 1) {
    const name = `snapshot-${n}`;
    if (!all.some((s) => s.name === name)) return name;
  }
}

/** The snapshot's time in the user's locale. */
export function formatTaken(created: number): string {
  return new Date(created * 1000).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
}
