package io.spinestream.common.inference;

/**
 * The portable pseudo-random input that golden files, parity tests and benchmarks feed to a model, so that
 * Java and Python produce bit-identical inputs without shipping them.
 *
 * <p>The one definition (mirrored in Python by {@code prng_values} of {@code models/spinestream_models/export.py},
 * which the tests' and benchmarks' scripts import): xorshift32 with
 * state {@code x = seed} (a non-zero unsigned 32-bit integer); for each value, in C order:
 * {@code x ^= x << 13; x ^= x >>> 17; x ^= x << 5} (modulo 2^32), then {@code value = (x >>> 8) / 2^24} as
 * float32, in [0, 1). A batch-B input is the first {@code B * itemSize} values of the stream, so the first
 * item of a batch equals the batch-1 input.
 */
public final class PrngInput {
  /** The seed of the tiny test models' golden files. */
  public static final long DEFAULT_SEED = 20221010L;

  private PrngInput() {}

  public static float[] values(long seed, int count) {
    if (seed <= 0 || seed > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("seed must be a non-zero unsigned 32-bit integer, got " + seed);
    }
    int x = (int) seed;
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      values[i] = (x >>> 8) / 16_777_216f;
    }
    return values;
  }

  public static Tensor tensor(long seed, long... shape) {
    return new Tensor(values(seed, Math.toIntExact(Tensor.size(shape))), shape.clone());
  }
}
