package io.spinestream.classifier;

import io.spinestream.events.ModelRef;

/**
 * How crops are prepared for the classifier, from its card: crop size, HU window and per-channel
 * normalisation (models/README.md), and the model's identity for the score events.
 */
public record ClassifierSpec(int height, int width, float huLow, float huHigh, float[] mean, float[] std,
    ModelRef model) {}
