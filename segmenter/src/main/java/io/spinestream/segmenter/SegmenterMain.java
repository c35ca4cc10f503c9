package io.spinestream.segmenter;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.InferenceSettings;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.common.inference.TorchModel;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.common.kafka.SchemaCheck;
import io.spinestream.common.kafka.TopicAdmin;
import io.spinestream.common.streams.RunningModelService;
import io.spinestream.common.streams.ServiceMain;
import io.spinestream.common.streams.StreamsRunner;
import io.spinestream.common.streams.StreamsSettings;
import io.spinestream.events.ModelRef;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segmenter service: {@code spine.slices} + {@code spine.series} -> {@code spine.masks}. Refuses to
 * start (exit code 1, one clear line) if the model card, its hash or the model's shapes do not check out;
 * exit code 2 for a bad configuration.
 */
public final class SegmenterMain {
  private static final Logger LOG = LoggerFactory.getLogger(SegmenterMain.class);
  static final StreamsSettings STREAMS = new StreamsSettings("segmenter");
  static final InferenceSettings MODEL = new InferenceSettings("segmenter", "models/shipped/spine-seg-b0w025-256.json");
  static final Setting<Duration> PUNCTUATE = Setting.millis("segmenter.punctuate.interval.ms", 10L,
      "how often finished inference is taken back and new slices handed to the model")
      .must(d -> d.toMillis() >= 1, "must be >= 1 ms");
  static final Setting<Duration> SERIES_TIMEOUT = Setting.millis("segmenter.series.timeout.ms", 600_000L,
      "a series still incomplete this long after its last slice or manifest is dead-lettered");
  static final Setting<Duration> COMPLETED_RETENTION = Setting.millis("segmenter.completed.retention.ms", 3_600_000L,
      "how long a segmented series is remembered to recognise late duplicates");
  static final Setting<Boolean> EMIT_RLE = Setting.bool("segmenter.emit.rle", false,
      "include the run-length label map in every SliceMask");
  static final Setting<Boolean> BEFORE_MANIFEST = Setting.bool("segmenter.segment.before.manifest", true,
      "segment slices while their series still waits for its manifest when their neighbours by z position look"
          + " final (checked against the manifest; a wrong guess costs one forward pass)");
  static final Setting<Integer> MAX_PIXELS = Setting.integer("segmenter.max.pixels", 1024 * 1024,
      "largest rows x columns accepted").between(1, 64 * 1024 * 1024);

  private SegmenterMain() {}

  static List<Setting<?>> settings() {
    List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(STREAMS.all());
    all.addAll(MODEL.all());
    all.addAll(List.of(PUNCTUATE, SERIES_TIMEOUT, COMPLETED_RETENTION, EMIT_RLE, MAX_PIXELS, BEFORE_MANIFEST));
    return all;
  }

  public static Settings settings(Map<String, String> environment, String... args) {
    return Settings.load(settings(), KafkaSettings.passThroughGroups(), environment, args);
  }

  public static void main(String[] args) {
    ServiceMain.run("segmenter", () -> settings(System.getenv(), args), SegmenterMain::start);
  }

  /** What the topology needs of the model card. */
  static SegmenterSpec spec(ModelCard card) {
    long[] shape = card.itemInputShape();
    var pre = card.preprocessing();
    return new SegmenterSpec((int) shape[1], (int) shape[2], pre.huWindow().get(0).floatValue(),
        pre.huWindow().get(1).floatValue(), pre.meanValues(), pre.stdValues(),
        new ModelRef(card.name(), card.version(), card.sha256()), LevelOrdering.Rule.of(card.levelOrdering()));
  }

  /** Loads the model, prepares topics and starts the streams; RUNNING when it returns. */
  public static RunningModelService start(Settings settings) throws Exception {
    KafkaSettings kafka = new KafkaSettings(settings);
    SegmenterTopics topics = new SegmenterTopics(kafka.sourceTopic(Topics.SLICES), kafka.sourceTopic(Topics.SERIES),
        kafka.topic(Topics.MASKS), kafka.topic(Topics.DEAD_LETTERS));
    TorchModel model = TorchModel.load(settings.get(MODEL.modelCard), ModelCard.TASK_SEGMENTATION,
        MODEL.engineConfig(settings));
    BatchingPredictor predictor = null;
    try {
      SegmenterSpec spec = spec(model.card());
      LOG.info("level ordering over each series: {}", spec.levelOrdering() != LevelOrdering.Rule.NONE
          ? spec.levelOrdering().cardName()
          : "none (the card has no postprocessing.level_ordering)");
      predictor = BatchingPredictor.start(model, MODEL.batchingConfig(settings));
      List<Topic<?>> all = List.of(topics.slices(), topics.series(), topics.masks(), topics.deadLetters());
      TopicAdmin.ensureTopics(kafka.clientProperties(), all, kafka.partitions(), kafka.replicationFactor(),
          kafka.createTopics());
      TopicAdmin.requireCoPartitioned(kafka.clientProperties(), List.of(topics.slices(), topics.series()));
      SchemaRegistryClient registry = kafka.registryClient();
      SchemaCheck.registerValueSchemas(registry, List.of(topics.masks(), topics.deadLetters()));
      PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      predictor.bindTo(metrics);
      SegmenterConfig config = new SegmenterConfig(settings.get(MODEL.batchSize), MODEL.maxInFlight(settings), settings.get(PUNCTUATE),
          settings.get(SERIES_TIMEOUT), settings.get(COMPLETED_RETENTION), settings.get(EMIT_RLE),
          settings.get(MAX_PIXELS), settings.get(BEFORE_MANIFEST));
      StreamsRunner runner = new StreamsRunner("segmenter",
          SegmenterTopology.buildTopology(config, spec, topics, new ModelSliceSegmenter(predictor, spec.height(),
              spec.width()), registry, kafka.registryConfig()),
          STREAMS.streamsProperties(settings, kafka, Topics.SLICES.maxMessageBytes()), metrics,
          settings.get(STREAMS.closeTimeout));
      runner.start(settings.get(STREAMS.startTimeout));
      return new RunningModelService(runner, STREAMS.httpServer(settings, metrics, runner), predictor, model);
    } catch (Exception | Error e) {
      if (predictor != null) {
        predictor.close();
      }
      model.close();
      throw e;
    }
  }
}
