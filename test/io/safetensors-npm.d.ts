/** The npm `safetensors` package (0.0.1) ships no types; this is the part the interoperability test uses. */
declare module 'safetensors' {
  export class SafeTensor {
    constructor(bytes: Uint8Array);
    metadata: Map<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    getTensor(name: string): Uint8Array;
  }
}
