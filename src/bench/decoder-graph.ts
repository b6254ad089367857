import { GpuError } from '../errors.js';
import type { VaeDecoder } from '../models/vae.js';
import { Graph, type Runtime } from '../runtime/index.js';

/**
 * The VAE decoder recorded on one fixed latent. Recording allocates every
 * activation, so an adapter whose binding limit is below one of them (the CH
 * decoder's 64 x 128 x 128 x 64 tensors are 256 MiB) fails here, before any
 * GPU work: the reason is returned instead.
 */
export function buildDecoderGraph(rt: Runtime, decoder: VaeDecoder, latentShape: readonly number[]): Graph | { skipped: string } {
  const g = new Graph(rt);
  try {
    const z = g.tensor([1, ...latentShape]);
    rt.write(z, Float32Array.from({ length: z.size }, (_, i) => Math.cos(i * 0.7)));
    decoder.build(g, z);
    return g;
  } catch (e) {
    g.dispose();
    if (e instanceof GpuError) return { skipped: e.message };
    throw e;
  }
}
