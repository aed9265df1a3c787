// RNNoise works on int16-range floats. These copy between [-1, 1] and that range without
// allocating.
export const INT16_SCALE = 32_768;

export function toInt16Range(src: Float32Array, dst: Float32Array, dstOffset: number, length: number): void {
  for (let i = 0; i < length; i++) dst[dstOffset + i] = (src[i] as number) * INT16_SCALE;
}

export function fromInt16Range(src: Float32Array, srcOffset: number, dst: Float32Array, length: number): void {
  for (let i = 0; i < length; i++) dst[i] = (src[srcOffset + i] as number) / INT16_SCALE;
}
