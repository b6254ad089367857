import { GpuError } from '../errors.js';
import type { VaeDecoder } from '../models/vae.js';
import { RecordedGraph, type Runtime } from '../runtime/index.js';

/**
 * The VAE decoder recorded on one fixed latent. An adapter whose binding limit
 * is below one of its activations (the CH decoder's 64 x 128 x 128 x 64
 * tensors are 256 MiB) fails while recording, before any GPU work: the reason
 * is returned instead.
 */
export function buildDecoderGraph(rt: Runtime, decoder: VaeDecoder, latentShape: readonly number[]): RecordedGraph<'z', 'volume'> | { skipped: string } {
  try {
    const g = RecordedGraph.record(rt, { z: [1, ...latentShape] }, (graph, { z }) => ({ volume: decoder.build(graph, z) }));
    g.write({ z: Float32Array.from({ length: g.inputs.z.size }, (_, i) => Math.cos(i * 0.7)) });
    return g;
  } catch (e) {
    if (e instanceof GpuError) return { skipped: e.message };
    throw e;
  }
}
