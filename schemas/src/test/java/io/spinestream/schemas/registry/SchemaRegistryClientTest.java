package io.spinestream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.events.ModelRef;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SchemaRegistryClientTest {
  private static final Schema SCHEMA = ModelRef.getClassSchema();
  private static final String SCHEMA_JSON = SCHEMA.toString().replace("\\", "\\\\").replace("\"", "\\\"");

  private static SchemaRegistryClient client(String urls, int maxRetries) {
    return new SchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", urls, "max.retries", maxRetries,
        "retries.wait.ms", 1, "retries.max.wait.ms", 5,
        "basic.auth.user.info", "spine:pw")));
  }

  @Test
  void shouldRetryServerErrorsThenSucceed() throws IOException {
    try (ScriptedRegistry registry = new ScriptedRegistry()) {
      registry.then(503, "busy").then(500, "{\"error_code\":50001,\"message\":\"store\"}").then(200, "{\"id\":7}");
      assertThat(client(registry.url(), 3).register("t-value", SCHEMA)).isEqualTo(7);
      assertThat(registry.requests()).hasSize(3)
          .allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/subjects/t-value/versions");
            assertThat(r.authorization()).startsWith("Basic ");
            assertThat(r.body()).contains("\"schema\"").contains("ModelRef");
          });
    }
  }

  @Test
  void shouldGiveUpAfterMaxRetriesWithRetriableError() throws IOException {
    try (ScriptedRegistry registry = new ScriptedRegistry()) {
      for (int i = 0; i < 5; i++) {
        registry.then(503, "busy");
      }
      assertThatThrownBy(() -> client(registry.url(), 2).schemaById(1))
          .isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining("after 3 attempt(s)")
          .hasMessageContaining("HTTP 503");
      assertThat(registry.requests()).hasSize(3);
    }
  }

  @Test
  void shouldNotRetryClientErrors() throws IOException {
    try (ScriptedRegistry registry = new ScriptedRegistry()) {
      registry.then(409, "{\"error_code\":409,\"message\":\"Incompatible\"}");
      assertThatThrownBy(() -> client(registry.url(), 3).register("t-value", SCHEMA))
          .isInstanceOf(SchemaRegistryException.class)
          .isNotInstanceOf(RegistryUnavailableException.class)
          .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(409))
          .hasMessageContaining("Incompatible");
      assertThat(registry.requests()).hasSize(1);
    }
  }

  @Test
  void shouldSayWhichSettingToCheckWhenTheRegistryRefusesTheCredentials() throws IOException {
    try (ScriptedRegistry registry = new ScriptedRegistry()) {
      registry.then(401, "Unauthorized");
      assertThatThrownBy(() -> client(registry.url(), 3).register("t-value", SCHEMA))
          .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401))
          .hasMessageContaining("answered 401")
          .hasMessageContaining("refused the credentials: check basic.auth.user.info")
          .hasMessageNotContaining("spine:pw");
      assertThat(registry.requests()).as("not retried").hasSize(1);
    }
  }

  @Test
  void shouldFailOverToTheNextUrlWhenOneIsDown() throws IOException {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    try (ScriptedRegistry registry = new ScriptedRegistry()) {
      registry.then(200, "{\"schema\":\"" + SCHEMA_JSON + "\"}");
      SchemaRegistryClient client = client("http://127.0.0.1:" + deadPort + "," + registry.url(), 2);
      assertThat(client.schemaById(3)).isEqualTo(SCHEMA);
      // Cached: the id is immutable, no second request.
      assertThat(client.schemaById(3)).isEqualTo(SCHEMA);
      assertThat(registry.requests()).hasSize(1);
    }
  }

  @Test
  void shouldReportNotFoundAsEmptyLookup() throws IOException {
    try (ScriptedRegistry registry = new ScriptedRegistry()) {
      registry.then(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
      assertThat(client(registry.url(), 0).lookup("t-value", SCHEMA)).isEqualTo(Optional.empty());
    }
  }

  @Test
  void shouldBackOffExponentiallyWithinTheCap() {
    SchemaRegistryClient client = new SchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", "http://127.0.0.1:1", "retries.wait.ms", 100, "retries.max.wait.ms", 1000)));
    for (int attempt = 0; attempt < 8; attempt++) {
      long cap = Math.min(1000, 100L << attempt);
      Duration wait = client.backoff(attempt);
      assertThat(wait.toMillis()).isBetween(cap / 2, cap);
    }
  }
}
