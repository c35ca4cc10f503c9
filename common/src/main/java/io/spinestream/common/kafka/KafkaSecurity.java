package io.spinestream.common.kafka;

import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a service authenticates to Kafka and the schema registry, checked at start.
 *
 * <p>Kafka: {@code kafka.security.protocol} (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), {@code kafka.ssl.*} (Kafka's
 * own keys, passed through), and for SASL {@code kafka.sasl.mechanism} (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) with
 * {@code kafka.sasl.username} and {@code kafka.sasl.password} or {@code kafka.sasl.password.file}, from which the
 * JAAS login line is built; a hand-written {@code kafka.sasl.jaas.config} also works (any mechanism). Registry:
 * {@code registry.basic.auth.user.info} (or {@code registry.basic.auth.user.info.file}) and {@code registry.ssl.*}.
 *
 * <p>Settings that cannot work together stop the service at start with every problem listed, each naming the key
 * and the fix, instead of an authentication error (or a silent plaintext connection) later. Passwords never appear
 * in a message: only the keys that hold them.
 */
public final class KafkaSecurity {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSecurity.class);

  public static final Setting<String> SASL_USERNAME = Setting.string("kafka.sasl.username", null,
      "SASL user (SCRAM or PLAIN); the login line is built from it and the password").optionalValue();
  public static final Setting<String> SASL_PASSWORD = Setting.string("kafka.sasl.password", null,
      "SASL password; prefer kafka.sasl.password.file, which keeps it out of the environment").optionalValue();
  public static final Setting<Path> SASL_PASSWORD_FILE = Setting.path("kafka.sasl.password.file", null,
      "file holding only the SASL password (a trailing newline is ignored)").optionalValue();
  public static final Setting<Path> REGISTRY_USER_INFO_FILE = Setting.path("registry.basic.auth.user.info.file", null,
      "file holding the registry's basic-auth credentials as user:password").optionalValue();

  /** Declared settings; everything else is Kafka's and the registry client's own keys, passed through. */
  public static final List<Setting<?>> SETTINGS =
      List.of(SASL_USERNAME, SASL_PASSWORD, SASL_PASSWORD_FILE, REGISTRY_USER_INFO_FILE);

  static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  /** The mechanisms whose login line is built here; others need a whole {@code kafka.sasl.jaas.config}. */
  static final Map<String, String> LOGIN_MODULES = Map.of(
      "SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule",
      "SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule",
      "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule");
  private static final List<String> STORES = List.of("truststore", "keystore");

  private final Map<String, String> kafkaProperties;
  private final String registryUserInfo;
  private final String description;

  private KafkaSecurity(Map<String, String> kafkaProperties, String registryUserInfo, String description) {
    this.kafkaProperties = Map.copyOf(kafkaProperties);
    this.registryUserInfo = registryUserInfo;
    this.description = description;
  }

  /**
   * Checks the security settings and resolves them (the password file read, the login line built).
   *
   * @throws ConfigException naming every key that is missing, contradictory or points at a file that cannot be used
   */
  public static KafkaSecurity resolve(Settings settings, String registryUrl) {
    List<String> problems = new ArrayList<>();
    Map<String, String> kafka = settings.withPrefix("kafka.");
    Map<String, String> resolved = new HashMap<>();

    String protocolText = kafka.getOrDefault("security.protocol", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
    String protocol = protocolText.isEmpty() ? "PLAINTEXT" : protocolText;
    if (!PROTOCOLS.contains(protocol)) {
      problems.add("kafka.security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, was '" + protocolText
          + "'" + how("kafka.security.protocol"));
      protocol = "PLAINTEXT";
    }
    resolved.put("security.protocol", protocol);
    boolean sasl = protocol.startsWith("SASL_");
    boolean tls = protocol.endsWith("SSL");

    String mechanism = kafka.getOrDefault("sasl.mechanism", "").trim().toUpperCase(Locale.ROOT);
    String jaas = kafka.getOrDefault("sasl.jaas.config", "").trim();
    String username = settings.get(SASL_USERNAME);
    String password = settings.get(SASL_PASSWORD);
    Path passwordFile = settings.get(SASL_PASSWORD_FILE);
    if (sasl) {
      if (mechanism.isEmpty()) {
        problems.add("kafka.security.protocol=" + protocol + " needs kafka.sasl.mechanism: SCRAM-SHA-512, "
            + "SCRAM-SHA-256 or PLAIN, as the broker's listener offers" + how("kafka.sasl.mechanism"));
      } else {
        resolved.put("sasl.mechanism", mechanism);
      }
      if (!jaas.isEmpty()) {
        if (username != null || password != null || passwordFile != null) {
          problems.add("kafka.sasl.jaas.config and kafka.sasl.username/password are both set: give either the whole "
              + "JAAS login line or kafka.sasl.username with kafka.sasl.password(.file), not both");
        }
      } else if (!mechanism.isEmpty() && !LOGIN_MODULES.containsKey(mechanism)) {
        problems.add("kafka.sasl.mechanism=" + mechanism + " needs the whole login line in kafka.sasl.jaas.config "
            + "(username and password are turned into one only for SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN)");
      } else {
        // Checked even without a mechanism, so that one start lists everything that is missing.
        String needs = mechanism.isEmpty() ? "kafka.security.protocol=" + protocol : "kafka.sasl.mechanism=" + mechanism;
        String secret = password(username, password, passwordFile, needs, problems);
        if (!mechanism.isEmpty() && username != null && secret != null) {
          resolved.put("sasl.jaas.config", LOGIN_MODULES.get(mechanism) + " required username=\"" + escape(username)
              + "\" password=\"" + escape(secret) + "\";");
        }
        if (protocol.equals("SASL_PLAINTEXT") && mechanism.equals("PLAIN")) {
          LOG.warn("kafka.sasl.mechanism=PLAIN over kafka.security.protocol=SASL_PLAINTEXT sends the password "
              + "unencrypted: use SASL_SSL outside a trusted network");
        }
      }
    } else {
      for (String key : List.of("kafka.sasl.mechanism", "kafka.sasl.jaas.config")) {
        if (!kafka.getOrDefault(key.substring("kafka.".length()), "").isBlank()) {
          problems.add(unused(key, protocol, "SASL_SSL (or SASL_PLAINTEXT)"));
        }
      }
      if (username != null) {
        problems.add(unused(SASL_USERNAME.key(), protocol, "SASL_SSL (or SASL_PLAINTEXT)"));
      }
      if (password != null || passwordFile != null) {
        problems.add(unused(password != null ? SASL_PASSWORD.key() : SASL_PASSWORD_FILE.key(), protocol,
            "SASL_SSL (or SASL_PLAINTEXT)"));
      }
    }

    for (String store : STORES) {
      String location = kafka.getOrDefault("ssl." + store + ".location", "").trim();
      if (location.isEmpty()) {
        continue;
      }
      String key = "kafka.ssl." + store + ".location";
      if (!tls) {
        problems.add(unused(key, protocol, "SSL or SASL_SSL"));
        continue;
      }
      checkStore(key, location, kafka.getOrDefault("ssl." + store + ".type", "JKS"),
          kafka.get("ssl." + store + ".password"), "kafka.ssl." + store, problems);
    }
    if (tls && kafka.containsKey("ssl.endpoint.identification.algorithm")
        && kafka.get("ssl.endpoint.identification.algorithm").isBlank()) {
      LOG.warn("kafka.ssl.endpoint.identification.algorithm is empty: the broker's host name is not checked "
          + "against its certificate");
    }

    String userInfo = registryUserInfo(settings, registryUrl, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    String description = protocol + (sasl ? ", " + (resolved.containsKey("sasl.jaas.config")
        ? mechanism + " as '" + username + "'" : mechanism + " (kafka.sasl.jaas.config)") : "")
        + (tls && kafka.containsKey("ssl.truststore.location") ? ", trusting " + kafka.get("ssl.truststore.location") : "")
        + "; registry " + (userInfo != null || settings.withPrefix("registry.").containsKey("basic.auth.user.info")
        ? "with basic auth" : "without credentials");
    return new KafkaSecurity(resolved, userInfo, description);
  }

  /** Properties every Kafka client of the service gets on top of the {@code kafka.*} ones. */
  public Map<String, String> kafkaProperties() {
    return kafkaProperties;
  }

  /** The registry credentials read from {@code registry.basic.auth.user.info.file}, or null. */
  String registryUserInfoFromFile() {
    return registryUserInfo;
  }

  /** One line for the start-up log, without secrets. */
  public String describe() {
    return description;
  }

  private static String password(String username, String password, Path passwordFile, String needs,
      List<String> problems) {
    if (username == null || username.isBlank()) {
      problems.add(needs + " needs kafka.sasl.username" + how(SASL_USERNAME.key()));
    }
    if (password != null && passwordFile != null) {
      problems.add("kafka.sasl.password and kafka.sasl.password.file are both set: keep one (the file keeps the "
          + "password out of the environment)");
      return null;
    }
    if (passwordFile != null) {
      return readSecret(SASL_PASSWORD_FILE.key(), passwordFile, "the SASL password", problems);
    }
    if (password == null) {
      problems.add(needs + " needs a password: kafka.sasl.password.file (a file "
          + "holding only the password; KAFKA_SASL_PASSWORD_FILE or --kafka.sasl.password.file) or kafka.sasl.password "
          + "(KAFKA_SASL_PASSWORD)");
    }
    return password;
  }

  private static String registryUserInfo(Settings settings, String registryUrl, List<String> problems) {
    Map<String, String> registry = settings.withPrefix("registry.");
    Path file = settings.get(REGISTRY_USER_INFO_FILE);
    String inline = registry.get("basic.auth.user.info");
    String userInfo = null;
    if (file != null && inline != null) {
      problems.add("registry.basic.auth.user.info and registry.basic.auth.user.info.file are both set: keep one");
    } else if (file != null) {
      userInfo = readSecret(REGISTRY_USER_INFO_FILE.key(), file, "the registry credentials", problems);
    }
    String credentials = userInfo != null ? userInfo : inline;
    if (credentials != null && !credentials.isBlank() && !credentials.contains(":")) {
      problems.add((userInfo != null ? REGISTRY_USER_INFO_FILE.key() : "registry.basic.auth.user.info")
          + " must hold user:password (the colon is missing)");
    }
    boolean https = registryUrl != null && List.of(registryUrl.split(",")).stream()
        .allMatch(u -> u.trim().toLowerCase(Locale.ROOT).startsWith("https://"));
    for (String store : STORES) {
      String location = registry.getOrDefault("ssl." + store + ".location", "").trim();
      if (location.isEmpty()) {
        continue;
      }
      String key = "registry.ssl." + store + ".location";
      if (!https) {
        problems.add(key + " is set but registry.url (" + registryUrl + ") is not https://, so it would never be "
            + "used: use the registry's https:// address, or remove " + key);
        continue;
      }
      checkStore(key, location, registry.getOrDefault("ssl." + store + ".type", "JKS"),
          registry.get("ssl." + store + ".password"), "registry.ssl." + store, problems);
    }
    if (credentials != null && !credentials.isBlank() && registryUrl != null && !https) {
      LOG.warn("registry credentials are sent to {} without TLS: use the registry's https:// address outside a "
          + "trusted network", registryUrl);
    }
    return userInfo;
  }

  /** A key store or trust store that exists and opens with the configured type and password. */
  private static void checkStore(String key, String location, String type, String password, String prefix,
      List<String> problems) {
    Path path = Path.of(location);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      problems.add(key + ": " + location + " does not exist or cannot be read" + how(key));
      return;
    }
    String storeType = type.trim().toUpperCase(Locale.ROOT);
    if (storeType.equals("PEM")) {
      return; // Kafka reads PEM itself; the JDK has no PEM key store to try it with.
    }
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore.getInstance(storeType).load(in, password == null ? null : password.toCharArray());
    } catch (GeneralSecurityException | IOException e) {
      String cause = e.getCause() instanceof java.security.UnrecoverableKeyException ? "wrong password" : e.getMessage();
      problems.add(key + ": " + location + " does not open as " + storeType + " with " + prefix + ".password ("
          + cause + "): check " + prefix + ".type and " + prefix + ".password");
    }
  }

  private static String readSecret(String key, Path file, String what, List<String> problems) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      // Files written with echo end in a newline that is not part of the secret.
      String secret = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
          : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
      if (secret.isEmpty()) {
        problems.add(key + ": " + file + " is empty; it must hold " + what);
        return null;
      }
      return secret;
    } catch (IOException e) {
      problems.add(key + ": cannot read " + file + " (" + e.getClass().getSimpleName() + "); it must hold " + what
          + how(key));
      return null;
    }
  }

  private static String unused(String key, String protocol, String needed) {
    return key + " is set but kafka.security.protocol is " + protocol + ", so it would never be used: set "
        + "kafka.security.protocol=" + needed + ", or remove " + key;
  }

  private static String how(String key) {
    return " (set " + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + " or --" + key + ")";
  }

  /** JAAS values are double-quoted; a quote or backslash in a password must not end the value. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

}
