package io.spinestream.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.events.StudyScore;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Command-line tools over the pipeline's topics.
 *
 * <pre>
 *   tools evaluate --evaluate.labels=train.csv [--evaluate.json=FILE] [--evaluate.model=NAME]
 *                  [--evaluate.topics=spine.scores,replay-v2.spine.scores]
 *   tools replay-offsets --replay.groups=G1,G2 --replay.topics=T1,T2 --replay.from=2026-11-26T10:00:00Z
 *   tools watch --watch.studies=UID1,UID2 [--watch.labels=train.csv] [--watch.timeout.ms=600000]
 *               [--watch.interval.ms=5000] [--watch.ready.file=FILE] [--watch.require.unseen=true]
 *   tools dead-letters [--dead-letters.stage=S] [--dead-letters.reason=CODE] [--dead-letters.redrive=true] ...
 *               (see {@link DeadLetterTool})
 * </pre>
 *
 * {@code evaluate} reads every StudyScore on {@code <topics.prefix>spine.scores} up to the end of the topic
 * (committed records only), keeps the latest score per study for each classifier model version, joins the
 * labels, and prints the RSNA weighted log loss, the AUC per label and the counts, side by side when
 * several versions scored (a replay next to the live pipeline), plus JSON.
 *
 * <p>{@code watch} follows the given studies through the topics from now on, prints progress, and when each
 * has its StudyScore prints a table of scores, truth and the RSNA metric ({@link PipelineWatch}); exit status
 * 0 done, 3 timed out, 4 studies already streamed (with {@code watch.require.unseen}), 5 a study scored twice.
 */
public final class ToolsMain {
  static final Setting<Path> LABELS = Setting.path("evaluate.labels", null, "RSNA train.csv with the truth");
  static final Setting<Path> JSON = Setting.path("evaluate.json", null, "also write the results as JSON here")
      .optionalValue();
  static final Setting<String> MODEL = Setting.string("evaluate.model", null,
      "only this classifier model (name, or 'name version')").optionalValue();
  static final Setting<String> TOPICS = Setting.string("evaluate.topics", null,
      "score topics to read, comma-separated (default: the scores topic under topics.prefix); a replay's "
          + "next to the live one gives a side-by-side comparison").optionalValue();
  static final Setting<String> REPLAY_GROUPS = Setting.string("replay.groups", null,
      "consumer groups (application ids) to position").optionalValue();
  static final Setting<String> REPLAY_TOPICS = Setting.string("replay.topics", null,
      "topics to position them on").optionalValue();
  static final Setting<String> REPLAY_FROM = Setting.string("replay.from", null,
      "ISO-8601 instant to start from, e.g. 2026-11-26T10:00:00Z").optionalValue();

  static final Setting<String> WATCH_STUDIES = Setting.string("watch.studies", null,
      "StudyInstanceUIDs to wait for, comma-separated").optionalValue();
  static final Setting<Path> WATCH_LABELS = Setting.path("watch.labels", null,
      "RSNA train.csv with the truth of the watched studies (truth rows and the metric)").optionalValue();
  static final Setting<Duration> WATCH_TIMEOUT = Setting.millis("watch.timeout.ms", 600_000L,
      "give up (exit 3) when the studies are not all scored this long after the watch started")
      .must(d -> d.toMillis() >= 1, "must be >= 1 ms");
  static final Setting<Duration> WATCH_INTERVAL = Setting.millis("watch.interval.ms", 5_000L,
      "how often a progress line is printed").must(d -> d.toMillis() >= 100, "must be >= 100 ms");
  static final Setting<Path> WATCH_READY_FILE = Setting.path("watch.ready.file", null,
      "written once the watch has taken its start offsets: studies sent after that are seen").optionalValue();
  static final Setting<Boolean> WATCH_REQUIRE_UNSEEN = Setting.bool("watch.require.unseen", false,
      "refuse (exit 4) studies whose series is already on the series topic: the services would not score them again");

  private static final String USAGE = "usage: tools evaluate --evaluate.labels=train.csv [--evaluate.json=FILE] "
      + "[--evaluate.model=NAME] [--evaluate.topics=T1,T2] | tools replay-offsets --replay.groups=... "
      + "--replay.topics=... --replay.from=... | tools watch --watch.studies=UID,... [--watch.labels=train.csv] "
      + "[--watch.timeout.ms=...] [--watch.interval.ms=...] [--watch.ready.file=FILE] [--watch.require.unseen=true]";

  private ToolsMain() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("tools: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      System.err.println("tools failed: " + e);
      code = 1;
    }
    System.exit(code);
  }

  /** Loads the tools' settings as main does. */
  static Settings settings(Map<String, String> environment, String... args) {
    List<Setting<?>> declared = new ArrayList<>(KafkaSettings.SETTINGS);
    declared.addAll(List.of(LABELS.optionalValue(), JSON, MODEL, TOPICS, REPLAY_GROUPS, REPLAY_TOPICS, REPLAY_FROM,
        WATCH_STUDIES, WATCH_LABELS, WATCH_TIMEOUT, WATCH_INTERVAL, WATCH_READY_FILE, WATCH_REQUIRE_UNSEEN));
    return Settings.load(declared, KafkaSettings.passThroughGroups(), environment, args);
  }

  static int run(String[] args, Map<String, String> environment) throws Exception {
    if (Arrays.asList(args).contains("dead-letters")) {
      return DeadLetterTool.run(args, environment, System.out);
    }
    Settings settings = settings(environment, args);
    if (settings.arguments().equals(List.of("watch"))) {
      return watch(settings, System.out);
    }
    if (settings.arguments().equals(List.of("replay-offsets"))) {
      if (settings.get(REPLAY_GROUPS) == null || settings.get(REPLAY_TOPICS) == null || settings.get(REPLAY_FROM) == null) {
        throw new ConfigException(List.of("replay-offsets needs --replay.groups, --replay.topics and --replay.from"));
      }
      ReplayOffsets.position(new KafkaSettings(settings).clientProperties(),
          List.of(settings.get(REPLAY_GROUPS).split(",")), List.of(settings.get(REPLAY_TOPICS).split(",")),
          java.time.Instant.parse(settings.get(REPLAY_FROM)));
      return 0;
    }
    if (!settings.arguments().equals(List.of("evaluate")) || settings.get(LABELS.optionalValue()) == null) {
      throw new ConfigException(List.of(USAGE));
    }
    List<Evaluation> results = evaluate(settings);
    System.out.print(table(results));
    Path json = settings.get(JSON);
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
    }
    return results.isEmpty() ? 3 : 0;
  }

  static int watch(Settings settings, PrintStream out) throws Exception {
    String studies = settings.get(WATCH_STUDIES);
    List<String> uids = studies == null ? List.of()
        : Arrays.stream(studies.split(",")).map(String::trim).filter(uid -> !uid.isEmpty()).distinct().toList();
    if (uids.isEmpty()) {
      throw new ConfigException(List.of("watch needs the studies to wait for: --watch.studies=UID1,UID2 (set "
          + WATCH_STUDIES.environmentVariable() + " or " + WATCH_STUDIES.flag() + ")"));
    }
    Path labelsFile = settings.get(WATCH_LABELS);
    if (labelsFile != null && !Files.isReadable(labelsFile)) {
      throw new ConfigException(List.of(WATCH_LABELS.key() + ": cannot read " + labelsFile + " (set "
          + WATCH_LABELS.environmentVariable() + " or " + WATCH_LABELS.flag() + ")"));
    }
    Map<String, int[]> labels = labelsFile == null ? Map.of() : Evaluation.readLabels(labelsFile);
    var options = new PipelineWatch.Options(uids, labels, settings.get(WATCH_TIMEOUT), settings.get(WATCH_INTERVAL),
        settings.get(WATCH_READY_FILE), settings.get(WATCH_REQUIRE_UNSEEN));
    return new PipelineWatch(new KafkaSettings(settings), options, out).run();
  }

  public static List<Evaluation> evaluate(Settings settings) throws Exception {
    KafkaSettings kafka = new KafkaSettings(settings);
    Map<String, int[]> labels = Evaluation.readLabels(settings.get(LABELS.optionalValue()));
    String topics = settings.get(TOPICS);
    List<StudyScore> scores = new ArrayList<>();
    for (String topic : topics == null ? List.of(kafka.topic(Topics.SCORES).name()) : List.of(topics.split(","))) {
      scores.addAll(readAll(kafka, topic.trim()));
    }
    String only = settings.get(MODEL);
    List<Evaluation> results = new ArrayList<>();
    Evaluation.latestByModel(scores).forEach((model, latest) -> {
      if (only == null || model.equals(only) || model.startsWith(only + " ")) {
        results.add(Evaluation.of(model, latest, labels));
      }
    });
    return results;
  }

  /** Every committed record from the beginning to the end offsets as of now. */
  static List<StudyScore> readAll(KafkaSettings kafka, String topic) {
    Properties props = kafka.clientProperties();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, StudyScore> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new AvroDeserializer<>(StudyScore.class, kafka.registryClient()))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<StudyScore> scores = new ArrayList<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> scores.add(r.value()));
      }
      return scores;
    }
  }

  /** One column per model version, as wide as its name, so that versions line up side by side. */
  static String table(List<Evaluation> results) {
    int width = Math.max(24, results.stream().mapToInt(r -> r.model().length()).max().orElse(0));
    StringBuilder out = new StringBuilder();
    out.append(String.format("%-26s", "model"));
    results.forEach(r -> out.append(" | ").append(pad(r.model(), width)));
    out.append('\n');
    row(out, results, width, "studies scored", r -> String.valueOf(r.scored()));
    row(out, results, width, "with labels", r -> String.valueOf(r.evaluated()));
    row(out, results, width, "labelled, not scored", r -> String.valueOf(r.missing()));
    row(out, results, width, "scored, no label", r -> String.valueOf(r.unlabelled()));
    row(out, results, width, "RSNA weighted log loss", r -> String.format("%.4f", r.logLoss()));
    for (String label : RsnaMetric.LABELS) {
      row(out, results, width, "AUC " + label, r -> String.format("%.3f", r.auc().get(label)));
    }
    row(out, results, width, "AUC all vertebrae", r -> String.format("%.3f", r.vertebraAuc()));
    return out.toString();
  }

  private static void row(StringBuilder out, List<Evaluation> results, int width, String name,
      java.util.function.Function<Evaluation, String> value) {
    out.append(String.format("%-26s", name));
    results.forEach(r -> out.append(" | ").append(pad(value.apply(r), width)));
    out.append('\n');
  }

  private static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
  }
}
