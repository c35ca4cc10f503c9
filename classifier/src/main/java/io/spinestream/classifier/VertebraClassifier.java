package io.spinestream.classifier;

import java.util.List;

/** Runs the fracture model: crop sequences (24 x 3 x H x W, normalised) in, one logit each out, in order. */
public interface VertebraClassifier {
  float[] logits(List<float[]> inputs);
}
