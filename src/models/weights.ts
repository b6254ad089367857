import { FormatError } from '../errors.js';
import type { HostTensor } from '../io/host-tensor.js';

/** Named tensors of one weight file, with errors that name the file and tensor. */
export class WeightSet {
  constructor(
    readonly file: string,
    private readonly tensors: Map<string, HostTensor>,
  ) {}

  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** The tensor, checked against `shape` where given (-1 matches any size). */
  get(name: string, shape?: readonly number[]): HostTensor {
    const t = this.tensors.get(name);
    if (!t) throw new FormatError(this.file, `missing tensor '${name}'`);
    if (shape && (shape.length !== t.shape.length || shape.some((s, i) => s !== -1 && s !== t.shape[i]))) {
      throw new FormatError(this.file, `tensor '${name}' has shape [${t.shape}], expected [${shape.map((s) => (s === -1 ? '*' : s))}]`);
    }
    return t;
  }
}
