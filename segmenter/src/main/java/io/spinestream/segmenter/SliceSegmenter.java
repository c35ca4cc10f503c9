package io.spinestream.segmenter;

import java.util.concurrent.CompletableFuture;

/**
 * Runs the segmentation model: one 2.5D input (3 x H x W, normalised, channel-major) in, its label map
 * (H x W, argmax over the classes) out. {@link #submit} hands the input over without waiting for the model
 * (the stream thread calls it and takes the result back at a later punctuation); inputs submitted together
 * may run as one batch.
 */
public interface SliceSegmenter {
  CompletableFuture<byte[]> submit(float[] input);
}
