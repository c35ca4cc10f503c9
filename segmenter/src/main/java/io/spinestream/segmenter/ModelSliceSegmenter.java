package io.spinestream.segmenter;

import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.streams.RetryLaterException;
import java.util.concurrent.CompletableFuture;

/** {@link SliceSegmenter} on the shared runtime: inputs go to the batching executor, label maps come back. */
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
  public CompletableFuture<byte[]> submit(float[] input) {
    try {
      // The argmax runs on the inference worker as the batch completes: 9 x H x W comparisons are well
      // under a percent of the forward pass, and the logits never reach the stream thread.
      return predictor.submit(new Tensor(input, new long[] {3, height, width}))
          .thenApply(logits -> MaskRegions.argmax(logits.data(), height * width));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryLaterException("interrupted while submitting to the segmentation model", e);
    }
  }
}
