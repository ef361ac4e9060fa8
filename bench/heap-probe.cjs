// Preloaded into the Gatehouse process by the bench (node --expose-gc --require): on SIGUSR2 it runs a full garbage
// collection and writes the heap in use to BENCH_HEAP_FILE, so the bench can tell memory a load left behind
// (caches, pooled servers) from heap V8 merely kept after the load (which RSS also counts).
const { writeFileSync } = require('node:fs');

process.on('SIGUSR2', () => {
  globalThis.gc();
  writeFileSync(process.env.BENCH_HEAP_FILE, String(process.memoryUsage().heapUsed));
});
