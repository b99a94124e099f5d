/**
 * opencv-wasm access. The WASM heap is not garbage-collected: every Mat (and other wrapped object)
 * must be deleted. Create them only inside `withMats`, which deletes every tracked object even when
 * the function throws, and translate OpenCV's numeric exceptions with `cvError`.
 */
import { PerceptionError, type ErrorKind } from "../core/errors.js";
import type { ImageView } from "./image-view.js";
import { toPackedRgb } from "./image-view.js";

// opencv-wasm's typings are large and loose; the parts we use are typed where we use them.
// biome-ignore lint/suspicious/noExplicitAny: opencv-wasm ships no usable typings
export type Cv = any;

let cvPromise: Promise<Cv> | undefined;
let cvLoaded: Cv | undefined;

/** opencv-wasm, loaded once per process (about 0.1-0.3 s the first time). */
export function loadCv(): Promise<Cv> {
  cvPromise ??= import("opencv-wasm").then(async (m) => {
    const mod = m as unknown as { cv?: Cv; default?: { cv?: Cv } };
    const cv = mod.cv ?? mod.default?.cv;
    if (!cv) throw new PerceptionError("image", "opencv-wasm loaded but exposes no cv object");
    if (typeof cv.Mat !== "function") {
      await new Promise<void>((resolve) => {
        cv.onRuntimeInitialized = () => resolve();
      });
    }
    // The Emscripten module is a thenable whose then() never settles as a promise expects:
    // resolving a promise with it hangs forever. Remove it (Emscripten's documented workaround).
    if (typeof cv.then === "function") delete cv.then;
    cvLoaded = cv;
    return cv;
  });
  return cvPromise;
}

/** Anything with a delete() (cv.Mat, cv.MatVector, cv.RectVector, cv.HOGDescriptor, ...). */
export interface Deletable {
  delete(): void;
}

/** Registers an object to be deleted when the enclosing `withMats` returns or throws; returns it. */
export type TrackMat = <M extends Deletable>(m: M) => M;

let liveTracked = 0;

/** Objects currently tracked by open `withMats` scopes (0 between frames: a leak check for tests). */
export function trackedMatCount(): number {
  return liveTracked;
}

/** A fresh list of Mats to delete and the function that adds to it (and to the live count). */
function newTracker(): { tracked: Deletable[]; track: TrackMat } {
  const tracked: Deletable[] = [];
  const track: TrackMat = (m) => {
    tracked.push(m);
    liveTracked++;
    return m;
  };
  return { tracked, track };
}

/**
 * Runs fn with a `track` function; every tracked object is deleted afterwards, in reverse order,
 * even when fn throws. For async work use `withMatsAsync`.
 */
export function withMats<T>(fn: (track: TrackMat) => T): T {
  const { tracked, track } = newTracker();
  try {
    const result = fn(track);
    if (result instanceof Promise) {
      throw new PerceptionError(
        "image",
        "withMats got an async function: use withMatsAsync so Mats outlive the awaits",
      );
    }
    return result;
  } finally {
    release(tracked);
  }
}

/** As withMats, for async functions: deletes after the promise settles. */
export async function withMatsAsync<T>(fn: (track: TrackMat) => Promise<T>): Promise<T> {
  const { tracked, track } = newTracker();
  try {
    return await fn(track);
  } finally {
    release(tracked);
  }
}

function release(tracked: Deletable[]): void {
  for (let i = tracked.length - 1; i >= 0; i--) {
    try {
      tracked[i]!.delete();
    } catch {
      // already deleted: nothing to free
    }
    liveTracked--;
  }
}

/**
 * OpenCV (WASM) throws bare numbers: pointers to a cv::Exception. Turns whatever was thrown into a
 * PerceptionError of the given kind with OpenCV's message when it can be read.
 */
export function cvError(err: unknown, kind: ErrorKind, what: string): PerceptionError {
  if (err instanceof PerceptionError) return err;
  let detail: string;
  if (typeof err === "number") {
    detail = `OpenCV exception #${err}`;
    try {
      const text = cvLoaded?.exceptionFromPtr?.(err)?.msg as string | undefined;
      if (text) detail = text;
    } catch {
      // keep the number
    }
  } else {
    detail = err instanceof Error ? err.message : String(err);
  }
  return new PerceptionError(kind, `${what}: ${detail}`, {}, { cause: err });
}

/**
 * A tracked cv.Mat holding a copy of the view: CV_8UC3 RGB for colour formats (converted when not
 * rgb8), CV_8UC1 for mono8.
 */
export function matFromView(cv: Cv, track: TrackMat, view: ImageView): Cv {
  if (view.format === "mono8") {
    const mat = track(new cv.Mat(view.height, view.width, cv.CV_8UC1));
    const dst = mat.data as Uint8Array;
    for (let y = 0; y < view.height; y++) {
      dst.set(view.data.subarray(y * view.step, y * view.step + view.width), y * view.width);
    }
    return mat;
  }
  const rgb = toPackedRgb(view);
  const mat = track(new cv.Mat(rgb.height, rgb.width, cv.CV_8UC3));
  (mat.data as Uint8Array).set(rgb.data.subarray(0, rgb.width * rgb.height * 3));
  return mat;
}
