/** act((a + b) * scale) in float64. */
export function addScaleRef(a: ArrayLike<number>, b: ArrayLike<number>, scale: number, act: (v: number) => number): number[] {
  return Array.from(a, (v, i) => act((v + b[i]) * scale));
}
