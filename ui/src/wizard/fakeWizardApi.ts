import { vi } from "vitest";
import type { WizardApi } from "../api";
import type { CreateVmRequest } from "../bindings/CreateVmRequest";
import type { InspectRequest } from "../bindings/InspectRequest";
import type { OsChoice } from "../bindings/OsChoice";
import type { OsQuery } from "../bindings/OsQuery";
import type { Progress } from "../bindings/Progress";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { WizardDefaults } from "../bindings/WizardDefaults";

export function makeOs(id: string, extra: Partial<OsChoice> = {}): OsChoice {
  return {
    id,
    shortId: id,
    name: id,
    vendor: null,
    releaseDate: null,
    eol: false,
    generic: false,
    memoryMib: 2048,
    minMemoryMib: null,
    vcpus: 2,
    diskGib: 20,
    firmware: "either",
    virtio: true,
    ...extra,
  };
}

export const genericLinux = makeOs("generic-linux", { name: "Generic Linux", generic: true });
export const fedora = makeOs("fedora41", {
  name: "Fedora 41",
  vendor: "Fedora Project",
  releaseDate: "2024-10-29",
});
export const win11 = makeOs("win11", {
  name: "Windows 11",
  vendor: "Microsoft",
  firmware: "uefi-required",
  memoryMib: 4096,
  minMemoryMib: 4096,
});

export const sampleDefaults: WizardDefaults = {
  name: "linux-1",
  memoryMib: 2048,
  vcpus: 2,
  diskGib: 20,
  firmware: "bios",
  tpm: false,
  virtio: true,
  hostMemoryMib: 16384,
  hostCpus: 8,
  domainType: "kvm",
  slowNotice: null,
  swtpm: true,
};

/** For tests: the wizard's backend, every command a `vi.fn`, and a progress event source. */
export function createFakeWizardApi() {
  const handlers = new Set<(progress: Progress) => void>();
  const api = {
    osSearch: vi.fn(async (q: OsQuery): Promise<OsChoice[]> => {
      // Out of order on purpose: the wizard pins the generic choices.
      const all = [fedora, genericLinux, win11];
      const query = q.query.toLowerCase();
      return all.filter((os) => os.generic || os.name.toLowerCase().includes(query));
    }),
    inspectSource: vi.fn(
      async (req: InspectRequest): Promise<SourceInfo> => ({
        image: {
          path: req.path,
          format: req.iso ? "iso" : "qcow2",
          virtualSize: 20 * 1024 ** 3,
          fileSize: 1024 ** 3,
          backingChain: [],
          link: null,
          warnings: [],
        },
        detectedOs: null,
        volumeId: null,
        warnings: [],
      }),
    ),
    defaults: vi.fn(async () => ({ ...sampleDefaults })),
    preview: vi.fn(
      async (req: CreateVmRequest) => `<domain><name>${req.request.name}</name></domain>`,
    ),
    create: vi.fn(async (req: CreateVmRequest) => ({
      uuid: `uuid-${req.request.name}`,
      name: req.request.name,
      xml: "<domain/>",
      started: req.request.start,
    })),
    cancelCreate: vi.fn(async () => {}),
    subscribeProgress: vi.fn(async (handler: (progress: Progress) => void) => {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    }),
  } satisfies WizardApi;
  return {
    api,
    emitProgress(progress: Progress) {
      for (const handler of handlers) handler(progress);
    },
    subscribers: () => handlers.size,
  };
}
