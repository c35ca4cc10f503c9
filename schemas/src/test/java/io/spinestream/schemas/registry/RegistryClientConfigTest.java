package io.spinestream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryClientConfigTest {

  @Test
  void shouldReadConfluentKeysWithDefaults() {
    RegistryClientConfig config = RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", "http://a:8081/, http://b:8081/apis/ccompat/v7",
        "max.retries", "5", "retries.wait.ms", 50));
    assertThat(config.urls()).containsExactly(URI.create("http://a:8081"), URI.create("http://b:8081/apis/ccompat/v7"));
    assertThat(config.maxRetries()).isEqualTo(5);
    assertThat(config.retryWait()).isEqualTo(Duration.ofMillis(50));
    assertThat(config.retryMaxWait()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.authorizationHeader()).isEmpty();
    assertThat(config.sslContext()).isEmpty();
  }

  @Test
  void shouldBuildBasicAuthFromUserInfo() {
    RegistryClientConfig config = RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", "https://r:8081",
        "basic.auth.credentials.source", "USER_INFO",
        "basic.auth.user.info", "spine:s3cret"));
    assertThat(config.authorizationHeader()).contains(
        "Basic " + Base64.getEncoder().encodeToString("spine:s3cret".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void shouldTakeCredentialsFromUrlAndStripThem() {
    RegistryClientConfig config = RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", "http://u:p@r:8081/apis/ccompat/v7",
        "basic.auth.credentials.source", "URL"));
    assertThat(config.urls()).containsExactly(URI.create("http://r:8081/apis/ccompat/v7"));
    assertThat(config.authorizationHeader()).contains("Basic " + Base64.getEncoder().encodeToString("u:p".getBytes()));
  }

  @Test
  void shouldExplainMissingOrBadSettings() {
    assertThatThrownBy(() -> RegistryClientConfig.fromMap(Map.of()))
        .hasMessageContaining("schema.registry.url is required");
    assertThatThrownBy(() -> RegistryClientConfig.fromMap(Map.of("schema.registry.url", "r:8081")))
        .hasMessageContaining("must be http:// or https://");
    assertThatThrownBy(() -> RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", "http://r", "basic.auth.credentials.source", "USER_INFO")))
        .hasMessageContaining("basic.auth.user.info is empty");
    assertThatThrownBy(() -> RegistryClientConfig.fromMap(Map.of("schema.registry.url", "http://r", "max.retries", "x")))
        .hasMessageContaining("max.retries must be an integer");
    assertThatThrownBy(() -> RegistryClientConfig.fromMap(Map.of(
        "schema.registry.url", "https://r", "schema.registry.ssl.truststore.location", "/nonexistent.jks")))
        .hasMessageContaining("cannot set up TLS");
  }
}
