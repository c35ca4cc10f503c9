package io.spinestream.classifier;

import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.streams.RetryLaterException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** {@link VertebraClassifier} on the shared runtime: crop sequences go to the batching executor. */
final class ModelVertebraClassifier implements VertebraClassifier {
  private final BatchingPredictor predictor;
  private final long[] itemShape;

  ModelVertebraClassifier(BatchingPredictor predictor, int height, int width) {
    this.predictor = predictor;
    this.itemShape = new long[] {24, 3, height, width};
  }

  @Override
  public float[] logits(List<float[]> inputs) {
    try {
      List<CompletableFuture<Tensor>> pending = new ArrayList<>(inputs.size());
      for (float[] input : inputs) {
        pending.add(predictor.submit(new Tensor(input, itemShape)));
      }
      float[] logits = new float[inputs.size()];
      for (int i = 0; i < logits.length; i++) {
        // The card's output is [N] or [N, 1]: one logit per vertebra either way.
        logits[i] = pending.get(i).get().data()[0];
      }
      return logits;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryLaterException("interrupted during classification", e);
    } catch (ExecutionException e) {
      throw new RetryLaterException("classification failed: " + e.getCause(), e.getCause());
    }
  }
}
