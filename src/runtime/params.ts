/** Packs a uniform struct of 4-byte scalars, in WGSL field order. */
export class Params {
  private readonly words: number[] = [];
  private readonly kinds: ('u' | 'i' | 'f')[] = [];

  u32(...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`u32 parameter out of range: ${v}`);
      this.words.push(v);
      this.kinds.push('u');
    }
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) {
      this.words.push(v | 0);
      this.kinds.push('i');
    }
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) {
      this.words.push(v);
      this.kinds.push('f');
    }
    return this;
  }

  /** Bytes padded to 16 as uniform buffers require. */
  bytes(): ArrayBuffer {
    const n = Math.max(4, Math.ceil(this.words.length / 4) * 4);
    const buf = new ArrayBuffer(n * 4);
    const u = new Uint32Array(buf);
    const i = new Int32Array(buf);
    const f = new Float32Array(buf);
    this.words.forEach((w, k) => {
      if (this.kinds[k] === 'f') f[k] = w;
      else if (this.kinds[k] === 'i') i[k] = w;
      else u[k] = w;
    });
    return buf;
  }
}
