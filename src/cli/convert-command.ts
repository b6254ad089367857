import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { convertCheckpoints, type CheckpointSet, type ConvertSettings } from '../convert.js';
import { UsageError } from '../errors.js';
import { readTorchCheckpoint } from '../io/torch-checkpoint.js';
import { readFileBytes, writeFileAtomic } from '../io/node-files.js';
import { PRESETS, type Shape4 } from '../models/config.js';
import { WeightSet } from '../models/weights.js';
import { parseBoolean, parseIntList, splitList } from './args.js';
import { parseRanges } from './context-spec.js';
import { formatBytes } from './format.js';

export const CONVERT_HELP = `mg3d convert [CHECKPOINT_DIR] --out MODEL_DIR [--preset NAME] [options]

Converts the published PyTorch checkpoints (vae.pt, fp.pt, ddpm.pt) into a model
folder (model.json + safetensors). Python is not needed. Every width is read
from the tensors and cross-checked against the preset or flags.

  CHECKPOINT_DIR            folder holding vae.pt, fp.pt, ddpm.pt (any subset)
  --vae/--fp/--ddpm FILE    individual checkpoint files instead
  --out DIR                 model folder to write (created if missing)
  --preset NAME             ${Object.keys(PRESETS).join(' | ')}
  --image-shape C,D,H,W     volume shape (custom models)
  --latent-shape C,D,H,W    latent shape (custom models)
  --first-layer-downsample true|false
  --attributes a,b,c        feature-predictor output names, in order
  --context-attributes a,b  UNet conditioning names, in order
  --attribute-ranges "a=LOW:HIGH,..."  ranges seen in training; generate warns outside them`;

export interface ConvertFlags {
  positional: string[];
  vae?: string;
  fp?: string;
  ddpm?: string;
  out?: string;
  preset?: string;
  'image-shape'?: string;
  'latent-shape'?: string;
  'first-layer-downsample'?: string;
  attributes?: string;
  'context-attributes'?: string;
  'attribute-ranges'?: string;
}

export async function convertCommand(f: ConvertFlags, log: (line: string) => void): Promise<void> {
  if (!f.out) throw new UsageError('convert: --out MODEL_DIR is required');
  let settings: ConvertSettings = { variant: 'custom' };
  if (f.preset) {
    const p = PRESETS[f.preset];
    if (!p) throw new UsageError(`convert: unknown preset '${f.preset}'; known: ${Object.keys(PRESETS).join(', ')}`);
    settings = { variant: f.preset, ...p };
  }
  if (f['image-shape']) settings.imageShape = parseIntList('image-shape', f['image-shape'], 4) as Shape4;
  if (f['latent-shape']) settings.latentShape = parseIntList('latent-shape', f['latent-shape'], 4) as Shape4;
  if (f['first-layer-downsample']) settings.firstLayerDownsample = parseBoolean('first-layer-downsample', f['first-layer-downsample']);
  if (f.attributes) settings.attributes = splitList('attributes', f.attributes);
  if (f['context-attributes']) settings.contextAttributes = splitList('context-attributes', f['context-attributes']);
  if (f['attribute-ranges']) {
    const names = settings.attributes ?? splitList('attribute-ranges', f['attribute-ranges']).map((part) => part.split('=')[0].trim());
    settings.attributeRanges = Object.fromEntries(parseRanges('attribute-ranges', f['attribute-ranges'], names));
  }

  const dir = f.positional[0];
  const ckpt: CheckpointSet = {};
  for (const part of ['vae', 'fp', 'ddpm'] as const) {
    const path = f[part] ?? (dir && existsSync(join(dir, `${part}.pt`)) ? join(dir, `${part}.pt`) : undefined);
    if (path) ckpt[part] = new WeightSet(path, readTorchCheckpoint(await readFileBytes(path), path));
  }
  if (!ckpt.vae && !ckpt.fp && !ckpt.ddpm) {
    throw new UsageError(`convert: no checkpoints found${dir ? ` in ${dir}` : ''}; give CHECKPOINT_DIR or --vae/--fp/--ddpm`);
  }

  const { config, files } = convertCheckpoints(ckpt, settings);
  mkdirSync(f.out, { recursive: true });
  // model.json last: a folder with model.json is complete.
  const order = [...files.keys()].sort((a, b) => Number(a === 'model.json') - Number(b === 'model.json'));
  for (const name of order) {
    await writeFileAtomic(join(f.out, name), files.get(name)!);
    log(`wrote ${join(f.out, name)} (${formatBytes(files.get(name)!.byteLength)})`);
  }
  log(
    `${config.variant}: latent [${config.latentShape}], volume [${config.imageShape}], n_feat ${config.nFeat || '-'}, ` +
      `VAE max channels ${config.vaeMaxChannels || '-'}, attributes ${config.attributes.join(', ')}`,
  );
}
