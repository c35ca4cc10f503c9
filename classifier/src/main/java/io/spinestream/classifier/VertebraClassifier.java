package io.spinestream.classifier;

import java.util.concurrent.CompletableFuture;

/**
 * Runs the fracture model: one crop sequence (24 x 3 x H x W, normalised) in, its logit out.
 * {@link #submit} hands the input over without waiting for the model (the stream thread takes the result
 * back at a later punctuation); inputs submitted together may run as one batch.
 */
public interface VertebraClassifier {
  CompletableFuture<Float> submit(float[] input);
}
