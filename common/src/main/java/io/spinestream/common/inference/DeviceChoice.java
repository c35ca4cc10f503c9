package io.spinestream.common.inference;

import java.util.Locale;

/** Where models run: {@code cpu}, {@code gpu} (fails at start without one), or {@code auto} (GPU if DJL sees one). */
public enum DeviceChoice {
  CPU, GPU, AUTO;

  /** Parses {@code cpu | gpu | auto}, case-insensitively. */
  public static DeviceChoice parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("device must be cpu, gpu or auto, got '" + value + "'", e);
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
