// A reader thread for the DAX worker test. It gets the device's
// SharedArrayBuffer and the device ranges of a file (from daxMap views:
// view.byteOffset is the device address), then for each round waits until the
// main thread publishes a generation number and copies the file's bytes
// straight out of device memory — no message carries the data itself.
import { parentPort, workerData } from 'node:worker_threads';

const { device, control, regions, rounds } = workerData;
const generation = new Int32Array(control);

for (let round = 1; round <= rounds; round++) {
  while (Atomics.load(generation, 0) < round) Atomics.wait(generation, 0, round - 1, 10_000);
  const total = regions.reduce((n, r) => n + r.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const r of regions) {
    bytes.set(new Uint8Array(device, r.byteOffset, r.length), at);
    at += r.length;
  }
  parentPort.postMessage({ round, bytes });
}
