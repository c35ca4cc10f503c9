package io.spinestream.it.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Resident memory of the service JVMs, sampled on a fixed period from {@code /proc}: the series over time
 * (for the soak's table) and the peak per service across all its restarts.
 */
final class Rss implements AutoCloseable {
  /** One sample: seconds since sampling began, then RSS in MiB per service (-1 while it is down). */
  record Sample(long second, Map<String, Long> mib) {}

  private final Collection<ServiceJvm> services;
  private final Supplier<String> note;
  private final long started = System.nanoTime();
  private final List<Sample> samples = new ArrayList<>();
  private final Map<String, Long> peakMib = new LinkedHashMap<>();
  private final Map<String, String> notes = new LinkedHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "rss-sampler");
    thread.setDaemon(true);
    return thread;
  });

  /**
   * @param note extra text kept with each sample (e.g. lag), may return null
   */
  Rss(Collection<ServiceJvm> services, Duration period, Supplier<String> note) {
    this.services = services;
    this.note = note;
    services.forEach(s -> peakMib.put(s.name(), 0L));
    timer.scheduleAtFixedRate(this::sample, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  static OptionalLong ofPid(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Gone between the check and the read.
    }
    return OptionalLong.empty();
  }

  private void sample() {
    try {
      Map<String, Long> mib = new LinkedHashMap<>();
      for (ServiceJvm service : services) {
        long value = service.rssKib().orElse(-1024) / 1024;
        mib.put(service.name(), value);
      }
      String text = note == null ? null : note.get();
      synchronized (this) {
        Sample sample = new Sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), mib);
        samples.add(sample);
        mib.forEach((name, value) -> peakMib.merge(name, value, Math::max));
        if (text != null) {
          notes.put(String.valueOf(sample.second()), text);
        }
      }
    } catch (RuntimeException e) {
      // A sample lost is not worth failing a run; the next one comes in a period.
    }
  }

  synchronized Map<String, Long> peakMib() {
    return new LinkedHashMap<>(peakMib);
  }

  synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  /** The samples as a table: one row per sample (at most {@code rows}, evenly picked), a column per service. */
  synchronized String table(int rows) {
    StringBuilder out = new StringBuilder(String.format("%8s", "t (s)"));
    services.forEach(s -> out.append(String.format(" %11s", s.name())));
    out.append("  (RSS MiB)\n");
    int n = samples.size();
    int step = Math.max(1, (int) Math.ceil(n / (double) Math.max(1, rows)));
    for (int i = 0; i < n; i++) {
      if (i % step != 0 && i != n - 1) {
        continue;
      }
      Sample sample = samples.get(i);
      out.append(String.format("%8d", sample.second()));
      sample.mib().values().forEach(v -> out.append(String.format(" %11s", v < 0 ? "down" : v)));
      String text = notes.get(String.valueOf(sample.second()));
      if (text != null) {
        out.append("  ").append(text);
      }
      out.append('\n');
    }
    return out.toString();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
