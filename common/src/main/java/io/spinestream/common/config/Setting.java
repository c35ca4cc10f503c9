package io.spinestream.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A declared configuration key: dotted lowercase with the service prefix ({@code producer.inbox.dir}),
 * its type, default and documentation. Its environment variable is the key upper-cased with dots and
 * dashes as underscores ({@code PRODUCER_INBOX_DIR}); its flag is {@code --producer.inbox.dir}.
 *
 * @param defaultValue null means required unless {@code optional} is set
 */
public record Setting<T>(
    String key,
    String doc,
    Function<String, T> parser,
    T defaultValue,
    boolean optional,
    Predicate<T> check,
    String checkDescription,
    boolean blankAllowed) {

  /** A setting whose blank value means "unset" (the usual kind). */
  public Setting(String key, String doc, Function<String, T> parser, T defaultValue, boolean optional,
      Predicate<T> check, String checkDescription) {
    this(key, doc, parser, defaultValue, optional, check, checkDescription, false);
  }

  public Setting {
    Objects.requireNonNull(key, "key");
    if (!key.matches("[a-z0-9]+([.-][a-z0-9]+)*")) {
      throw new IllegalArgumentException("setting keys are dotted lowercase: " + key);
    }
  }

  public static Setting<String> string(String key, String defaultValue, String doc) {
    return new Setting<>(key, doc, Function.identity(), defaultValue, false, v -> true, "");
  }

  public static Setting<Integer> integer(String key, Integer defaultValue, String doc) {
    return new Setting<>(key, doc, Setting::parseInt, defaultValue, false, v -> true, "");
  }

  public static Setting<Boolean> bool(String key, Boolean defaultValue, String doc) {
    return new Setting<>(key, doc, Setting::parseBoolean, defaultValue, false, v -> true, "");
  }

  public static Setting<Duration> millis(String key, Long defaultMillis, String doc) {
    return new Setting<>(key, doc, v -> Duration.ofMillis(parseLong(v)),
        defaultMillis == null ? null : Duration.ofMillis(defaultMillis), false, v -> !v.isNegative(), "must be >= 0");
  }

  public static Setting<Path> path(String key, String defaultValue, String doc) {
    return new Setting<>(key, doc, Path::of, defaultValue == null ? null : Path.of(defaultValue), false, v -> true, "");
  }

  /** The same setting, absent (null) unless configured, instead of required. */
  public Setting<T> optionalValue() {
    return new Setting<>(key, doc, parser, defaultValue, true, check, checkDescription, blankAllowed);
  }

  /** The same setting, where an explicitly given blank value is a value (e.g. an empty prefix), not "unset". */
  public Setting<T> blankIsAValue() {
    return new Setting<>(key, doc, parser, defaultValue, optional, check, checkDescription, true);
  }

  /** The same setting with a validity check; {@code description} completes "must ...". */
  public Setting<T> must(Predicate<T> condition, String description) {
    return new Setting<>(key, doc, parser, defaultValue, optional, check.and(condition), description, blankAllowed);
  }

  public Setting<T> between(int low, int high) {
    return must(v -> ((Number) v).longValue() >= low && ((Number) v).longValue() <= high,
        "must be between " + low + " and " + high);
  }

  public String environmentVariable() {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public String flag() {
    return "--" + key;
  }

  private static int parseInt(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an integer: '" + value + "'");
    }
  }

  private static long parseLong(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an integer: '" + value + "'");
    }
  }

  private static boolean parseBoolean(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException("not true or false: '" + value + "'");
  }
}
