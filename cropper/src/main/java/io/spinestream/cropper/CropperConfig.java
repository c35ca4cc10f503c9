package io.spinestream.cropper;

import java.time.Duration;

/**
 * What the cropper's topology needs to know.
 *
 * @param minPixels a slice counts for a vertebra from this many mask pixels (crop contract)
 * @param marginFraction box widening on each side (crop contract)
 * @param seriesTimeout a series without a new mask or manifest for this long is dead-lettered
 * @param completedRetention how long a completed series is remembered, so late duplicates are recognised
 * @param punctuateInterval how often timeouts are checked (wall clock)
 * @param minSlices a series with fewer slices is dead-lettered (SERIES_TOO_SHORT) instead of cropped: it cannot
 *     cover C1..C7, and its scores would look like a study's
 */
public record CropperConfig(int minPixels, double marginFraction, Duration seriesTimeout, Duration completedRetention,
    Duration punctuateInterval, int minSlices) {
  /** C1..C7 span about 100 mm: fewer than 10 slices cannot cover them even at a 10 mm slice spacing. */
  public static final int DEFAULT_MIN_SLICES = 10;

  public CropperConfig(int minPixels, double marginFraction, Duration seriesTimeout, Duration completedRetention,
      Duration punctuateInterval) {
    this(minPixels, marginFraction, seriesTimeout, completedRetention, punctuateInterval, DEFAULT_MIN_SLICES);
  }
}
