/*
 * Orthogonal slices of a (D, H, W) C-order volume, with x = W, y = H, z = D:
 * XY is the plane at one depth z, XZ at one row y, YZ at one column x.
 */
export const PLANES = ['XY', 'XZ', 'YZ'] as const;
export type Plane = (typeof PLANES)[number];

type Shape3 = readonly [number, number, number];
/** RGBA packed as a little-endian 32-bit word (ImageData's byte order). */
export type Colour = (value: number) => number;

export const rgba = (r: number, g: number, b: number) => (255 << 24) | (b << 16) | (g << 8) | r;

export const grey: Colour = (v) => {
  const level = Math.round(Math.min(1, Math.max(0, v)) * 255);
  return rgba(level, level, level);
};

const PHASE_COLOURS = [rgba(28, 36, 64), rgba(240, 178, 58), rgba(64, 190, 170)];
export const phaseColour: Colour = (p) => PHASE_COLOURS[p] ?? rgba(255, 0, 255);

/** How many slices a plane has: the size of the axis it is perpendicular to. */
export function sliceCount(shape: Shape3, plane: Plane): number {
  const [depth, height, width] = shape;
  return plane === 'XY' ? depth : plane === 'XZ' ? height : width;
}

/** Width and height of a plane's image, and the volume index of its pixel (u, v) at slice `at`. */
function planeGeometry(shape: Shape3, plane: Plane, at: number): { width: number; height: number; index: (u: number, v: number) => number } {
  const [depth, height, width] = shape;
  switch (plane) {
    case 'XY':
      return { width, height, index: (u, v) => (at * height + v) * width + u };
    case 'XZ':
      return { width, height: depth, index: (u, v) => (v * height + at) * width + u };
    case 'YZ':
      return { width: height, height: depth, index: (u, v) => (v * height + u) * width + at };
  }
}

/** Draws one slice at one pixel per voxel; CSS scales the canvas up. z grows upwards. */
export function drawSlice(canvas: HTMLCanvasElement, volume: ArrayLike<number>, shape: Shape3, plane: Plane, at: number, colour: Colour): void {
  const { width, height, index } = planeGeometry(shape, plane, at);
  canvas.width = width;
  canvas.height = height;
  const image = new ImageData(width, height);
  const pixels = new Uint32Array(image.data.buffer);
  const flipV = plane !== 'XY';
  for (let v = 0; v < height; v++) {
    const row = (flipV ? height - 1 - v : v) * width;
    for (let u = 0; u < width; u++) pixels[row + u] = colour(volume[index(u, v)]!);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}
