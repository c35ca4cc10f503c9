package io.spinestream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A starting service waits for an unreachable registry, but not for one that refuses its schema. */
class SchemaCheckTest {
  /** Answers POSTs with the scripted statuses in turn, then {"id":42}; counts requests. */
  private static final class Registry implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final Deque<Integer> statuses;

    Registry(Integer... statuses) throws IOException {
      this.statuses = new ArrayDeque<>(List.of(statuses));
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        exchange.getRequestBody().readAllBytes();
        requests.incrementAndGet();
        Integer status;
        synchronized (this.statuses) {
          status = this.statuses.poll();
        }
        String body = status == null ? "{\"id\":42}" : "{\"error_code\":" + status + "01,\"message\":\"scripted\"}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status == null ? 200 : status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** One HTTP call per attempt, so the scripted statuses map one to one onto SchemaCheck's attempts. */
  private static SchemaRegistryClient client(String url) {
    return new SchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(RegistryClientConfig.URL, url,
        RegistryClientConfig.MAX_RETRIES, 0, RegistryClientConfig.CONNECT_TIMEOUT_MS, 2000)));
  }

  @Test
  void shouldWaitForARegistryThatIsUnavailableAtStart() throws IOException {
    try (Registry registry = new Registry(503, 503)) {
      SchemaCheck.registerValueSchemas(client(registry.url()), List.of(Topics.SLICES), Duration.ofMinutes(1),
          Duration.ofMillis(10));
      assertThat(registry.requests.get()).as("two unavailable answers, then the registration").isEqualTo(3);
    }
  }

  @Test
  void shouldGiveUpNamingTheOutageWhenTheRegistryStaysUnreachable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    assertThatThrownBy(() -> SchemaCheck.registerValueSchemas(client("http://127.0.0.1:" + port), List.of(Topics.SLICES),
        Duration.ZERO, Duration.ofMillis(10)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stayed unreachable")
        .hasMessageContaining("spine.slices-value");
  }

  @Test
  void shouldFailAtOnceWhenTheRegistryRefusesTheSchema() throws IOException {
    try (Registry registry = new Registry(409)) {
      assertThatThrownBy(() -> SchemaCheck.registerValueSchemas(client(registry.url()), List.of(Topics.SLICES),
          Duration.ofMinutes(1), Duration.ofMillis(10)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("refuses");
      assertThat(registry.requests.get()).isEqualTo(1);
    }
  }
}
