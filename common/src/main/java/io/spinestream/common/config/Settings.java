package io.spinestream.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * A service's configuration, from four layers, each overriding the one before: defaults in code, a
 * properties file ({@code --config FILE} or {@code SPINE_CONFIG}), environment variables, command-line
 * flags ({@code --key=value} or {@code --key value}). Everything is validated at load: every problem is
 * reported at once, naming the key, its environment variable and its flag.
 *
 * <p>Pass-through groups carry client settings that are not declared one by one: keys under
 * {@code kafka.} (any Kafka client setting, e.g. {@code kafka.security.protocol}) and {@code registry.}
 * (schema registry client settings). From the environment only names the group knows are taken
 * ({@code KAFKA_SASL_MECHANISM}), so unrelated variables such as {@code KAFKA_HOME} are ignored.
 */
public final class Settings {
  private final Map<String, Object> values;
  private final Map<String, String> passThrough;
  private final List<String> arguments;

  private Settings(Map<String, Object> values, Map<String, String> passThrough, List<String> arguments) {
    this.values = values;
    this.passThrough = passThrough;
    this.arguments = arguments;
  }

  /** A group of undeclared keys under a prefix, with the key suffixes accepted from the environment. */
  public record PassThrough(String prefix, Set<String> knownKeys) {}

  public static Settings load(Collection<Setting<?>> declared, Collection<PassThrough> groups,
      Map<String, String> environment, String[] args) {
    List<String> problems = new ArrayList<>();
    Map<String, String> raw = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    Map<String, String> flags = parseFlags(args, positional, problems);

    String configFile = flags.containsKey("config") ? flags.remove("config") : environment.get("SPINE_CONFIG");
    if (configFile != null && !configFile.isBlank()) {
      readPropertiesFile(Path.of(configFile), raw, problems);
    }
    for (Setting<?> setting : declared) {
      String value = environment.get(setting.environmentVariable());
      if (value != null) {
        raw.put(setting.key(), value);
      }
    }
    for (PassThrough group : groups) {
      String envPrefix = group.prefix().toUpperCase(Locale.ROOT).replace('.', '_');
      for (String known : group.knownKeys()) {
        String value = environment.get(envPrefix + known.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        if (value != null) {
          raw.put(group.prefix() + known, value);
        }
      }
    }
    raw.putAll(flags);

    Map<String, Setting<?>> byKey = new TreeMap<>();
    declared.forEach(s -> byKey.put(s.key(), s));
    Map<String, String> passThrough = new TreeMap<>();
    for (Map.Entry<String, String> entry : raw.entrySet()) {
      String key = entry.getKey();
      if (byKey.containsKey(key)) {
        continue;
      }
      if (groups.stream().anyMatch(g -> key.startsWith(g.prefix()))) {
        passThrough.put(key, entry.getValue());
      } else {
        problems.add("unknown setting '" + key + "'" + suggestion(key, byKey.keySet()));
      }
    }

    Map<String, Object> values = new TreeMap<>();
    for (Setting<?> setting : declared) {
      resolve(setting, raw.get(setting.key()), values, problems);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Settings(values, passThrough, List.copyOf(positional));
  }

  private static <T> void resolve(Setting<T> setting, String text, Map<String, Object> values, List<String> problems) {
    T value;
    if (text == null || (text.isBlank() && !setting.blankAllowed())) {
      value = setting.defaultValue();
      if (value == null) {
        if (!setting.optional()) {
          problems.add(setting.key() + " is required: " + setting.doc() + " (set " + setting.environmentVariable()
              + " or " + setting.flag() + ")");
        }
        return;
      }
    } else {
      try {
        value = setting.parser().apply(text.isBlank() ? "" : text.trim());
      } catch (RuntimeException e) {
        problems.add(setting.key() + ": " + e.getMessage() + " (" + setting.doc() + ")");
        return;
      }
    }
    if (!setting.check().test(value)) {
      problems.add(setting.key() + " " + setting.checkDescription() + ", was '" + value + "' (set "
          + setting.environmentVariable() + " or " + setting.flag() + ")");
      return;
    }
    values.put(setting.key(), value);
  }

  private static Map<String, String> parseFlags(String[] args, List<String> positional, List<String> problems) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        positional.add(arg);
        continue;
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      if (eq >= 0) {
        flags.put(body.substring(0, eq), body.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        flags.put(body, args[++i]);
      } else {
        problems.add("flag " + arg + " has no value (use " + arg + "=VALUE)");
      }
    }
    return flags;
  }

  private static void readPropertiesFile(Path file, Map<String, String> raw, List<String> problems) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      problems.add("cannot read configuration file " + file + ": " + e.getMessage());
      return;
    }
    properties.stringPropertyNames().stream().sorted().forEach(k -> raw.put(k, properties.getProperty(k)));
  }

  private static String suggestion(String key, Set<String> known) {
    return known.stream()
        .filter(k -> k.endsWith(key.substring(key.lastIndexOf('.') + 1)) || key.endsWith(k.substring(k.lastIndexOf('.') + 1)))
        .findFirst().map(k -> " (did you mean '" + k + "'?)").orElse("");
  }

  /** The value of a declared setting; null only for an unset optional setting. */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    return (T) values.get(setting.key());
  }

  /** The pass-through keys under {@code prefix}, with the prefix removed. */
  public Map<String, String> withPrefix(String prefix) {
    Map<String, String> result = new TreeMap<>();
    passThrough.forEach((key, value) -> {
      if (key.startsWith(prefix)) {
        result.put(key.substring(prefix.length()), value);
      }
    });
    return result;
  }

  /** Command-line words that are not flags, in order (e.g. a subcommand and paths). */
  public List<String> arguments() {
    return arguments;
  }

  /**
   * Every resolved value, for the start-up log. Values of keys that look secret (passwords, tokens, JAAS lines,
   * credentials), declared or passed through, are masked; paths to files holding secrets are shown.
   */
  public Map<String, String> describe() {
    Map<String, String> described = new TreeMap<>();
    values.forEach((k, v) -> described.put(k, isSecret(k) ? MASK : String.valueOf(v)));
    passThrough.forEach((k, v) -> described.put(k, isSecret(k) ? MASK : v));
    return described;
  }

  private static final String MASK = "****";

  /** Whether a key's value is a secret that must never be logged. */
  public static boolean isSecret(String key) {
    return !key.endsWith(".file") && !key.endsWith(".location") && !key.endsWith(".type")
        && key.matches(".*(password|secret|jaas|token|user\\.info).*");
  }
}
