package io.spinestream.classifier;

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

/**
 * The classifier service: {@code spine.crops} + {@code spine.slices} + {@code spine.series} ->
 * {@code spine.vertebra-scores} and {@code spine.scores}. CPU or GPU by {@code classifier.device}.
 */
public final class ClassifierMain {
  static final StreamsSettings STREAMS = new StreamsSettings("classifier");
  static final InferenceSettings MODEL = new InferenceSettings("classifier", "models/shipped/spine-cls-plainw025-96.json");
  static final Setting<Duration> PUNCTUATE = Setting.millis("classifier.punctuate.interval.ms", 10L,
      "how often finished scores are taken back and new vertebrae handed to the model")
      .must(d -> d.toMillis() >= 1, "must be >= 1 ms");
  static final Setting<Duration> STUDY_TTL = Setting.millis("classifier.study.ttl.ms", 1_800_000L,
      "a study not scored this long after its last event is dropped (dead-lettered if its crops had arrived)");
  static final Setting<Duration> COMPLETED_RETENTION = Setting.millis("classifier.completed.retention.ms", 3_600_000L,
      "how long a scored series is remembered to recognise late duplicates");
  static final Setting<String> FALLBACK = Setting.string("classifier.fallback.probability", "0.1",
      "probability of a vertebra the segmentation did not find (flagged fallback=true)")
      .must(v -> v.matches("0(\\.\\d+)?|1(\\.0+)?"), "must be a probability between 0 and 1");
  static final Setting<Aggregation> AGGREGATION = new Setting<>("classifier.aggregation",
      "how patient_overall follows from C1..C7: max or noisy-or", Aggregation::parse, Aggregation.NOISY_OR, false,
      v -> true, "");
  static final Setting<Integer> MAX_PIXELS = Setting.integer("classifier.max.pixels", 1024 * 1024,
      "largest rows x columns accepted").between(1, 64 * 1024 * 1024);

  private ClassifierMain() {}

  static List<Setting<?>> settings() {
    List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(STREAMS.all());
    all.addAll(MODEL.all());
    all.addAll(List.of(PUNCTUATE, STUDY_TTL, COMPLETED_RETENTION, FALLBACK, AGGREGATION, MAX_PIXELS));
    return all;
  }

  public static Settings settings(Map<String, String> environment, String... args) {
    return Settings.load(settings(), KafkaSettings.passThroughGroups(), environment, args);
  }

  public static void main(String[] args) {
    ServiceMain.run("classifier", () -> settings(System.getenv(), args), ClassifierMain::start);
  }

  static ClassifierSpec spec(ModelCard card) {
    long[] shape = card.itemInputShape();
    var pre = card.preprocessing();
    return new ClassifierSpec((int) shape[2], (int) shape[3], pre.huWindow().get(0).floatValue(),
        pre.huWindow().get(1).floatValue(), pre.meanValues(), pre.stdValues(), new ModelRef(card.name(), card.version(), card.sha256()));
  }

  public static RunningModelService start(Settings settings) throws Exception {
    KafkaSettings kafka = new KafkaSettings(settings);
    ClassifierTopics topics = new ClassifierTopics(kafka.sourceTopic(Topics.SLICES), kafka.sourceTopic(Topics.SERIES),
        kafka.topic(Topics.CROPS), kafka.topic(Topics.VERTEBRA_SCORES), kafka.topic(Topics.SCORES),
        kafka.topic(Topics.DEAD_LETTERS));
    TorchModel model = TorchModel.load(settings.get(MODEL.modelCard), ModelCard.TASK_VERTEBRA_FRACTURE,
        MODEL.engineConfig(settings));
    BatchingPredictor predictor = null;
    try {
      ClassifierSpec spec = spec(model.card());
      predictor = BatchingPredictor.start(model, MODEL.batchingConfig(settings));
      List<Topic<?>> all = List.of(topics.slices(), topics.series(), topics.crops(), topics.vertebraScores(),
          topics.scores(), topics.deadLetters());
      TopicAdmin.ensureTopics(kafka.clientProperties(), all, kafka.partitions(), kafka.replicationFactor(),
          kafka.createTopics());
      TopicAdmin.requireCoPartitioned(kafka.clientProperties(), List.of(topics.slices(), topics.series(),
          topics.crops()));
      SchemaRegistryClient registry = kafka.registryClient();
      SchemaCheck.registerValueSchemas(registry, List.of(topics.vertebraScores(), topics.scores(),
          topics.deadLetters()));
      PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      predictor.bindTo(metrics);
      ClassifierConfig config = new ClassifierConfig(settings.get(MODEL.batchSize), MODEL.maxInFlight(settings), settings.get(PUNCTUATE),
          settings.get(STUDY_TTL), settings.get(COMPLETED_RETENTION), Double.parseDouble(settings.get(FALLBACK)),
          settings.get(AGGREGATION), settings.get(MAX_PIXELS));
      StreamsRunner runner = new StreamsRunner("classifier",
          ClassifierTopology.buildTopology(config, spec, topics,
              new ModelVertebraClassifier(predictor, spec.height(), spec.width()), registry, kafka.registryConfig()),
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
