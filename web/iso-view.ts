import { rgba } from './slices.js';

const COS30 = Math.cos(Math.PI / 6);
const TARGET_WIDTH = 256;
const PHASE_RGB = [
  [0, 0, 0],
  [240, 178, 58],
  [64, 190, 170],
];

/**
 * An isometric view of the voxels of phase >= 1, each a small square, painted
 * back to front (by x + y + z) so that nearer voxels cover farther ones. Only
 * voxels with a free face towards the viewer are drawn, shaded by that face.
 */
export function drawIsometric(canvas: HTMLCanvasElement, phases: Uint8Array, shape: readonly [number, number, number]): void {
  const [depth, height, width] = shape;
  const k = Math.max(1, Math.floor(TARGET_WIDTH / ((width + height) * COS30)));
  canvas.width = Math.ceil((width + height) * COS30 * k) + k;
  canvas.height = Math.ceil(((width + height) / 2 + depth) * k) + k;
  const image = new ImageData(canvas.width, canvas.height);
  const pixels = new Uint32Array(image.data.buffer);
  const phase = (z: number, y: number, x: number) => (z < depth && y < height && x < width ? phases[(z * height + y) * width + x]! : 0);
  const originX = (height - 1) * COS30 * k;
  const originY = (depth - 1) * k;

  for (let sum = 0; sum <= depth + height + width - 3; sum++) {
    for (let z = 0; z < depth; z++) {
      for (let y = 0; y < height; y++) {
        const x = sum - z - y;
        if (x < 0 || x >= width) continue;
        const p = phase(z, y, x);
        if (p === 0) continue;
        const topFree = phase(z + 1, y, x) === 0;
        if (!topFree && phase(z, y + 1, x) !== 0 && phase(z, y, x + 1) !== 0) continue;
        const light = topFree ? 1 : phase(z, y, x + 1) === 0 ? 0.78 : 0.58;
        const [r, g, b] = PHASE_RGB[p] ?? [255, 0, 255];
        const colour = rgba(Math.round(r! * light), Math.round(g! * light), Math.round(b! * light));
        const left = Math.round(originX + (x - y) * COS30 * k);
        const top = Math.round(originY + ((x + y) / 2 - z) * k);
        for (let dy = 0; dy < k; dy++) pixels.fill(colour, (top + dy) * canvas.width + left, (top + dy) * canvas.width + left + k);
      }
    }
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}
