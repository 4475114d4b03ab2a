import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VmRef } from "../bindings/VmRef";
import type { VmThumbnailRequest } from "../bindings/VmThumbnailRequest";
import { createThumbnails, THUMBNAIL_INTERVAL_MS, type Thumbnails } from "./thumbnails";

const ref = (connection: string, uuid: string): VmRef => ({ connection, uuid });
/** What the backend answers: a PNG's bytes (their content does not matter here). */
const png = () => new ArrayBuffer(3);

/** Object URLs that can be counted: created minus revoked is what a page would leak. */
function countingUrls() {
  const live = new Set<string>();
  let next = 0;
  return {
    create: vi.fn((_image: Blob) => {
      next += 1;
      live.add(`blob:t/${next}`);
      return `blob:t/${next}`;
    }),
    revoke: vi.fn((url: string) => {
      live.delete(url);
    }),
    live,
  };
}

/** A backend whose requests stay pending until the test settles them. */
function manualBackend() {
  const pending: {
    req: VmThumbnailRequest;
    resolve: (b: ArrayBuffer) => void;
    reject: (e: unknown) => void;
  }[] = [];
  const inFlight = new Map<string, number>();
  let maxPerConnection = 0;
  const vmThumbnail = vi.fn(
    (req: VmThumbnailRequest) =>
      new Promise<ArrayBuffer>((resolve, reject) => {
        const c = req.vm.connection;
        inFlight.set(c, (inFlight.get(c) ?? 0) + 1);
        maxPerConnection = Math.max(maxPerConnection, inFlight.get(c) ?? 0);
        const done = () => inFlight.set(c, (inFlight.get(c) ?? 1) - 1);
        pending.push({
          req,
          resolve: (b) => {
            done();
            resolve(b);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        });
      }),
  );
  return {
    vmThumbnail,
    /** Settles the oldest pending request. */
    async settle(outcome: "ok" | { code: string; message: string } = "ok") {
      const next = pending.shift();
      if (!next) throw new Error("nothing in flight");
      if (outcome === "ok") next.resolve(png());
      else next.reject(outcome);
      await vi.advanceTimersByTimeAsync(0);
      return next.req;
    },
    pending: () => pending.map((p) => p.req.vm.uuid),
    maxPerConnection: () => maxPerConnection,
  };
}

let thumbnails: Thumbnails | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  thumbnails?.dispose();
  thumbnails = undefined;
  vi.useRealTimers();
});

describe("thumbnail schedule", () => {
  it("fetches a watched VM at once, then every 5 s, with the width asked for", async () => {
    const fetch = vi.fn(async (_req: VmThumbnailRequest) => png());
    const urls = countingUrls();
    thumbnails = createThumbnails({ vmThumbnail: fetch }, { urls });
    thumbnails.setActive(true);
    const images: (string | null)[] = [];
    thumbnails.watch("system/a", ref("system", "a"), 128, (url) => images.push(url));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith({ vm: ref("system", "a"), maxWidth: 128 });
    await vi.advanceTimersByTimeAsync(0);
    expect(images).toEqual(["blob:t/1"]);
    // The bytes become a PNG Blob, which is what an object URL is made of.
    expect(urls.create.mock.calls[0][0].type).toBe("image/png");

    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS - 1);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(images).toEqual(["blob:t/1", "blob:t/2"]);
    // The replaced image's URL is revoked: one live URL per shown thumbnail.
    expect([...urls.live]).toEqual(["blob:t/2"]);

    await vi.advanceTimersByTimeAsync(3 * THUMBNAIL_INTERVAL_MS);
    expect(fetch).toHaveBeenCalledTimes(5);
    expect(urls.live.size).toBe(1);
  });

  it("fetches nothing while inactive, and catches up at once when active again", async () => {
    const fetch = vi.fn(async (_req: VmThumbnailRequest) => png());
    thumbnails = createThumbnails({ vmThumbnail: fetch }, { urls: countingUrls() });
    thumbnails.watch("system/a", ref("system", "a"), 64, () => {});
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetch).not.toHaveBeenCalled();

    thumbnails.setActive(true);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    expect(fetch).toHaveBeenCalledTimes(2);

    // Hidden: the pending refresh does not happen.
    thumbnails.setActive(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    thumbnails.setActive(true);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it("keeps at most one request in flight per connection, the most overdue first", async () => {
    const backend = manualBackend();
    thumbnails = createThumbnails(backend, { urls: countingUrls() });
    thumbnails.setActive(true);
    for (const uuid of ["a", "b", "c"])
      thumbnails.watch(`system/${uuid}`, ref("system", uuid), 64, () => {});
    thumbnails.watch("remote/x", ref("remote", "x"), 64, () => {});
    expect(backend.pending()).toEqual(["a", "x"]);

    // A slow host: nothing else starts on it however long its request takes.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(2);

    expect((await backend.settle()).vm.uuid).toBe("a");
    expect(backend.pending()).toEqual(["x", "b"]);
    await backend.settle(); // x
    await backend.settle(); // b
    expect(backend.pending()).toEqual(["c"]);
    await backend.settle(); // c
    // Everyone has a picture; the next round waits for the interval.
    expect(backend.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    expect(backend.pending()).toEqual(["a", "x"]);
    expect(backend.maxPerConnection()).toBe(1);
  });

  it("unwatching revokes the URL and drops a late answer; the connection stays bounded", async () => {
    const backend = manualBackend();
    const urls = countingUrls();
    thumbnails = createThumbnails(backend, { urls });
    thumbnails.setActive(true);
    const onImage = vi.fn();
    const stop = thumbnails.watch("system/a", ref("system", "a"), 64, onImage);
    await backend.settle();
    expect(onImage).toHaveBeenLastCalledWith("blob:t/1");
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    expect(backend.pending()).toEqual(["a"]);

    stop();
    expect(urls.live.size).toBe(0);
    // Another row appears while the old request is still out: it waits for it.
    thumbnails.watch("system/b", ref("system", "b"), 64, () => {});
    expect(backend.pending()).toEqual(["a"]);
    await backend.settle();
    expect(onImage).toHaveBeenCalledTimes(1);
    expect(urls.create).toHaveBeenCalledTimes(1);
    expect(backend.pending()).toEqual(["b"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(backend.vmThumbnail.mock.calls.map(([req]) => req.vm.uuid)).not.toContain("c");
    expect(backend.vmThumbnail.mock.calls.filter(([req]) => req.vm.uuid === "a")).toHaveLength(2);
  });

  it("a VM that stopped shows the placeholder; failures back off", async () => {
    const backend = manualBackend();
    const urls = countingUrls();
    thumbnails = createThumbnails(backend, { urls });
    thumbnails.setActive(true);
    const onImage = vi.fn();
    thumbnails.watch("system/a", ref("system", "a"), 64, onImage);
    await backend.settle();
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    await backend.settle({ code: "invalid-state", message: "a is not running" });
    expect(onImage).toHaveBeenLastCalledWith(null);
    expect(urls.live.size).toBe(0);

    // Not every 5 s against a VM that says no.
    await vi.advanceTimersByTimeAsync(2 * THUMBNAIL_INTERVAL_MS);
    expect(backend.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    expect(backend.pending()).toEqual(["a"]);

    // Any other failure keeps the last picture.
    await backend.settle();
    expect(onImage).toHaveBeenLastCalledWith("blob:t/2");
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    await backend.settle({ code: "unavailable", message: "connection lost" });
    expect(onImage).toHaveBeenLastCalledWith("blob:t/2");
    expect([...urls.live]).toEqual(["blob:t/2"]);
  });

  it("dispose stops the schedule and revokes every URL", async () => {
    const fetch = vi.fn(async (_req: VmThumbnailRequest) => png());
    const urls = countingUrls();
    const t = createThumbnails({ vmThumbnail: fetch }, { urls });
    t.setActive(true);
    t.watch("system/a", ref("system", "a"), 64, () => {});
    t.watch("session/b", ref("session", "b"), 64, () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(urls.live.size).toBe(2);
    t.dispose();
    expect(urls.live.size).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
