package io.spinestream.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.phantom.PhantomStudy;
import io.spinestream.schemas.ItStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, part 1: while phantom studies stream through the whole pipeline (producer serving an inbox and
 * DICOM C-STORE, segmenter, cropper, classifier, each its own JVM, shipped models; half of the studies come
 * through the inbox, half over C-STORE with storescu), every service is killed with
 * {@code kill -9} at random moments and started again, the broker is killed and restarted, and the schema
 * registry is stopped for a while (a stream service restarted in the middle of the outage must wait for it at
 * start; a slice in a writer schema no service has met yet, sent during the outage, must be held back by
 * every reader, not dead-lettered). Afterwards every study sent has exactly one {@code StudyScore}: none
 * lost, none duplicated, none scored from part of its series, none stuck, and no service died.
 *
 * <p>{@code -Dspine.faults.mode=short} (the default, in {@code ./spine test}): 6 studies, each service killed
 * once, one broker restart, one 20 s registry outage. {@code long} ({@code ./spine faults --long}): 16
 * studies, three rounds of kills, two broker restarts (kill -9 and orderly), two 45 s outages.
 * {@code -Dspine.faults.seed=N} replays a schedule (the seed is printed).
 */
class FaultInjectionIT {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

  /** How much of everything a mode does. */
  record Mode(String name, int studies, int killRounds, int brokerRestarts, int registryOutages, Duration outage,
      Duration maxGap, Duration drainTimeout) {
    static Mode of(String name) {
      return switch (name) {
        case "short" -> new Mode("short", 6, 1, 1, 1, Duration.ofSeconds(20), Duration.ofSeconds(20),
            Duration.ofMinutes(15));
        case "long" -> new Mode("long", 16, 3, 2, 2, Duration.ofSeconds(45), Duration.ofSeconds(30),
            Duration.ofMinutes(30));
        default -> throw new IllegalArgumentException("spine.faults.mode must be short or long, is " + name);
      };
    }
  }

  /** One fault of the schedule. */
  record Fault(String kind, String target) {
    @Override
    public String toString() {
      return kind + (target == null ? "" : " " + target);
    }
  }

  @TempDir
  Path work;

  @Test
  void shouldScoreEveryStudyExactlyOnceWhenServicesBrokerAndRegistryFail() throws Exception {
    Mode mode = Mode.of(System.getProperty("spine.faults.mode", "short"));
    long seed = Long.getLong("spine.faults.seed", System.currentTimeMillis());
    Random random = new Random(seed);
    List<Fault> schedule = schedule(mode, random);
    System.out.printf("fault injection (%s, seed %d): %s%n", mode.name(), seed, schedule);

    // Before anything starts: the stack's broker and registry must be ours to stop.
    StackProcess broker = StackProcess.broker();
    StackProcess registry = StackProcess.registry();
    broker.pid();
    registry.pid();

    List<PhantomStudy> studies = Studies.generate(work.resolve("phantoms"), mode.studies(), 0);
    List<String> sent = new ArrayList<>();
    String prefix = "it-" + ItStack.runId() + "-faults.";
    Map<String, Integer> injected = new TreeMap<>();
    try (LivePipeline pipeline = new LivePipeline(work, prefix, Map.of())) {
      pipeline.start(START_TIMEOUT);
      try (Outcomes outcomes = new Outcomes(pipeline);
          Rss rss = new Rss(pipeline.services(), Duration.ofSeconds(2), null)) {
        // One new study goes in before each fault, so every fault meets studies in flight (arriving, waiting
        // for completion, segmenting, cropping, scoring); what is left is fed afterwards. Every other study
        // comes over C-STORE (storescu; a failed association is retried, as a scanner would) and the others
        // through the inbox, each on a feeder thread, so a kill can also hit a study while it arrives.
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        List<Future<?>> feeds = new ArrayList<>();
        int next = 0;
        for (Fault fault : schedule) {
          if (next < studies.size()) {
            feeds.add(feed(feeder, pipeline, studies.get(next), next++ % 2 == 1, sent));
          }
          TimeUnit.MILLISECONDS.sleep(2_000 + (long) (random.nextDouble() * mode.maxGap().toMillis()));
          System.out.printf("[faults] %s (studies fed %d, scored %d)%n", fault, sent.size(), outcomes.scoreCount());
          inject(fault, pipeline, broker, registry, mode);
          injected.merge(fault.toString(), 1, Integer::sum);
          assertThat(pipeline.dead()).as("services that died after %s", fault).isEmpty();
        }
        while (next < studies.size()) {
          feeds.add(feed(feeder, pipeline, studies.get(next), next++ % 2 == 1, sent));
        }
        feeder.shutdown();
        for (Future<?> feed : feeds) {
          feed.get(10, TimeUnit.MINUTES);
        }

        boolean drained = outcomes.awaitScored(sent, mode.drainTimeout());
        // A duplicate could come late (a re-processed transaction): keep reading a while after the last one.
        TimeUnit.SECONDS.sleep(20);

        Figures.Accounting accounting = Figures.account(sent, outcomes.scoresPerStudy(), outcomes.deadLetteredStudies());
        Map<String, Integer> reasons = outcomes.deadLettersByReason();
        Map<String, Integer> firstManifests = outcomes.firstManifestSliceCounts();
        List<String> partial = studies.stream().filter(s -> firstManifests.getOrDefault(s.studyInstanceUid(), 0) != s.slices())
            .map(s -> s.studyInstanceUid() + " (" + firstManifests.get(s.studyInstanceUid()) + " of " + s.slices() + ")")
            .toList();
        Figures figures = new Figures("fault injection (" + mode.name() + ")")
            .put("seed", seed)
            .put("faults injected", injected.values().stream().mapToInt(Integer::intValue).sum() + " " + injected)
            .put("service starts (1 + restarts)", starts(pipeline))
            .put("studies fed: inbox / C-STORE", (studies.size() + 1) / 2 + " / " + studies.size() / 2)
            .accounting(accounting, reasons)
            .put("studies scored from a partial series", partial.size() + (partial.isEmpty() ? "" : " " + partial))
            .put("waits for the registry (at start / stream thread replaced)", registryWaits(pipeline))
            .peakRss(rss.peakMib());
        figures.print();

        assertThat(drained).as("every study scored within %d min (losses: %s)", mode.drainTimeout().toMinutes(),
            accounting.lost()).isTrue();
        assertThat(accounting.lost()).as("studies lost").isEmpty();
        assertThat(accounting.duplicated()).as("studies scored more than once").isEmpty();
        assertThat(accounting.deadLettered()).as("good studies dead-lettered").isEmpty();
        assertThat(accounting.unexpected()).as("scores of studies never sent").isEmpty();
        assertThat(partial).as("studies whose first manifest missed slices (scored from part of the series)").isEmpty();
        assertThat(reasons).as("dead letters while only good studies flowed").isEmpty();
        assertThat(pipeline.dead()).as("services that died").isEmpty();
      }
    }
  }

  private static List<Fault> schedule(Mode mode, Random random) {
    List<Fault> faults = new ArrayList<>();
    for (int round = 0; round < mode.killRounds(); round++) {
      for (String service : List.of("producer", "segmenter", "cropper", "classifier")) {
        faults.add(new Fault("kill -9", service));
      }
    }
    for (int i = 0; i < mode.brokerRestarts(); i++) {
      // The first restart is a crash (kill -9: log recovery at start); a second one is an orderly restart.
      faults.add(new Fault(i == 0 ? "broker kill -9 + restart" : "broker orderly restart", null));
    }
    for (int i = 0; i < mode.registryOutages(); i++) {
      faults.add(new Fault("registry outage " + mode.outage().toSeconds() + " s",
          LivePipeline.STREAM_SERVICES.get(random.nextInt(LivePipeline.STREAM_SERVICES.size()))
              + " restarted and a slice in a new writer schema sent during it"));
    }
    Collections.shuffle(faults, random);
    return faults;
  }

  private Future<?> feed(ExecutorService feeder, LivePipeline pipeline, PhantomStudy study, boolean overCStore,
      List<String> sent) {
    synchronized (sent) {
      sent.add(study.studyInstanceUid());
    }
    return feeder.submit(() -> {
      if (overCStore) {
        pipeline.sendOverCStore(study.seriesDirectory(), Duration.ofMinutes(10));
      } else {
        pipeline.feed(study.seriesDirectory());
      }
      TimeUnit.MILLISECONDS.sleep(500);
      return null;
    });
  }

  private static void inject(Fault fault, LivePipeline pipeline, StackProcess broker, StackProcess registry, Mode mode)
      throws Exception {
    if (fault.kind().equals("kill -9")) {
      pipeline.killAndRestart(fault.target(), START_TIMEOUT);
    } else if (fault.kind().startsWith("broker")) {
      broker.stop(fault.kind().contains("kill -9"));
      TimeUnit.SECONDS.sleep(3);
      broker.start(Duration.ofMinutes(3));
    } else {
      String service = fault.target().split(" ")[0];
      // Running services have every schema id they met cached and go on; a record in a writer schema they
      // have not met yet makes them ask the registry, which must hold that record back, not dead-letter it.
      RegistryProbe.Probe probe = RegistryProbe.prepare(pipeline);
      registry.stop(false);
      RegistryProbe.send(probe);
      ServiceJvm restarted = pipeline.service(service);
      restarted.kill9();
      restarted.start();
      TimeUnit.MILLISECONDS.sleep(mode.outage().toMillis());
      registry.start(Duration.ofMinutes(3));
      restarted.awaitReady(START_TIMEOUT);
    }
  }

  /** How often each service logged that it waited for the registry: at start, and as a replaced stream thread. */
  private static String registryWaits(LivePipeline pipeline) throws java.io.IOException {
    StringBuilder text = new StringBuilder();
    for (ServiceJvm service : pipeline.services()) {
      String log = java.nio.file.Files.readString(service.log());
      long atStart = log.lines().filter(l -> l.contains("schema registry unreachable while registering")).count();
      long replaced = log.lines().filter(l -> l.contains("replacing the stream thread")).count();
      text.append(text.isEmpty() ? "" : ", ").append(service.name()).append(' ').append(atStart).append('/')
          .append(replaced);
    }
    return text.toString();
  }

  private static String starts(LivePipeline pipeline) {
    StringBuilder text = new StringBuilder();
    pipeline.services().forEach(s -> text.append(text.isEmpty() ? "" : ", ").append(s.name()).append(' ').append(s.starts()));
    return text.toString();
  }
}
