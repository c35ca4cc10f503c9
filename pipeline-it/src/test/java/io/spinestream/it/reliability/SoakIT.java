package io.spinestream.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.phantom.PhantomStudy;
import io.spinestream.schemas.ItStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, part 3: a sustained stream for a bounded time. A new phantom study arrives (alternately through the
 * producer's inbox and over C-STORE) every {@code -Dspine.soak.interval.s} seconds (12: a little faster than
 * the pipeline scores them on two shared cores, so a backlog builds up) for {@code -Dspine.soak.minutes}
 * minutes (2 in {@code ./spine test}, 10 by default with {@code ./spine soak}); then the backlog drains. Every sample
 * period it records each service's RSS, the stream services' consumer lag and the studies sent and scored,
 * and prints them as a table. It requires: every study scored exactly once, no dead letter, no service
 * died, the lag back to (nearly) zero once the feed stops, and each service's RSS under a generous bound
 * (a leak guard, not a target: the figures show the real curve). At each third of the feed and once drained it
 * forces a full collection in every service and records the live heap: once drained it must be back near its
 * first value ({@link #assertLiveHeapReturns}), which RSS (a heap grown toward -Xmx) cannot show. Timing is
 * printed, never asserted.
 */
class SoakIT {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
  /** A service whose RSS passes this has a leak: heap 768 MiB, plus libtorch and the rest. */
  private static final long RSS_BOUND_MIB = Long.getLong("spine.soak.rss.bound.mib", 1536);

  @TempDir
  Path work;

  @Test
  void shouldKeepMemoryBoundedAndLoseNothingUnderASustainedStream() throws Exception {
    int minutes = Integer.getInteger("spine.soak.minutes", 2);
    int interval = Integer.getInteger("spine.soak.interval.s", 12);
    int studyCount = Math.max(1, minutes * 60 / interval);
    Duration period = Duration.ofSeconds(minutes <= 5 ? 10 : 30);
    System.out.printf("soak: a study every %d s for %d min (%d studies), sampling every %d s%n", interval, minutes,
        studyCount, period.toSeconds());

    List<PhantomStudy> studies = Studies.generate(work.resolve("phantoms"), studyCount, 1_000);
    String prefix = "it-" + ItStack.runId() + "-soak.";
    List<String> sent = new ArrayList<>();
    try (LivePipeline pipeline = new LivePipeline(work, prefix, Map.of())) {
      pipeline.start(START_TIMEOUT);
      try (Outcomes outcomes = new Outcomes(pipeline);
          ConsumerLag lag = new ConsumerLag(pipeline.consumerGroups());
          Rss rss = new Rss(pipeline.services(), period, () -> String.format("sent %d scored %d %s",
              sentCount(sent), outcomes.scoreCount(), lag.describe(prefix)))) {
        Map<String, Map<String, Optional<LiveHeap>>> liveHeaps = new LinkedHashMap<>();
        Map<String, Map<String, Long>> rssAtCheckpoint = new LinkedHashMap<>();
        Map<String, Map<String, Optional<ResidentSplit>>> residentAtCheckpoint = new LinkedHashMap<>();
        long started = System.nanoTime();
        for (PhantomStudy study : studies) {
          int index = sentCount(sent);
          if (studyCount >= 3 && (index == studyCount / 3 || index == 2 * studyCount / 3)) {
            checkpoint(pipeline, index + " of " + studyCount + " sent", liveHeaps, rssAtCheckpoint,
                residentAtCheckpoint);
          }
          // Every other study over C-STORE, the others through the inbox: both ways in, under load.
          if (sentCount(sent) % 2 == 1) {
            pipeline.sendOverCStore(study.seriesDirectory(), Duration.ofMinutes(2));
          } else {
            pipeline.feed(study.seriesDirectory());
          }
          synchronized (sent) {
            sent.add(study.studyInstanceUid());
          }
          assertThat(pipeline.dead()).as("services that died").isEmpty();
          long next = started + TimeUnit.SECONDS.toNanos((long) interval * sentCount(sent));
          TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
        }
        checkpoint(pipeline, "all sent", liveHeaps, rssAtCheckpoint, residentAtCheckpoint);
        long fedAt = System.nanoTime();
        boolean drained = outcomes.awaitScored(List.copyOf(sent), Duration.ofMinutes(Math.max(15, 2L * minutes)));
        long drainSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - fedAt);
        Map<String, OptionalLong> finalLag = awaitLagSettled(lag, Duration.ofMinutes(2));
        TimeUnit.SECONDS.sleep(10);
        checkpoint(pipeline, "drained", liveHeaps, rssAtCheckpoint, residentAtCheckpoint);

        Figures.Accounting accounting = Figures.account(sent, outcomes.scoresPerStudy(), outcomes.deadLetteredStudies());
        Map<String, Integer> reasons = outcomes.deadLettersByReason();
        Figures figures = new Figures("soak (" + minutes + " min, a study every " + interval + " s)")
            .accounting(accounting, reasons)
            .put("backlog drained after the feed stopped", drainSeconds + " s")
            .put("final consumer lag", finalLag)
            .peakRss(rss.peakMib())
            .put("RSS first third -> last third (MiB, max)", thirds(rss))
            .block("Live heap after a full collection (jcmd GC.run) / committed heap / RSS, MiB:\n"
                + liveHeapTable(liveHeaps, rssAtCheckpoint))
            .block("Resident pages after that collection, Java heap / native (other anonymous) / file-backed, MiB:\n"
                + residentTable(residentAtCheckpoint))
            .block("RSS per service over time, with studies sent/scored and consumer lag:\n" + rss.table(40));
        figures.print();

        assertThat(drained).as("every study scored (losses %s)", accounting.lost()).isTrue();
        assertThat(accounting.lost()).isEmpty();
        assertThat(accounting.duplicated()).isEmpty();
        assertThat(reasons).as("dead letters while only good studies flowed").isEmpty();
        assertThat(pipeline.dead()).as("services that died").isEmpty();
        assertThat(finalLag).as("consumer lag once the backlog drained").allSatisfy((group, value) -> {
          assertThat(value).as(group).isPresent();
          assertThat(value.getAsLong()).as(group).isLessThanOrEqualTo(LAG_SLACK);
        });
        assertThat(rss.peakMib()).as("peak RSS per service (MiB)").allSatisfy((service, mib) ->
            assertThat(mib).as(service).isPositive().isLessThanOrEqualTo(RSS_BOUND_MIB));
        assertLiveHeapReturns(liveHeaps);
        assertNativeMemoryReturns(residentAtCheckpoint);
      }
    }
  }

  /** Live heap after drain may exceed the first checkpoint's by this much (caches, metadata), not more. */
  private static final long LIVE_HEAP_SLACK_MIB = Long.getLong("spine.soak.live.heap.slack.mib", 64);

  /**
   * Full collection in every service, then its live heap and RSS. Sparse on purpose: forced collections
   * shrink heaps and would flatten the RSS curve the samples are meant to show.
   */
  private static void checkpoint(LivePipeline pipeline, String label, Map<String, Map<String, Optional<LiveHeap>>> heaps,
      Map<String, Map<String, Long>> rssMib, Map<String, Map<String, Optional<ResidentSplit>>> resident)
      throws InterruptedException {
    Map<String, Optional<LiveHeap>> heap = new LinkedHashMap<>();
    Map<String, Long> rss = new LinkedHashMap<>();
    Map<String, Optional<ResidentSplit>> split = new LinkedHashMap<>();
    for (ServiceJvm service : pipeline.services()) {
      Optional<LiveHeap> live = LiveHeap.afterFullCollection(service.pid());
      heap.put(service.name(), live);
      rss.put(service.name(), service.rssKib().orElse(-1024) / 1024);
      split.put(service.name(), live.flatMap(h -> ResidentSplit.of(service.pid(), h.reserved())));
    }
    heaps.put(label, heap);
    rssMib.put(label, rss);
    resident.put(label, split);
  }

  private static String residentTable(Map<String, Map<String, Optional<ResidentSplit>>> resident) {
    return checkpointTable(resident, "heap/native/file", (label, service) -> resident.get(label).get(service)
        .map(r -> r.heapMib() + " / " + r.otherAnonymousMib() + " / " + r.fileMib()).orElse("n/a"));
  }

  private static String liveHeapTable(Map<String, Map<String, Optional<LiveHeap>>> heaps,
      Map<String, Map<String, Long>> rssMib) {
    // Committed heap pages count in RSS only once touched, so RSS minus committed heap says nothing.
    return checkpointTable(heaps, "live/heap/RSS", (label, service) -> heaps.get(label).get(service)
        .map(h -> h.usedMib() + " / " + h.committedMib() + " / " + rssMib.get(label).get(service)).orElse("n/a"));
  }

  /** One row per checkpoint, one column per service (named with the cell's parts), cells from {@code cell}. */
  private static String checkpointTable(Map<String, ? extends Map<String, ?>> checkpoints, String parts,
      BiFunction<String, String, String> cell) {
    StringBuilder out = new StringBuilder(String.format("%-16s", "when"));
    List<String> services = checkpoints.values().stream().findFirst().map(m -> List.copyOf(m.keySet()))
        .orElse(List.of());
    services.forEach(s -> out.append(String.format(" %26s", s + " " + parts)));
    out.append('\n');
    checkpoints.keySet().forEach(label -> {
      out.append(String.format("%-16s", label));
      services.forEach(service -> out.append(String.format(" %26s", cell.apply(label, service))));
      out.append('\n');
    });
    return out.toString();
  }

  /**
   * A leak keeps what it holds: once the backlog has drained and the services' state is freed, the live heap
   * must be back near where it was early in the stream (its first checkpoint), whatever the RSS curve did.
   */
  private static void assertLiveHeapReturns(Map<String, Map<String, Optional<LiveHeap>>> heaps) {
    assertBackNearFirstCheckpoint(heaps, "live heap", "jcmd", LiveHeap::usedMib, LIVE_HEAP_SLACK_MIB, 2);
  }

  /** Native memory once drained may exceed the first checkpoint's by this much (allocator arenas), not more. */
  private static final long NATIVE_SLACK_MIB = Long.getLong("spine.soak.native.slack.mib", 96);

  /**
   * The heap part of RSS is bounded by -Xmx; the native part (libtorch, RocksDB within
   * {@code <service>.rocksdb.memory.mib}, malloc arenas) by nothing but the code, so it is checked the same way
   * as the live heap: once drained, back within {@link #NATIVE_SLACK_MIB} (or a quarter) of its first value.
   */
  private static void assertNativeMemoryReturns(Map<String, Map<String, Optional<ResidentSplit>>> resident) {
    assertBackNearFirstCheckpoint(resident, "native memory", "/proc/PID/smaps", ResidentSplit::otherAnonymousMib,
        NATIVE_SLACK_MIB, 4);
    resident.get("drained").forEach((service, split) -> assertThat(split.get().heapMib())
        .as("%s heap pages resident: the heap was found in smaps", service).isPositive());
  }

  /**
   * Every service measured at the "drained" checkpoint, each at most {@code slackMib} (or 1/{@code shareDivisor}
   * of the value, if larger) above its value at the first checkpoint.
   */
  private static <T> void assertBackNearFirstCheckpoint(Map<String, Map<String, Optional<T>>> checkpoints,
      String what, String measuredBy, ToLongFunction<T> mib, long slackMib, int shareDivisor) {
    Map<String, Optional<T>> first = checkpoints.values().iterator().next();
    Map<String, Optional<T>> drained = checkpoints.get("drained");
    assertThat(drained).as("%s measured in every service once drained (%s)", what, measuredBy)
        .allSatisfy((service, value) -> assertThat(value).as(service).isPresent());
    drained.forEach((service, value) -> first.get(service).ifPresent(early -> {
      long earlyMib = mib.applyAsLong(early);
      long bound = earlyMib + Math.max(slackMib, earlyMib / shareDivisor);
      assertThat(mib.applyAsLong(value.get())).as("%s %s once drained vs %d MiB early in the stream", service, what,
          earlyMib).isLessThanOrEqualTo(bound);
    }));
  }

  /**
   * Exactly-once commits leave a transaction marker after the last record of a partition, which a committed
   * position may or may not have passed: one per input partition is "no lag".
   */
  private static final long LAG_SLACK = 3 * 2;

  private static int sentCount(List<String> sent) {
    synchronized (sent) {
      return sent.size();
    }
  }

  private static Map<String, OptionalLong> awaitLagSettled(ConsumerLag lag, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, OptionalLong> now = lag.lag();
    while (System.nanoTime() < deadline) {
      now = lag.lag();
      if (now.values().stream().allMatch(v -> v.isPresent() && v.getAsLong() <= LAG_SLACK)) {
        return now;
      }
      TimeUnit.SECONDS.sleep(2);
    }
    return now;
  }

  /** Max RSS per service over the first and the last third of the samples, to show growth or its absence. */
  private static String thirds(Rss rss) {
    List<Rss.Sample> samples = rss.samples();
    int third = Math.max(1, samples.size() / 3);
    StringBuilder out = new StringBuilder();
    for (String service : samples.isEmpty() ? List.<String>of() : samples.get(0).mib().keySet()) {
      long first = samples.subList(0, third).stream().mapToLong(s -> s.mib().get(service)).max().orElse(-1);
      long last = samples.subList(samples.size() - third, samples.size()).stream().mapToLong(s -> s.mib().get(service))
          .max().orElse(-1);
      out.append(out.isEmpty() ? "" : ", ").append(service).append(' ').append(first).append(" -> ").append(last);
    }
    return out.toString();
  }
}
