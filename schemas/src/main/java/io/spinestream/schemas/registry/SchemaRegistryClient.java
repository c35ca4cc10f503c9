package io.spinestream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Confluent Schema Registry REST API (v7), which Confluent's registry, Apicurio's
 * {@code /apis/ccompat/v7} and Karapace all serve. Avro only.
 *
 * <p>Thread-safe. Schema ids are immutable in a registry, so lookups by id and the id of a schema under
 * a subject are cached for the life of the client; subject-level reads (latest version, compatibility)
 * always go to the registry.
 *
 * <p>Failures: a 4xx answer throws {@link SchemaRegistryException} at once. Connection failures, 408, 429
 * and 5xx are retried up to {@code max.retries} times with exponential backoff and jitter (starting at
 * {@code retries.wait.ms}, capped at {@code retries.max.wait.ms}), moving to the next URL of the list each
 * time; when all attempts fail, {@link RegistryUnavailableException} is thrown.
 */
public final class SchemaRegistryClient implements SchemaRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json, application/json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryClientConfig config;
  private final HttpClient http;
  private final AtomicInteger preferredUrl = new AtomicInteger();
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  public SchemaRegistryClient(RegistryClientConfig config) {
    this.config = config;
    HttpClient.Builder builder = HttpClient.newBuilder()
        .connectTimeout(config.connectTimeout())
        .followRedirects(HttpClient.Redirect.NORMAL);
    config.sslContext().ifPresent(builder::sslContext);
    this.http = builder.build();
  }

  public RegistryClientConfig config() {
    return config;
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    JsonNode response = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    int id = requiredInt(response, "id");
    idsBySubjectSchema.put(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Optional<Integer> lookup(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    try {
      JsonNode response = call("POST", "/subjects/" + encode(subject), schemaBody(schema));
      int id = requiredInt(response, "id");
      idsBySubjectSchema.put(key, id);
      schemasById.putIfAbsent(id, schema);
      return Optional.of(id);
    } catch (SchemaRegistryException e) {
      if (e.isNotFound()) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode response = call("GET", "/schemas/ids/" + id, null);
    String type = response.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw new SchemaRegistryException("schema id " + id + " is " + type + ", not AVRO", 200, -1);
    }
    if (response.path("references").size() > 0) {
      throw new SchemaRegistryException(
          "schema id " + id + " uses schema references, which this client does not resolve", 200, -1);
    }
    Schema schema = parse(requiredText(response, "schema"), "schema id " + id);
    schemasById.putIfAbsent(id, schema);
    return schema;
  }

  /** The newest version of the subject. */
  public RegisteredSchema latest(String subject) {
    return version(subject, "latest");
  }

  /** A version of the subject: a number, or "latest". */
  public RegisteredSchema version(String subject, String version) {
    JsonNode response = call("GET", "/subjects/" + encode(subject) + "/versions/" + version, null);
    int id = requiredInt(response, "id");
    Schema schema = parse(requiredText(response, "schema"), "subject " + subject);
    schemasById.putIfAbsent(id, schema);
    return new RegisteredSchema(subject, requiredInt(response, "version"), id, schema);
  }

  /**
   * Whether the schema could be registered under the subject by its compatibility rule. A subject
   * that does not exist yet accepts any schema.
   */
  public boolean isCompatible(String subject, Schema schema) {
    try {
      JsonNode response = call("POST",
          "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
      return response.path("is_compatible").asBoolean(false);
    } catch (SchemaRegistryException e) {
      if (e.isNotFound()) {
        return true;
      }
      throw e;
    }
  }

  public List<String> subjects() {
    List<String> subjects = new ArrayList<>();
    call("GET", "/subjects", null).forEach(node -> subjects.add(node.asText()));
    return subjects;
  }

  public List<Integer> versions(String subject) {
    List<Integer> versions = new ArrayList<>();
    call("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(node -> versions.add(node.asInt()));
    return versions;
  }

  /** The compatibility level of the subject, or the global level when the subject is empty. */
  public String compatibility(Optional<String> subject) {
    try {
      JsonNode response = call("GET", configPath(subject), null);
      return response.path("compatibilityLevel").asText(response.path("compatibility").asText());
    } catch (SchemaRegistryException e) {
      if (subject.isPresent() && e.isNotFound()) {
        return compatibility(Optional.empty());
      }
      throw e;
    }
  }

  /** Sets the compatibility level (NONE, BACKWARD, FORWARD, FULL and their _TRANSITIVE forms). */
  public void setCompatibility(Optional<String> subject, String level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level);
    call("PUT", configPath(subject), body.toString());
  }

  /** Soft-deletes every version of the subject; returns the deleted versions. */
  public List<Integer> deleteSubject(String subject) {
    List<Integer> versions = new ArrayList<>();
    call("DELETE", "/subjects/" + encode(subject), null).forEach(node -> versions.add(node.asInt()));
    idsBySubjectSchema.keySet().removeIf(key -> key.subject().equals(subject));
    return versions;
  }

  private static String configPath(Optional<String> subject) {
    return subject.map(s -> "/config/" + encode(s)).orElse("/config");
  }

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private JsonNode call(String method, String path, String body) {
    int attempts = config.maxRetries() + 1;
    List<URI> urls = config.urls();
    String lastProblem = "";
    Throwable lastCause = null;
    int lastStatus = -1;
    for (int attempt = 0; attempt < attempts; attempt++) {
      int urlIndex = Math.floorMod(preferredUrl.get(), urls.size());
      URI uri = URI.create(urls.get(urlIndex) + path);
      try {
        HttpResponse<String> response = http.send(request(method, uri, body), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
          return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        }
        if (!isRetriable(status)) {
          throw error(method, uri, status, response.body());
        }
        lastStatus = status;
        lastProblem = "HTTP " + status + " " + abbreviate(response.body());
        lastCause = null;
      } catch (IOException e) {
        if (isTlsFailure(e)) {
          // An untrusted or mismatched certificate does not heal by retrying: say so at once, with the fix.
          throw new SchemaRegistryException("TLS handshake with the schema registry at " + uri + " failed ("
              + rootMessage(e) + "): its certificate is not trusted or does not name this host; set "
              + RegistryClientConfig.SSL_TRUSTSTORE_LOCATION + " (registry.ssl.truststore.location in SpineStream's "
              + "settings) to a trust store holding the registry's CA, and use the host name its certificate names", e);
        }
        lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        lastCause = e;
        lastStatus = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryUnavailableException("interrupted while calling the schema registry at " + uri, e);
      }
      preferredUrl.compareAndSet(urlIndex, urlIndex + 1);
      if (attempt + 1 < attempts) {
        Duration wait = backoff(attempt);
        LOG.warn("schema registry {} {} failed ({}); retry {}/{} in {} ms",
            method, uri, lastProblem, attempt + 1, attempts - 1, wait.toMillis());
        sleep(wait, uri);
      }
    }
    String message = "schema registry unavailable after " + attempts + " attempt(s) of " + method + " "
        + path + " at " + urls + ": " + lastProblem;
    if (lastCause != null) {
      throw new RegistryUnavailableException(message, lastCause);
    }
    throw new RegistryUnavailableException(message, lastStatus);
  }

  private HttpRequest request(String method, URI uri, String body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
        .timeout(config.requestTimeout())
        .header("Accept", ACCEPT);
    config.authorizationHeader().ifPresent(value -> builder.header("Authorization", value));
    if (body != null) {
      builder.header("Content-Type", CONTENT_TYPE)
          .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    } else {
      builder.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return builder.build();
  }

  private static boolean isTlsFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertificateException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  private static boolean isRetriable(int status) {
    return status >= 500 || status == 429 || status == 408;
  }

  /** Exponential backoff with jitter, so that many clients do not retry in step. */
  Duration backoff(int attempt) {
    long base = config.retryWait().toMillis();
    long capped = Math.min(config.retryMaxWait().toMillis(), base << Math.min(attempt, 20));
    long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    return Duration.ofMillis(jittered);
  }

  private static void sleep(Duration wait, URI uri) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException("interrupted while waiting to retry " + uri, e);
    }
  }

  private static SchemaRegistryException error(String method, URI uri, int status, String body) {
    int errorCode = status;
    String message = abbreviate(body);
    try {
      JsonNode json = JSON.readTree(body);
      errorCode = json.path("error_code").asInt(status);
      message = json.path("message").asText(message);
    } catch (IOException | RuntimeException ignored) {
      // Not JSON (a proxy's error page, say): keep the raw text.
    }
    String hint = switch (status) {
      case 401 -> " (the registry refused the credentials: check " + RegistryClientConfig.BASIC_AUTH_USER_INFO
          + ", registry.basic.auth.user.info in SpineStream's settings, or the bearer token)";
      case 403 -> " (the credentials are valid but may not do this: the registry's administrator grants it)";
      default -> "";
    };
    return new SchemaRegistryException(
        "schema registry " + method + " " + uri + " answered " + status + " (error " + errorCode + "): " + message + hint,
        status, errorCode);
  }

  private static Schema parse(String text, String what) {
    try {
      return new Schema.Parser().parse(text);
    } catch (RuntimeException e) {
      throw new SchemaRegistryException("registry returned an invalid Avro schema for " + what + ": "
          + e.getMessage(), e);
    }
  }

  private static int requiredInt(JsonNode response, String field) {
    JsonNode node = response.get(field);
    if (node == null || !node.canConvertToInt()) {
      throw new SchemaRegistryException("registry response lacks '" + field + "': " + abbreviate(response.toString()),
          200, -1);
    }
    return node.asInt();
  }

  private static String requiredText(JsonNode response, String field) {
    JsonNode node = response.get(field);
    if (node == null || !node.isTextual()) {
      throw new SchemaRegistryException("registry response lacks '" + field + "': " + abbreviate(response.toString()),
          200, -1);
    }
    return node.asText();
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String abbreviate(String text) {
    String flat = text == null ? "" : text.replaceAll("\\s+", " ").trim();
    return flat.length() <= 300 ? flat : flat.substring(0, 300) + "...";
  }
}
