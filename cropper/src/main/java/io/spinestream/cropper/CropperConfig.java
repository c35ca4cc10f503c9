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
 */
public record CropperConfig(int minPixels, double marginFraction, Duration seriesTimeout, Duration completedRetention,
    Duration punctuateInterval) {}
