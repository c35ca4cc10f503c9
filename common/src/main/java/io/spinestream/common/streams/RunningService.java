package io.spinestream.common.streams;

import io.spinestream.common.http.ServiceHttpServer;

/** A started service without a model: its streams and its HTTP endpoint (null without a port), closed in that order. */
public record RunningService(StreamsRunner runner, ServiceHttpServer http) implements ServiceMain.Started {
  @Override
  public void close() {
    runner.close();
    if (http != null) {
      http.close();
    }
  }
}
