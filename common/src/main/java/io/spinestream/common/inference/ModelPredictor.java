package io.spinestream.common.inference;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;

/**
 * Runs forwards of one {@link TorchModel}. Not thread-safe, like the DJL {@code Predictor} it wraps: create
 * one per thread and close it with the thread's owner. The first call on a thread applies the engine's
 * thread-local settings to it.
 */
public final class ModelPredictor implements AutoCloseable {
  private final Predictor<Tensor, Tensor> predictor;
  private final EngineConfig config;
  private Thread configuredThread;

  ModelPredictor(Predictor<Tensor, Tensor> predictor, EngineConfig config) {
    this.predictor = predictor;
    this.config = config;
  }

  /**
   * One forward pass on a batch {@code [B, ...]}.
   *
   * @throws InferenceException when the engine fails (wrong shape, native error)
   */
  public Tensor predict(Tensor batch) {
    if (configuredThread != Thread.currentThread()) {
      TorchRuntime.configureCurrentThread(config);
      configuredThread = Thread.currentThread();
    }
    try {
      return predictor.predict(batch);
    } catch (TranslateException | RuntimeException e) {
      throw new InferenceException("forward pass on " + batch + " failed: " + TorchRuntime.rootMessage(e), e);
    }
  }

  @Override
  public void close() {
    predictor.close();
  }
}
