import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { ddpmSchedule } from '../../src/models/random-model.js';
import { SCHEDULE_BUFFERS } from '../../src/models/sampler.js';
import { relErr } from '../helpers/numeric.js';

const DDPM = fileURLToPath(new URL('../../../shared/fixtures/unet-ch/ddpm.pt', import.meta.url));

describe('random models in the published layout', () => {
  it.skipIf(!existsSync(DDPM))('schedule equals the one stored in a reference ddpm.pt', () => {
    const stored = readTorchCheckpoint(new Uint8Array(readFileSync(DDPM)), DDPM);
    const ours = ddpmSchedule(1000);
    for (const name of SCHEDULE_BUFFERS) expect(relErr(ours[name], stored.get(name)!.data), name).toBeLessThan(1e-6);
  });
});
