package io.spinestream.it.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a service JVM really holds on its heap: {@code jcmd PID GC.run} (a full collection), then
 * {@code jcmd PID GC.heap_info}. RSS alone cannot tell a leak from a heap that the collector grows toward
 * {@code -Xmx} before it collects fully; the live heap after a full collection can.
 *
 * @param usedMib heap in use after the full collection (the live set, all generations)
 * @param committedMib heap the JVM has committed (part of RSS once touched)
 * @param reserved the address ranges reserved for the heap spaces, {start, end} half-open, to find the heap's
 *     mappings in {@code /proc/PID/smaps} ({@link ResidentSplit})
 */
record LiveHeap(long usedMib, long committedMib, List<long[]> reserved) {
  /**
   * A heap space's totals and reserved range: "def new generation   total 9792K, used 3264K [0x..., 0x...)" and
   * "tenured generation ..." (Serial), "PSYoungGen total ..." and "ParOldGen total ..." (Parallel),
   * "garbage-first heap   total ..." (G1). The range is [start, end) or, from JDK 17's Serial collector,
   * [start, committed end, reserved end): the first and the last address.
   */
  private static final Pattern GENERATION =
      Pattern.compile("total (\\d+)K, used (\\d+)K(?: \\[0x([0-9a-f]+), (?:0x[0-9a-f]+, )*0x([0-9a-f]+)\\))?");

  LiveHeap(long usedMib, long committedMib) {
    this(usedMib, committedMib, List.of());
  }

  /** Empty when the JVM is gone or jcmd cannot attach (it is still starting, or exited meanwhile). */
  static Optional<LiveHeap> afterFullCollection(long pid) throws InterruptedException {
    if (pid <= 0 || jcmd(pid, "GC.run").isEmpty()) {
      return Optional.empty();
    }
    return jcmd(pid, "GC.heap_info").flatMap(LiveHeap::parse);
  }

  /** The sum over the heap spaces of a {@code GC.heap_info} text. */
  static Optional<LiveHeap> parse(String heapInfo) {
    Matcher matcher = GENERATION.matcher(heapInfo);
    long committedKib = 0;
    long usedKib = 0;
    boolean found = false;
    List<long[]> reserved = new ArrayList<>();
    while (matcher.find()) {
      committedKib += Long.parseLong(matcher.group(1));
      usedKib += Long.parseLong(matcher.group(2));
      if (matcher.group(3) != null) {
        reserved.add(new long[] {Long.parseUnsignedLong(matcher.group(3), 16),
            Long.parseUnsignedLong(matcher.group(4), 16)});
      }
      found = true;
    }
    return found ? Optional.of(new LiveHeap(usedKib / 1024, committedKib / 1024, List.copyOf(reserved)))
        : Optional.empty();
  }

  /** Equal by the figures; the ranges only locate the heap. */
  @Override
  public boolean equals(Object other) {
    return other instanceof LiveHeap that && usedMib == that.usedMib && committedMib == that.committedMib;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(usedMib) * 31 + Long.hashCode(committedMib);
  }

  private static Optional<String> jcmd(long pid, String command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(List.of("jcmd", String.valueOf(pid), command)).redirectErrorStream(true)
          .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        return Optional.empty();
      }
      return Optional.of(new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
