package io.spinestream.common.inference;

import java.time.Duration;

/**
 * How a {@link BatchingPredictor} groups single requests into batches.
 *
 * @param workers       worker threads, each with its own predictor (DJL predictors are not thread-safe)
 * @param maxBatch      most items in one forward pass
 * @param maxDelay      longest an item waits, from its submission, for others to join its batch; zero runs
 *                      whatever is queued at once
 * @param queueCapacity most items waiting; {@code submit} blocks beyond that (backpressure)
 */
public record BatchingConfig(int workers, int maxBatch, Duration maxDelay, int queueCapacity) {
  public BatchingConfig {
    if (workers < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("workers and maxBatch must be at least 1, got " + workers + " and "
          + maxBatch);
    }
    if (maxDelay == null || maxDelay.isNegative()) {
      throw new IllegalArgumentException("maxDelay must be zero or positive, got " + maxDelay);
    }
    if (queueCapacity < maxBatch) {
      throw new IllegalArgumentException("queueCapacity (" + queueCapacity + ") must be at least maxBatch ("
          + maxBatch + ")");
    }
  }
}
