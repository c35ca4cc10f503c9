package io.spinestream.segmenter;

import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.streams.RetryLaterException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** {@link SliceSegmenter} on the shared runtime: inputs go to the batching executor, logits come back. */
final class ModelSliceSegmenter implements SliceSegmenter {
  private final BatchingPredictor predictor;
  private final int height;
  private final int width;

  ModelSliceSegmenter(BatchingPredictor predictor, int height, int width) {
    this.predictor = predictor;
    this.height = height;
    this.width = width;
  }

  @Override
  public List<byte[]> segment(List<float[]> inputs) {
    List<CompletableFuture<Tensor>> pending = new ArrayList<>(inputs.size());
    try {
      for (float[] input : inputs) {
        pending.add(predictor.submit(new Tensor(input, new long[] {3, height, width})));
      }
      List<byte[]> labels = new ArrayList<>(inputs.size());
      for (CompletableFuture<Tensor> future : pending) {
        labels.add(MaskRegions.argmax(future.get().data(), height * width));
      }
      return labels;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryLaterException("interrupted during segmentation", e);
    } catch (ExecutionException e) {
      // A model that fails is not the record's fault: the series is processed again after a pause.
      throw new RetryLaterException("segmentation failed: " + e.getCause(), e.getCause());
    }
  }
}
