package io.spinestream.it.reliability;

import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole pipeline as deployed, for the reliability suites: the producer serving an inbox folder, then
 * segmenter, cropper and classifier, each its own JVM from its jar with the shipped models, on the test
 * stack under a private topic prefix (2 partitions per topic). Studies are fed as a PACS export would
 * drop them: a study folder copied under a hidden name and renamed into the inbox.
 */
final class LivePipeline implements AutoCloseable {
  static final String SEGMENTER_CARD = "models/shipped/spine-seg-b0w025-256.json";
  static final String CLASSIFIER_CARD = "models/shipped/spine-cls-plainw025-96.json";
  static final List<String> STREAM_SERVICES = List.of("segmenter", "cropper", "classifier");

  static final String AE_TITLE = "SPINESTREAM";

  private final String prefix;
  private final Path inbox;
  private final int dicomPort;
  private final Map<String, ServiceJvm> services = new LinkedHashMap<>();

  /**
   * @param extra settings per service name on top of the defaults (e.g. a shorter series timeout)
   */
  LivePipeline(Path work, String prefix, Map<String, List<String>> extra) throws IOException {
    this.prefix = prefix;
    this.inbox = Files.createDirectories(work.resolve("inbox"));
    this.dicomPort = freePort();
    List<String> producer = new ArrayList<>(common(prefix));
    producer.addAll(List.of("serve", "--producer.inbox.dir=" + inbox,
        // Studies arrive as whole folders renamed into place: nothing is read half-written.
        "--producer.inbox.stable.ms=0", "--producer.poll.interval.ms=250", "--producer.decode.threads=1",
        "--producer.scp.port=" + dicomPort, "--producer.scp.ae.title=" + AE_TITLE,
        "--producer.scp.spool.dir=" + work.resolve("spool")));
    producer.addAll(extra.getOrDefault("producer", List.of()));
    services.put("producer", new ServiceJvm("producer", "producer", "producer serving", "512m", work, producer));
    for (String module : STREAM_SERVICES) {
      List<String> args = new ArrayList<>(common(prefix));
      args.addAll(List.of("--" + module + ".application.id=" + prefix + module,
          "--" + module + ".state.dir=" + work.resolve("state-" + module)));
      if (module.equals("segmenter")) {
        args.addAll(List.of("--segmenter.model.card=" + ServiceJvm.ROOT.resolve(SEGMENTER_CARD),
            "--segmenter.inference.threads=1", "--segmenter.device=cpu"));
      }
      if (module.equals("classifier")) {
        args.addAll(List.of("--classifier.model.card=" + ServiceJvm.ROOT.resolve(CLASSIFIER_CARD),
            "--classifier.inference.threads=1", "--classifier.device=cpu"));
      }
      args.addAll(extra.getOrDefault(module, List.of()));
      services.put(module, new ServiceJvm(module, module, module + " running", "768m", work, args));
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static List<String> common(String prefix) {
    return List.of("--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + ItStack.REGISTRY_URL,
        "--topics.prefix=" + prefix, "--topics.partitions=2");
  }

  String prefix() {
    return prefix;
  }

  String topic(String name) {
    return prefix + name;
  }

  Path inbox() {
    return inbox;
  }

  ServiceJvm service(String name) {
    return services.get(name);
  }

  Collection<ServiceJvm> services() {
    return services.values();
  }

  /** Consumer groups of the stream services (their application ids) and the topics each reads. */
  Map<String, List<String>> consumerGroups() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    groups.put(prefix + "segmenter", List.of(topic(Topics.SLICES.name()), topic(Topics.SERIES.name())));
    groups.put(prefix + "cropper", List.of(topic(Topics.MASKS.name()), topic(Topics.SERIES.name())));
    groups.put(prefix + "classifier", List.of(topic(Topics.CROPS.name()), topic(Topics.SLICES.name()),
        topic(Topics.SERIES.name())));
    return groups;
  }

  /**
   * Starts every service and waits until all serve. The producer goes first: it creates the topics, so
   * the stream services find them co-partitioned.
   */
  void start(Duration timeout) throws IOException, InterruptedException {
    ServiceJvm producer = services.get("producer");
    producer.start();
    producer.awaitReady(timeout);
    for (String name : STREAM_SERVICES) {
      services.get(name).start();
    }
    for (String name : STREAM_SERVICES) {
      services.get(name).awaitReady(timeout);
    }
  }

  /** kill -9, then start again with the same settings and wait until it serves. */
  void killAndRestart(String name, Duration timeout) throws IOException, InterruptedException {
    ServiceJvm service = services.get(name);
    service.kill9();
    service.start();
    service.awaitReady(timeout);
  }

  /** Drops a folder (a study's DICOM files, or any tree) into the inbox atomically: copied hidden, then renamed. */
  void feed(Path studyFolder) throws IOException {
    String name = studyFolder.getFileName().toString();
    Path hidden = inbox.resolve("." + name);
    try (Stream<Path> files = Files.walk(studyFolder)) {
      for (Path file : files.toList()) {
        Path target = hidden.resolve(studyFolder.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Files.move(hidden, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Sends a study folder over DICOM C-STORE with dcmtk's storescu, one association, as a scanner does; a
   * failed association (the producer down) is sent again, whole, every second for up to {@code patience},
   * as a scanner's retry queue would.
   */
  void sendOverCStore(Path studyFolder, Duration patience) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    String output = "";
    while (System.nanoTime() < deadline) {
      ProcessBuilder builder = new ProcessBuilder("storescu", "-aet", "RELIABILITY", "-aec", AE_TITLE, "+sd", "+r",
          "127.0.0.1", String.valueOf(dicomPort), studyFolder.toString()).redirectErrorStream(true);
      // Without it dcmtk's small PDUs wait on Nagle's algorithm and delayed ACKs.
      builder.environment().put("TCP_NODELAY", "1");
      Process process = builder.start();
      output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (process.waitFor() == 0) {
        return;
      }
      Thread.sleep(1_000);
    }
    throw new AssertionError("storescu could not send " + studyFolder + " within " + patience.toSeconds() + " s: "
        + output);
  }

  /** Names of services that are not running although nobody stopped them. */
  List<String> dead() {
    return services.values().stream().filter(s -> !s.alive())
        .map(s -> s.name() + " (exit " + s.exitStatus().orElse(-1) + ")").toList();
  }

  @Override
  public void close() throws InterruptedException {
    // Downstream first, so nothing upstream is left waiting on a closed consumer; each bounded.
    List<ServiceJvm> reversed = new ArrayList<>(services.values());
    java.util.Collections.reverse(reversed);
    for (ServiceJvm service : reversed) {
      service.close();
    }
    // The work folder is a JUnit temp folder, deleted after the test: keep the logs for a failure's analysis.
    try {
      Path kept = Files.createDirectories(Path.of("target", "reliability", "logs", prefix.replaceAll("\\.$", "")));
      for (ServiceJvm service : services.values()) {
        if (Files.exists(service.log())) {
          Files.copy(service.log(), kept.resolve(service.log().getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      System.err.println("could not keep the service logs: " + e);
    }
  }
}
