package io.spinestream.segmenter;

import io.spinestream.events.ModelRef;

/**
 * How slices are prepared for the segmentation model, from its card: input size, HU window and
 * per-channel normalisation (models/README.md, the preprocessing contract), the model's identity for
 * the SliceMask events, and the {@link LevelOrdering} rule the card's {@code postprocessing.level_ordering} asks
 * for over each series before its masks leave.
 */
public record SegmenterSpec(int height, int width, float huLow, float huHigh, float[] mean, float[] std,
    ModelRef model, LevelOrdering.Rule levelOrdering) {

  public SegmenterSpec {
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("mean and std need 3 channels");
    }
  }
}
