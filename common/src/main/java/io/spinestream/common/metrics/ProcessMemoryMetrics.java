package io.spinestream.common.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory as the kernel counts it ({@code /proc/self/status}): {@code VmRSS} as
 * {@code process_resident_memory_bytes} (the name Prometheus' own client libraries use) and {@code VmHWM}, the
 * high-water mark since start, as {@code process_resident_memory_peak_bytes}. Heap metrics alone miss what
 * matters here: libtorch's native memory, thread stacks and RocksDB. NaN where /proc is not available.
 */
public final class ProcessMemoryMetrics implements MeterBinder {
  private static final Path STATUS = Path.of("/proc/self/status");

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("process.resident.memory", () -> statusBytes("VmRSS:")).baseUnit("bytes")
        .description("resident set size of the process (VmRSS)").register(registry);
    Gauge.builder("process.resident.memory.peak", () -> statusBytes("VmHWM:")).baseUnit("bytes")
        .description("peak resident set size since the process started (VmHWM)").register(registry);
  }

  /** A {@code kB} field of /proc/self/status in bytes, NaN when absent. */
  static double statusBytes(String field) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or /proc not mounted: the gauge says NaN
    }
    return Double.NaN;
  }
}
