package io.spinestream.phantom;

/**
 * SplitMix64, written out here so that a phantom's bytes depend on nothing that a JDK update may change
 * (java.util.Random's gaussian and SplittableRandom are implementation details). Transcendental functions go
 * through StrictMath for the same reason. Not thread-safe: one instance per stream.
 */
final class Rng {
  private long state;

  private Rng(long state) {
    this.state = state;
  }

  /** A stream identified by its key parts: the same parts always give the same sequence. */
  static Rng of(long... keyParts) {
    return new Rng(key(keyParts));
  }

  /** Folds the parts into one well-mixed 64-bit key. */
  static long key(long... parts) {
    long h = 0x5350494E45L; // "SPINE"
    for (long part : parts) {
      h = mix(h ^ mix(part + 0x9E3779B97F4A7C15L));
    }
    return h;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return mix(state);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [low, high). */
  double uniform(double low, double high) {
    return low + (high - low) * nextDouble();
  }

  /** Uniform in [0, bound). */
  int nextInt(int bound) {
    return (int) ((nextLong() >>> 33) % bound);
  }

  boolean chance(double probability) {
    return nextDouble() < probability;
  }

  /** Standard normal deviate (Box-Muller through StrictMath). */
  double gaussian() {
    double u1 = 1.0 - nextDouble();
    double u2 = nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
  }

  /** A uniformly distributed unit vector. */
  double[] unitVector() {
    double z = uniform(-1, 1);
    double phi = uniform(0, 2 * Math.PI);
    double r = StrictMath.sqrt(1 - z * z);
    return new double[] {r * StrictMath.cos(phi), r * StrictMath.sin(phi), z};
  }
}
