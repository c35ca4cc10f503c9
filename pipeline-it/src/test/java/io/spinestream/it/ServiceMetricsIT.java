package io.spinestream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.http.FreePorts;
import io.spinestream.common.http.LocalHttp;
import io.spinestream.events.StudyScore;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.schemas.ItStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every service's {@code /health} and Prometheus {@code /metrics}, scraped from the running services (each its
 * own JVM, as deployed) before and after a study goes through: one phantom study over DICOM C-STORE (dcmtk's
 * storescu), a text file in the producer's inbox and a record that is not Avro on the slices topic. The records
 * in and out per topic, inference counts and time, dead letters, consumer lag, resident memory and the
 * dashboard's end-to-end study latency and throughput must all have moved the way the traffic says.
 */
class ServiceMetricsIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final List<String> STREAMS = List.of("segmenter", "cropper", "classifier");

  @TempDir
  Path work;

  @Test
  void shouldExposeHealthAndMetricsThatMoveWithTheTraffic() throws Exception {
    List<PhantomStudy> studies = PhantomGenerator.generate(PipelineFixture.options(1)
        .withSeed(PipelineFixture.HELD_OUT_SEED + 5), work.resolve("phantoms"));
    PhantomStudy study = studies.get(0);
    int slices = study.slices();
    String prefix = "it-" + ItStack.runId() + "-metrics.";
    List<String> names = List.of("producer", "segmenter", "cropper", "classifier", "dashboard");
    List<Integer> free = FreePorts.distinct(names.size() + 1);
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      ports.put(names.get(i), free.get(i));
    }
    int dicomPort = free.get(names.size());
    Path inbox = Files.createDirectories(work.resolve("inbox"));
    List<ServiceProcess> services = new ArrayList<>();
    services.add(new ServiceProcess("producer", work, "serve", "--producer.scp.port=" + dicomPort,
        "--producer.scp.spool.dir=" + work.resolve("spool"), "--producer.inbox.dir=" + inbox,
        "--producer.http.port=" + ports.get("producer"), "--producer.series.inactivity.timeout.ms=2000",
        "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + ItStack.REGISTRY_URL,
        "--topics.prefix=" + prefix, "--topics.partitions=2"));
    for (String module : STREAMS) {
      services.add(PipelineFixture.stage(module, prefix, work, "--" + module + ".http.port=" + ports.get(module)));
    }
    ServiceProcess dashboard = new ServiceProcess("dashboard", work, "--dashboard.http.port=" + ports.get("dashboard"),
        "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + ItStack.REGISTRY_URL,
        "--topics.prefix=" + prefix);
    try {
      for (ServiceProcess service : services) {
        service.start();
      }
      for (ServiceProcess service : services) {
        awaitHealthy(service, ports.get(service.name()), Duration.ofMinutes(4));
      }
      // The dashboard reads topics the services created.
      dashboard.start();
      awaitHealthy(dashboard, ports.get("dashboard"), Duration.ofMinutes(2));
      Map<String, Map<String, Double>> before = new TreeMap<>();
      ports.forEach((name, port) -> before.put(name, scrape(port)));

      storescu(study.seriesDirectory(), dicomPort);
      Files.writeString(inbox.resolve("notes.txt"), "not a DICOM file\n");
      try (KafkaProducer<String, byte[]> producer = ItStack.producer(new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(prefix + "spine.slices", study.studyInstanceUid(),
            "not Avro".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
      }
      TopicReader.read(prefix + "spine.scores", StudyScore.class, 1, Duration.ofMinutes(10), Duration.ZERO);

      // Kafka's per-topic metrics reach the registry on Micrometer's 60-second schedule: scrape until all hold.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      SoftAssertions softly;
      Map<String, Map<String, Double>> after = new TreeMap<>();
      do {
        Thread.sleep(5000);
        ports.forEach((name, port) -> after.put(name, scrape(port)));
        softly = expectations(after, before, prefix, slices);
      } while (!softly.errorsCollected().isEmpty() && System.nanoTime() < deadline);
      softly.assertAll();
      for (String name : ports.keySet()) {
        assertThat(status(ports.get(name), "/health")).as("/health of %s", name).isEqualTo(200);
      }
    } finally {
      dashboard.close();
      PipelineFixture.closeAll(services);
    }
  }

  private static SoftAssertions expectations(Map<String, Map<String, Double>> after,
      Map<String, Map<String, Double>> before, String prefix, int slices) {
    SoftAssertions softly = new SoftAssertions();
    Map<String, Double> producer = after.get("producer");
    softly.assertThat(value(producer, "spine_records_in_total", "source=\"dicom\""))
        .as("producer: DICOM objects in (the study's slices and the text file)").isGreaterThanOrEqualTo(slices + 1);
    softly.assertThat(value(producer, "spine_records_out_total", topic(prefix, "spine.slices")))
        .as("producer: slices out").isGreaterThanOrEqualTo(slices);
    softly.assertThat(value(producer, "spine_records_out_total", topic(prefix, "spine.series")))
        .as("producer: manifests out").isGreaterThanOrEqualTo(1);
    softly.assertThat(value(producer, "spine_dead_letters_total", "")).as("producer: dead letters (the text file)")
        .isGreaterThanOrEqualTo(1);

    Map<String, Double> segmenter = after.get("segmenter");
    softly.assertThat(value(segmenter, "spine_records_in_total", topic(prefix, "spine.slices")))
        .as("segmenter: slices in, the poison record included").isGreaterThanOrEqualTo(slices + 1);
    softly.assertThat(value(segmenter, "spine_records_out_total", topic(prefix, "spine.masks")))
        .as("segmenter: masks out").isGreaterThanOrEqualTo(slices);
    softly.assertThat(value(segmenter, "spine_dead_letters_total", "")).as("segmenter: dead letters (the poison record)")
        .isGreaterThanOrEqualTo(1);
    softly.assertThat(delta(after, before, "segmenter", "spine_inference_items_total"))
        .as("segmenter: slices through the model").isGreaterThanOrEqualTo(slices);
    softly.assertThat(delta(after, before, "segmenter", "spine_inference_batches_seconds_sum"))
        .as("segmenter: inference seconds").isPositive();
    softly.assertThat(series(segmenter, "spine_consumer_lag_records", topic(prefix, "spine.slices")))
        .as("segmenter: lag on the slices topic, all read").isEqualTo(0.0);

    Map<String, Double> cropper = after.get("cropper");
    softly.assertThat(value(cropper, "spine_records_in_total", topic(prefix, "spine.masks")))
        .as("cropper: masks in").isGreaterThanOrEqualTo(slices);
    softly.assertThat(value(cropper, "spine_records_out_total", topic(prefix, "spine.crops")))
        .as("cropper: crops out").isGreaterThanOrEqualTo(7);
    softly.assertThat(series(cropper, "spine_consumer_lag_records", topic(prefix, "spine.masks")))
        .as("cropper: lag on the masks topic").isEqualTo(0.0);

    Map<String, Double> classifier = after.get("classifier");
    softly.assertThat(value(classifier, "spine_records_in_total", topic(prefix, "spine.crops")))
        .as("classifier: crops in").isGreaterThanOrEqualTo(7);
    softly.assertThat(value(classifier, "spine_records_out_total", topic(prefix, "spine.vertebra-scores")))
        .as("classifier: vertebra scores out").isGreaterThanOrEqualTo(7);
    softly.assertThat(value(classifier, "spine_records_out_total", topic(prefix, "spine.scores")))
        .as("classifier: study scores out").isGreaterThanOrEqualTo(1);
    softly.assertThat(value(classifier, "spine_dead_letters_total", "")).as("classifier: dead letters (the poison record)")
        .isGreaterThanOrEqualTo(1);
    softly.assertThat(delta(after, before, "classifier", "spine_inference_items_total"))
        .as("classifier: vertebrae through the model").isGreaterThanOrEqualTo(1);
    softly.assertThat(series(classifier, "spine_record_e2e_latency_max_seconds", ""))
        .as("classifier: record latency gauge").isNotNull();

    Map<String, Double> dashboard = after.get("dashboard");
    softly.assertThat(value(dashboard, "spine_study_latency_seconds_count", "")).as("dashboard: studies timed")
        .isGreaterThanOrEqualTo(1);
    softly.assertThat(value(dashboard, "spine_study_latency_seconds_sum", ""))
        .as("dashboard: last slice -> score, seconds (includes the 2 s series completion wait)").isGreaterThan(2.0);
    softly.assertThat(value(dashboard, "spine_dashboard_studies_per_hour", "")).as("dashboard: throughput")
        .isGreaterThanOrEqualTo(1);
    softly.assertThat(value(dashboard, "spine_records_in_total", topic(prefix, "spine.scores")))
        .as("dashboard: scores read").isGreaterThanOrEqualTo(1);

    after.forEach((name, metrics) -> softly.assertThat(value(metrics, "process_resident_memory_bytes", ""))
        .as("%s: resident memory", name).isGreaterThan(50.0 * 1024 * 1024));
    return softly;
  }

  private static String topic(String prefix, String name) {
    return "topic=\"" + prefix + name + "\"";
  }

  /** The sum of the series of {@code name} whose labels contain {@code labels}; 0 when there is none. */
  static double value(Map<String, Double> metrics, String name, String labels) {
    double sum = 0;
    for (var entry : metrics.entrySet()) {
      String series = entry.getKey();
      String metric = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
      if (metric.equals(name) && series.contains(labels) && !entry.getValue().isNaN()) {
        sum += entry.getValue();
      }
    }
    return sum;
  }

  /** The value of the one series of {@code name} with {@code labels}, or null when it is not there. */
  static Double series(Map<String, Double> metrics, String name, String labels) {
    for (var entry : metrics.entrySet()) {
      String series = entry.getKey();
      String metric = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
      if (metric.equals(name) && series.contains(labels)) {
        return entry.getValue();
      }
    }
    return null;
  }

  private static double delta(Map<String, Map<String, Double>> after, Map<String, Map<String, Double>> before,
      String service, String name) {
    return value(after.get(service), name, "") - value(before.get(service), name, "");
  }

  /** {@code GET /metrics} as series (name and labels as written) to value; empty when it does not answer. */
  static Map<String, Double> scrape(int port) {
    Map<String, Double> metrics = new TreeMap<>();
    String body = get(port, "/metrics");
    if (body == null) {
      return metrics;
    }
    for (String line : body.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      try {
        metrics.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      } catch (NumberFormatException e) {
        // not a sample line
      }
    }
    return metrics;
  }

  private static String get(int port, String path) {
    return LocalHttp.bodyIfOk(port, path, Duration.ofSeconds(10));
  }


  private static int status(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void awaitHealthy(ServiceProcess service, int port, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      // Dead first: another process answering on its port must not pass for it.
      if (!service.alive()) {
        throw new AssertionError(service.name() + " exited before it was healthy:\n" + service.tail());
      }
      if (get(port, "/health") != null) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(service.name() + " not healthy on port " + port + " after " + timeout.toSeconds()
        + " s:\n" + service.tail());
  }

  private static void storescu(Path series, int port) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("storescu", "-aet", "SPINE_IT", "-aec", "SPINESTREAM", "+sd", "+r",
        "127.0.0.1", Integer.toString(port), series.toString()).redirectErrorStream(true);
    builder.environment().put("TCP_NODELAY", "1");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("storescu: %s", output).isZero();
  }
}
