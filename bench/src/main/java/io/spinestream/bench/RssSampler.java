package io.spinestream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples the resident set size of processes over time from {@code /proc/<pid>/status}: {@code VmRSS} (now)
 * and {@code VmHWM} (the kernel's high-water mark of the resident set since the process started).
 */
final class RssSampler implements AutoCloseable {
  /** One sample of one process, sizes in KiB. */
  record Sample(long nanos, long rssKib, long hwmKib) {}

  private final Map<String, Long> pids;
  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  RssSampler(Map<String, Long> pids, long intervalMillis) {
    this.pids = new LinkedHashMap<>(pids);
    pids.keySet().forEach(name -> samples.put(name, new ArrayList<>()));
    thread = new Thread(() -> {
      while (running) {
        sampleOnce();
        try {
          Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "rss-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Reads VmRSS and VmHWM of every process that still runs. */
  synchronized void sampleOnce() {
    long now = System.nanoTime();
    pids.forEach((name, pid) -> {
      long[] status = status(pid);
      if (status != null) {
        samples.get(name).add(new Sample(now, status[0], status[1]));
      }
    });
  }

  /** {VmRSS, VmHWM} in KiB, or null when the process is gone. */
  static long[] status(long pid) {
    try {
      long rss = -1;
      long hwm = -1;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kib(line);
        }
      }
      return rss < 0 || hwm < 0 ? null : new long[] {rss, hwm};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long kib(String line) {
    String[] parts = line.trim().split("\\s+");
    return Long.parseLong(parts[1]);
  }

  /** Every sample of a process so far. */
  synchronized List<Sample> samples(String name) {
    return List.copyOf(samples.get(name));
  }

  /** What the samples of one process say, in MiB; NaN where there was no sample. */
  record Summary(double atStartMib, double steadyMib, double maxSampledMib, double peakMib, int samplesInWindow) {}

  /**
   * {@code atStart}: the last sample before {@code windowStart}; steady: the median of the samples in
   * [{@code windowStart}, {@code windowEnd}]; max sampled: the largest VmRSS seen in that window; peak: the
   * last VmHWM (whole life of the process, start-up and warm-up included).
   */
  synchronized Summary summary(String name, long windowStart, long windowEnd) {
    List<Sample> all = samples.get(name);
    double atStart = Double.NaN;
    List<Long> window = new ArrayList<>();
    long hwm = -1;
    for (Sample sample : all) {
      if (sample.nanos() < windowStart) {
        atStart = sample.rssKib() / 1024.0;
      } else if (sample.nanos() <= windowEnd) {
        window.add(sample.rssKib());
      }
      hwm = Math.max(hwm, sample.hwmKib());
    }
    window.sort(null);
    double steady = window.isEmpty() ? Double.NaN : window.get(window.size() / 2) / 1024.0;
    double max = window.isEmpty() ? Double.NaN : window.get(window.size() - 1) / 1024.0;
    return new Summary(atStart, steady, max, hwm < 0 ? Double.NaN : hwm / 1024.0, window.size());
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
