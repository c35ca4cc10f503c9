package io.spinestream.classifier;

import java.time.Duration;

/**
 * @param batchSize vertebrae scored per punctuation (and the most the model sees at once)
 * @param punctuateInterval how often ready studies are scored (wall clock)
 * @param studyTtl a study not scored this long after its last event is dropped (and dead-lettered if crops
 *     had arrived), so the slice store stays bounded under load
 * @param completedRetention how long a scored series is remembered, so late duplicates are recognised
 * @param fallbackProbability the probability of a vertebra the segmentation did not find (flagged as fallback)
 * @param aggregation patient_overall from C1..C7
 * @param maxPixels largest rows x columns accepted
 */
public record ClassifierConfig(int batchSize, Duration punctuateInterval, Duration studyTtl,
    Duration completedRetention, double fallbackProbability, Aggregation aggregation, int maxPixels) {}
