package io.spinestream.segmenter;

import java.time.Duration;

/**
 * @param batchSize the model's largest batch: inputs are handed over in groups of this size as they are built
 * @param maxInFlight slices handed to the model and not yet taken back, at most (a few batches: enough to
 *     keep the model busy between punctuations, few enough that no more work is in flight than is worth
 *     redoing after a crash)
 * @param punctuateInterval how often finished results are taken back and new work submitted (wall clock)
 * @param seriesTimeout a series that is not complete after this long without a new slice or manifest is
 *     dead-lettered
 * @param completedRetention how long a finished series is remembered, so late duplicates are recognised
 * @param emitRunLengthMask include the label map (run-length coded) in each SliceMask
 * @param maxPixels largest rows x columns accepted (memory protection)
 * @param segmentBeforeManifest segment slices whose neighbours by arrival look final while the series still
 *     waits for its manifest (checked against the manifest before use; see {@link ArrivalOrder})
 */
public record SegmenterConfig(int batchSize, int maxInFlight, Duration punctuateInterval, Duration seriesTimeout,
    Duration completedRetention, boolean emitRunLengthMask, int maxPixels, boolean segmentBeforeManifest) {}
