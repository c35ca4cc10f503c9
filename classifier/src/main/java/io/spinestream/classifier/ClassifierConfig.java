package io.spinestream.classifier;

import java.time.Duration;

/**
 * @param batchSize the model's largest batch: inputs are handed over in groups of this size as they are built
 * @param maxInFlight vertebrae handed to the model and not yet taken back, at most
 * @param punctuateInterval how often finished scores are taken back and new vertebrae handed to the model
 *     (wall clock)
 * @param studyTtl a study not scored this long after its last event is dropped (and dead-lettered if crops
 *     had arrived), so the slice store stays bounded under load
 * @param completedRetention how long a scored series is remembered, so late duplicates are recognised
 * @param fallbackProbability the probability of a vertebra the segmentation did not find (flagged as fallback)
 * @param aggregation patient_overall from C1..C7
 * @param maxPixels largest rows x columns accepted
 */
public record ClassifierConfig(int batchSize, int maxInFlight, Duration punctuateInterval, Duration studyTtl,
    Duration completedRetention, double fallbackProbability, Aggregation aggregation, int maxPixels) {}
