package io.spinestream.segmenter;

import java.time.Duration;

/**
 * @param batchSize slices segmented per punctuation (and the most the model sees at once)
 * @param punctuateInterval how often ready series are segmented (wall clock)
 * @param seriesTimeout a series that is not complete after this long without a new slice or manifest is
 *     dead-lettered
 * @param completedRetention how long a finished series is remembered, so late duplicates are recognised
 * @param emitRunLengthMask include the label map (run-length coded) in each SliceMask
 * @param maxPixels largest rows x columns accepted (memory protection)
 */
public record SegmenterConfig(int batchSize, Duration punctuateInterval, Duration seriesTimeout,
    Duration completedRetention, boolean emitRunLengthMask, int maxPixels) {}
