package io.spinestream.common.streams;

import io.spinestream.common.http.ServiceHttpServer;
import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.TorchModel;

/**
 * A started model service (segmenter, classifier): its streams, its HTTP endpoint (null without a port), its
 * predictor and its model, closed in that order, so that nothing is handed to a predictor or model already closed.
 */
public record RunningModelService(StreamsRunner runner, ServiceHttpServer http, BatchingPredictor predictor,
    TorchModel model) implements ServiceMain.Started {
  @Override
  public void close() {
    new RunningService(runner, http).close();
    predictor.close();
    model.close();
  }
}
