/** Dense float32 vector helpers; the corpus keeps all vectors in one flat Float32Array. */

export function dot(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  dims: number,
): number {
  let sum = 0;
  for (let i = 0; i < dims; i++) sum += a[aOffset + i]! * b[bOffset + i]!;
  return sum;
}

/** Scales `v[offset, offset + dims)` to unit length in place. */
export function normalizeInPlace(v: Float32Array, offset: number, dims: number): void {
  const norm = Math.sqrt(dot(v, offset, v, offset, dims));
  for (let i = 0; i < dims; i++) v[offset + i] = v[offset + i]! / norm;
}

export function randomUnitVector(dims: number, gaussian: () => number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = gaussian();
  normalizeInPlace(v, 0, dims);
  return v;
}
