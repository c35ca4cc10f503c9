package io.spinestream.producer.dicom;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * PixelMed logs through SLF4J at DEBUG (every 1 KiB of encapsulated data) and at ERROR with stack traces for
 * each truncated file it reads; the reader reports those cases itself, so tests silence it.
 */
final class TestLogging {
  private TestLogging() {}

  static void quietPixelMed() {
    if (LoggerFactory.getLogger("com.pixelmed") instanceof Logger pixelmed) {
      pixelmed.setLevel(Level.OFF);
    }
  }
}
