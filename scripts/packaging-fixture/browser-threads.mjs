// A browser entry that includes the opt-in worker threads: bundled with esbuild --minify for
// the browser. Minifiers fold constant strings, so a Node specifier held in a variable comes
// back as a literal `import("node:...")`; the test checks that the minified bundle names no
// Node built-in at all, then runs it with node, where enableThreads() must still find
// worker_threads (in a browser it resolves to 1 and nothing changes).
import { conv1d, disableThreads, enableThreads, getThreads, setBackend, tensor } from '@kindling/core';

setBackend('wasm');
const threads = await enableThreads(2);
const inUse = getThreads();
const y = conv1d(tensor([[[1, 0.7, 0.5, 0.3, 0.1]]], { dtype: 'float32' }), tensor([[[1, 1, 1]]], { dtype: 'float32' })).toArray();
await disableThreads();
const result = { threads, inUse, after: getThreads(), y: y[0][0] };
if (typeof document !== 'undefined') document.body.textContent = JSON.stringify(result);
else console.log(JSON.stringify(result));
