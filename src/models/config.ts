import { FormatError, UsageError } from '../errors.js';
import { checkModelFileName } from '../io/model-files.js';

export type Shape4 = [number, number, number, number];

/** Contents of a converted model folder's model.json. */
export interface ModelConfig {
  format: 'mg3d-model';
  version: 1;
  variant: string;
  /** Volume (C, D, H, W). */
  imageShape: Shape4;
  /** Latent (C, D, H, W). */
  latentShape: Shape4;
  /** true: the first encoder conv has stride 1 (the name reads backwards, as upstream). */
  firstLayerDownsample: boolean;
  vaeMaxChannels: number;
  nFeat: number;
  timesteps: number;
  /** Feature-predictor outputs, in order. */
  attributes: string[];
  /** The UNet's conditioning attributes, a subset of `attributes`, in conditioning order. */
  contextAttributes: string[];
  /** Per attribute, the range seen in training, where known: contexts outside it are warned about. */
  attributeRanges?: Record<string, [number, number]>;
  /** Weight files (safetensors) present in the folder. */
  files: { vae?: string; fp?: string; ddpm?: string };
}

export interface Preset {
  imageShape: Shape4;
  latentShape: Shape4;
  firstLayerDownsample: boolean;
  attributes: string[];
  contextAttributes: string[];
}

/** The three published MicroGen3D variants (MODEL.md). */
export const PRESETS: Record<string, Preset> = {
  experimental: {
    imageShape: [1, 64, 64, 64],
    latentShape: [1, 8, 8, 8],
    firstLayerDownsample: true,
    attributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
    contextAttributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
  },
  'ch-2phase': {
    imageShape: [1, 128, 128, 64],
    latentShape: [4, 8, 8, 4],
    firstLayerDownsample: false,
    attributes: ['norm_STAT_e', 'ABS_wf_D', 'ABS_f_D', 'DISS_wf10_D', 'CT_f_e_conn', 'CT_f_D_tort1', 'CT_f_A_tort1'],
    contextAttributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
  },
  'ch-3phase': {
    imageShape: [1, 128, 128, 64],
    latentShape: [4, 8, 8, 4],
    firstLayerDownsample: false,
    attributes: ['vol_frac_D', 'vol_frac_M', 'tortuosity_A', 'tortuosity_D', 'phi', 'chi', 'log_time'],
    contextAttributes: ['vol_frac_D', 'vol_frac_M', 'tortuosity_A', 'tortuosity_D'],
  },
};

/** Positions of the context attributes within the full attribute vector. */
export function contextIndices(config: ModelConfig): number[] {
  return config.contextAttributes.map((a) => {
    const i = config.attributes.indexOf(a);
    if (i < 0) throw new UsageError(`context attribute '${a}' is not among the attributes [${config.attributes}]`);
    return i;
  });
}

/** Warnings for context values (context order) outside the ranges seen in training. */
export function rangeWarnings(config: ModelConfig, context: readonly number[]): string[] {
  const ranges = config.attributeRanges ?? {};
  return config.contextAttributes.flatMap((name, k) => {
    const r = ranges[name];
    const v = context[k];
    return r && (v < r[0] || v > r[1]) ? [`${name} = ${v} is outside the range seen in training [${r[0]}, ${r[1]}]`] : [];
  });
}

/** Checks every field a loader relies on, so that a hand-edited or hostile model.json fails here, in one line. */
export function validateConfig(c: ModelConfig, file: string): void {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new FormatError(file, 'is not a JSON object');
  const problems: string[] = [];
  if (c.format !== 'mg3d-model' || c.version !== 1) problems.push(`not an mg3d-model version 1 file`);
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const isShape = (s: unknown) => Array.isArray(s) && s.length === 4 && s.every((v) => isCount(v) && v > 0);
  const isNames = (s: unknown) => Array.isArray(s) && s.every((v) => typeof v === 'string');
  if (typeof c.variant !== 'string') problems.push('variant must be a string');
  if (!isShape(c.imageShape)) problems.push('imageShape must be 4 positive integers (C, D, H, W)');
  if (!isShape(c.latentShape)) problems.push('latentShape must be 4 positive integers (C, D, H, W)');
  if (c.firstLayerDownsample !== undefined && typeof c.firstLayerDownsample !== 'boolean') problems.push('firstLayerDownsample must be true or false');
  for (const key of ['vaeMaxChannels', 'nFeat', 'timesteps'] as const) {
    if (c[key] !== undefined && !isCount(c[key])) problems.push(`${key} must be a non-negative integer`);
  }
  if (!isNames(c.attributes) || !isNames(c.contextAttributes)) problems.push('attributes and contextAttributes must be lists of names');
  else if (!c.contextAttributes.every((a) => c.attributes.includes(a))) problems.push('contextAttributes must be among the attributes');
  const ranges: unknown = c.attributeRanges;
  const isRange = (r: unknown) => Array.isArray(r) && r.length === 2 && r.every(Number.isFinite) && r[0] <= r[1];
  if (ranges !== undefined && (typeof ranges !== 'object' || ranges === null || !Object.values(ranges).every(isRange))) {
    problems.push('attributeRanges must map names to [low, high]');
  }
  if (typeof c.files !== 'object' || c.files === null || Array.isArray(c.files)) problems.push('files must be an object');
  if (problems.length) throw new FormatError(file, problems.join('; '));
  for (const [field, name] of Object.entries(c.files)) {
    if (name !== undefined) checkModelFileName(name, field);
  }
}
