package io.spinestream.it;

import io.spinestream.common.inference.ModelCard;

/** The shipped models the pipeline tests run (models/shipped). */
final class Models {
  static final String SEGMENTER_CARD = "spine-seg-b0w025-256.json";
  static final String CLASSIFIER_CARD = "spine-cls-plainw025-96.json";

  private Models() {}

  /** "name version" of the shipped segmenter, from its card, as evaluations name the models that scored. */
  static String segmenter() {
    ModelCard card = ModelCard.read(PipelineFixture.MODELS.resolve(SEGMENTER_CARD));
    return card.name() + " " + card.version();
  }

  /** The shipped classifier's version, from its card. */
  static String classifierVersion() {
    return ModelCard.read(PipelineFixture.MODELS.resolve(CLASSIFIER_CARD)).version();
  }

  /** H (= W) of the shipped segmenter's input, from its card. */
  static int segmenterInputSize() {
    long[] shape = ModelCard.read(PipelineFixture.MODELS.resolve(SEGMENTER_CARD)).itemInputShape();
    return (int) shape[1];
  }
}
