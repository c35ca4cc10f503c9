package io.spinestream.schemas.serde;

import io.spinestream.schemas.registry.RegistryClientConfig;
import java.util.Map;

/**
 * Configuration keys of the Avro serdes. They are Confluent's names, so that one properties file
 * configures our services and Confluent-based tools alike. Registry connection keys (URL, auth, TLS,
 * timeouts, retries) are in {@link RegistryClientConfig}.
 */
public final class SerdeConfig {
  /** Register the record's schema on first use (default true); if false it must already be registered. */
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
  /** Deserialize into the generated SpecificRecord class named by the writer schema (default false). */
  public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
  public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
  public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";

  private SerdeConfig() {}

  static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
    Object value = configs.get(key);
    if (value == null || value.toString().isBlank()) {
      return fallback;
    }
    String text = value.toString().trim();
    if (text.equalsIgnoreCase("true")) {
      return true;
    }
    if (text.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(key + " must be true or false, was '" + text + "'");
  }

  static SubjectNameStrategy strategy(Map<String, ?> configs, boolean isKey) {
    Object value = configs.get(isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY);
    if (value instanceof Class<?> type) {
      value = type.getName();
    }
    return SubjectNameStrategy.parse(value == null ? null : value.toString());
  }
}
