/**
 * A Kindling row in its own process (node --import tsx), driven by proc.ts. Options: dtype,
 * backend, threads as in KindlingOptions ('default' = leave core's default alone).
 */
import { core } from '../kindling.js';
import { serve } from './child-server.js';
import { createKindlingPeer } from './kindling.js';
import type { KindlingOptions } from './kindling.js';

await serve(async (wl, options) => {
  const opts = options as unknown as KindlingOptions;
  const peer = await createKindlingPeer(wl, opts);
  return {
    info: {
      backend: peer.backend,
      dtype: peer.dtype,
      threads: peer.threads,
      defaultDtype: core.getDefaultDtype(),
      config: { dtype: opts.dtype, backend: opts.backend ?? 'auto', threads: opts.threads ?? 'default' },
    },
    run(steps) {
      for (let i = 0; i < steps; i++) peer.step();
    },
    readState: () => peer.readState(),
    readDx: () => peer.readDx(),
  };
});
