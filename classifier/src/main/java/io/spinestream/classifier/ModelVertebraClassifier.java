package io.spinestream.classifier;

import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.streams.RetryLaterException;
import java.util.concurrent.CompletableFuture;

/** {@link VertebraClassifier} on the shared runtime: crop sequences go to the batching executor. */
final class ModelVertebraClassifier implements VertebraClassifier {
  private final BatchingPredictor predictor;
  private final long[] itemShape;

  ModelVertebraClassifier(BatchingPredictor predictor, int height, int width) {
    this.predictor = predictor;
    this.itemShape = new long[] {24, 3, height, width};
  }

  @Override
  public CompletableFuture<Float> submit(float[] input) {
    try {
      // The card's output is [N] or [N, 1]: one logit per vertebra either way.
      return predictor.submit(new Tensor(input, itemShape)).thenApply(output -> output.data()[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryLaterException("interrupted while submitting to the classification model", e);
    }
  }
}
