package io.spinestream.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Settings of a {@link SchemaRegistryClient}, read from the same keys Confluent's clients use, so a
 * configuration written for Confluent's serializers works here unchanged.
 *
 * <p>TLS: hostname verification is always on (Java's HTTP client does not allow turning it off per
 * client); {@code schema.registry.ssl.endpoint.identification.algorithm} is therefore not supported.
 */
public record RegistryClientConfig(
    List<URI> urls,
    Optional<String> authorizationHeader,
    Optional<SSLContext> sslContext,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxRetries,
    Duration retryWait,
    Duration retryMaxWait) {

  public static final String URL = "schema.registry.url";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  public static final String BASIC_AUTH_USER_INFO_PREFIXED = "schema.registry.basic.auth.user.info";
  public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";
  public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
  public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
  public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
  public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
  public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
  public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
  public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
  public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
  public static final String READ_TIMEOUT_MS = "http.read.timeout.ms";
  public static final String MAX_RETRIES = "max.retries";
  public static final String RETRIES_WAIT_MS = "retries.wait.ms";
  public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";

  public RegistryClientConfig {
    if (urls.isEmpty()) {
      throw new IllegalArgumentException(URL + " is required: the registry's base URL, e.g. "
          + "http://127.0.0.1:8081/apis/ccompat/v7 for Apicurio or http://host:8081 for Confluent");
    }
    urls = List.copyOf(urls);
    if (maxRetries < 0) {
      throw new IllegalArgumentException(MAX_RETRIES + " must be >= 0, was " + maxRetries);
    }
  }

  /** A plain client of one URL with Confluent's default timeouts and retries. */
  public static RegistryClientConfig of(String url) {
    return fromMap(Map.of(URL, url));
  }

  /** Reads the Confluent keys from a Kafka-style configuration map; unknown keys are ignored. */
  public static RegistryClientConfig fromMap(Map<String, ?> configs) {
    List<URI> urls = new ArrayList<>();
    Optional<String> urlUserInfo = Optional.empty();
    for (String part : string(configs, URL, "").split(",")) {
      String trimmed = part.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      URI uri = URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new IllegalArgumentException(URL + " must be http:// or https://, was " + trimmed);
      }
      if (uri.getUserInfo() != null) {
        urlUserInfo = Optional.of(uri.getUserInfo());
        uri = URI.create(uri.getScheme() + "://" + uri.getHost()
            + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + (uri.getPath() == null ? "" : uri.getPath()));
      }
      urls.add(uri);
    }
    return new RegistryClientConfig(
        urls,
        authorization(configs, urlUserInfo),
        sslContext(configs),
        Duration.ofMillis(integer(configs, CONNECT_TIMEOUT_MS, 60_000)),
        Duration.ofMillis(integer(configs, READ_TIMEOUT_MS, 60_000)),
        integer(configs, MAX_RETRIES, 3),
        Duration.ofMillis(integer(configs, RETRIES_WAIT_MS, 1_000)),
        Duration.ofMillis(integer(configs, RETRIES_MAX_WAIT_MS, 20_000)));
  }

  private static Optional<String> authorization(Map<String, ?> configs, Optional<String> urlUserInfo) {
    String bearer = string(configs, BEARER_AUTH_TOKEN, "");
    if (!bearer.isEmpty()) {
      return Optional.of("Bearer " + bearer);
    }
    String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE, "").toUpperCase(Locale.ROOT);
    String userInfo = string(configs, BASIC_AUTH_USER_INFO, string(configs, BASIC_AUTH_USER_INFO_PREFIXED, ""));
    String credentials;
    switch (source) {
      case "URL" -> credentials = urlUserInfo.orElseThrow(() -> new IllegalArgumentException(
          BASIC_AUTH_CREDENTIALS_SOURCE + "=URL but " + URL + " has no user:password@"));
      case "USER_INFO" -> {
        if (userInfo.isEmpty()) {
          throw new IllegalArgumentException(
              BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO but " + BASIC_AUTH_USER_INFO + " is empty");
        }
        credentials = userInfo;
      }
      case "" -> credentials = !userInfo.isEmpty() ? userInfo : urlUserInfo.orElse("");
      default -> throw new IllegalArgumentException(
          BASIC_AUTH_CREDENTIALS_SOURCE + " must be URL or USER_INFO, was " + source);
    }
    if (credentials.isEmpty()) {
      return Optional.empty();
    }
    if (!credentials.contains(":")) {
      throw new IllegalArgumentException("basic auth credentials must be user:password");
    }
    return Optional.of("Basic "
        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
  }

  private static Optional<SSLContext> sslContext(Map<String, ?> configs) {
    String truststore = string(configs, SSL_TRUSTSTORE_LOCATION, "");
    String keystore = string(configs, SSL_KEYSTORE_LOCATION, "");
    if (truststore.isEmpty() && keystore.isEmpty()) {
      return Optional.empty();
    }
    try {
      TrustManagerFactory trust = null;
      if (!truststore.isEmpty()) {
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(loadKeyStore(truststore, string(configs, SSL_TRUSTSTORE_TYPE, "JKS"),
            string(configs, SSL_TRUSTSTORE_PASSWORD, "")));
      }
      KeyManagerFactory keys = null;
      if (!keystore.isEmpty()) {
        String storePassword = string(configs, SSL_KEYSTORE_PASSWORD, "");
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(loadKeyStore(keystore, string(configs, SSL_KEYSTORE_TYPE, "JKS"), storePassword),
            string(configs, SSL_KEY_PASSWORD, storePassword).toCharArray());
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(),
          trust == null ? null : trust.getTrustManagers(), null);
      return Optional.of(context);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e.getMessage(), e);
    }
  }

  private static KeyStore loadKeyStore(String location, String type, String password)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      store.load(in, password.toCharArray());
    }
    return store;
  }

  static String string(Map<String, ?> configs, String key, String fallback) {
    Object value = configs.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof org.apache.kafka.common.config.types.Password password) {
      return password.value();
    }
    return value.toString().trim();
  }

  static int integer(Map<String, ?> configs, String key, int fallback) {
    Object value = configs.get(key);
    if (value == null || value.toString().isBlank()) {
      return fallback;
    }
    if (value instanceof Number number) {
      return number.intValue();
    }
    try {
      return Integer.parseInt(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, was '" + value + "'", e);
    }
  }
}
