package io.spinestream.segmenter;

import java.util.List;

/**
 * Runs the segmentation model: 2.5D inputs (3 x H x W, normalised, channel-major) in, one label map
 * (H x W, argmax over the classes) per input out, in order.
 */
public interface SliceSegmenter {
  List<byte[]> segment(List<float[]> inputs);
}
