package io.spinestream.common.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.metrics.PipelineFlowMetrics;
import io.spinestream.common.metrics.ServiceMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every service's operational endpoints: {@code GET /health} (200 when healthy, 503 otherwise, with a
 * one-line JSON body) and {@code GET /metrics} (Prometheus text format). Besides the service's own meters,
 * {@code /metrics} has what all services share ({@link ServiceMetrics}): JVM, CPU, resident memory, and the
 * pipeline flow under common names (records in and out per topic, dead letters, consumer lag, record latency),
 * bound here so that no service can leave them out.
 */
public final class ServiceHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceHttpServer.class);

  /** What /health reports. */
  public record Health(boolean healthy, String status, String detail) {
    public static Health up(String detail) {
      return new Health(true, "UP", detail);
    }

    public static Health down(String status, String detail) {
      return new Health(false, status, detail);
    }
  }

  private final HttpServer server;

  /**
   * Starts serving on {@code host:port} (port 0 picks a free one).
   */
  public ServiceHttpServer(String host, int port, PrometheusMeterRegistry metrics, Supplier<Health> health)
      throws IOException {
    PipelineFlowMetrics flow = ServiceMetrics.bindTo(metrics);
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "http-endpoints");
      thread.setDaemon(true);
      return thread;
    }));
    server.createContext("/metrics", exchange -> {
      flow.refresh();
      respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
    });
    server.createContext("/health", exchange -> {
      Health current = health.get();
      String body = "{\"status\":\"" + current.status() + "\",\"detail\":\"" + escape(current.detail()) + "\"}";
      respond(exchange, current.healthy() ? 200 : 503, "application/json", body);
    });
    server.start();
    LOG.info("health and metrics on http://{}:{}/health and /metrics", host, port());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String escape(String text) {
    return text == null ? "" : text.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
