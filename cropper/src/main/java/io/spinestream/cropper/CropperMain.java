package io.spinestream.cropper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.common.kafka.SchemaCheck;
import io.spinestream.common.kafka.TopicAdmin;
import io.spinestream.common.streams.RunningService;
import io.spinestream.common.streams.ServiceMain;
import io.spinestream.common.streams.StreamsRunner;
import io.spinestream.common.streams.StreamsSettings;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cropper service: {@code spine.masks} + {@code spine.series} -> {@code spine.crops}. Settings as every
 * service's (defaults, {@code --config FILE}, environment, {@code --key=value}); exit code 2 for a bad
 * configuration, 1 when the service fails.
 */
public final class CropperMain {
  static final StreamsSettings STREAMS = new StreamsSettings("cropper");
  // Defaults of the crop contract: must equal what the shipped classifier was trained with (its card's "crop").
  static final Setting<Integer> MIN_PIXELS = Setting.integer("cropper.min.pixels", 10,
      "a slice counts for a vertebra from this many mask pixels (crop contract)").between(1, 1_000_000);
  static final Setting<String> MARGIN = Setting.string("cropper.margin.fraction", "0.125",
      "box widening on each side, fraction of its size (crop contract)")
      .must(v -> v.matches("\\d+(\\.\\d+)?") && Double.parseDouble(v) <= 1, "must be a number between 0 and 1");
  static final Setting<Duration> SERIES_TIMEOUT = Setting.millis("cropper.series.timeout.ms", 600_000L,
      "a series without a new mask or manifest for this long is dead-lettered");
  static final Setting<Duration> COMPLETED_RETENTION = Setting.millis("cropper.completed.retention.ms", 3_600_000L,
      "how long a completed series is remembered to recognise late duplicates");
  static final Setting<Duration> PUNCTUATE = Setting.millis("cropper.punctuate.interval.ms", 1_000L,
      "how often timeouts are checked");
  static final Setting<Integer> MIN_SLICES = Setting.integer("cropper.min.slices", CropperConfig.DEFAULT_MIN_SLICES,
      "a series with fewer slices is dead-lettered (SERIES_TOO_SHORT), not cropped or scored").between(1, 100_000);

  private CropperMain() {}

  static List<Setting<?>> settings() {
    List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(STREAMS.all());
    all.addAll(List.of(MIN_PIXELS, MARGIN, SERIES_TIMEOUT, COMPLETED_RETENTION, PUNCTUATE, MIN_SLICES));
    return all;
  }

  public static void main(String[] args) {
    ServiceMain.run("cropper", () -> settings(System.getenv(), args), CropperMain::start);
  }

  /** The configuration the topology runs with. */
  static CropperConfig config(Settings settings) {
    return new CropperConfig(settings.get(MIN_PIXELS), Double.parseDouble(settings.get(MARGIN)),
        settings.get(SERIES_TIMEOUT), settings.get(COMPLETED_RETENTION), settings.get(PUNCTUATE),
        settings.get(MIN_SLICES));
  }

  static CropperTopics topics(KafkaSettings kafka) {
    return new CropperTopics(kafka.topic(Topics.MASKS), kafka.sourceTopic(Topics.SERIES), kafka.topic(Topics.CROPS),
        kafka.topic(Topics.DEAD_LETTERS));
  }

  /** Starts the service; the returned runner is RUNNING. Used by main and by in-process tests. */
  public static RunningService start(Settings settings) throws Exception {
    KafkaSettings kafka = new KafkaSettings(settings);
    CropperTopics topics = topics(kafka);
    List<Topic<?>> all = List.of(topics.masks(), topics.series(), topics.crops(), topics.deadLetters());
    TopicAdmin.ensureTopics(kafka.clientProperties(), all, kafka.partitions(), kafka.replicationFactor(),
        kafka.createTopics());
    TopicAdmin.requireCoPartitioned(kafka.clientProperties(), List.of(topics.masks(), topics.series()));
    SchemaRegistryClient registry = kafka.registryClient();
    SchemaCheck.registerValueSchemas(registry, List.of(topics.crops(), topics.deadLetters()));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StreamsRunner runner = new StreamsRunner("cropper",
        CropperTopology.buildTopology(config(settings), topics, registry, kafka.registryConfig()),
        STREAMS.streamsProperties(settings, kafka, Topics.MASKS.maxMessageBytes()), metrics,
        settings.get(STREAMS.closeTimeout));
    runner.start(settings.get(STREAMS.startTimeout));
    return new RunningService(runner, STREAMS.httpServer(settings, metrics, runner));
  }

  /** Loads the cropper's settings, for tests and tools running it in-process. */
  public static Settings settings(Map<String, String> environment, String... args) {
    return Settings.load(settings(), KafkaSettings.passThroughGroups(), environment, args);
  }
}
