package io.spinestream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spinestream.events.StudyScore;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.schemas.ItStack;
import io.spinestream.tools.Evaluation;
import io.spinestream.tools.RsnaMetric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an ML team does with a new model version: the live pipeline (segmenter, cropper, classifier, each its
 * own JVM, shipped models) scores phantom studies; then a replay, run as {@code ./spine replay NAME --from T
 * --topics.prefix=LIVE --classifier.model.card=V2} runs it (the {@code replay-offsets} tool positions the
 * replay's consumer groups at T, then the three stages run under their own application ids into
 * {@code replay-NAME.*} topics), scores the studies sent after T again with a second classifier version (the
 * shipped classifier re-exported with another calibration by {@code spinestream_models.recalibrate}), while
 * the live services keep running; and {@code tools evaluate} over both score topics prints both versions side
 * by side. The live topics get no record from the replay.
 */
class ReplayComparisonIT {
  private static final Duration PIPELINE_TIMEOUT = Duration.ofMinutes(12);
  private static final String V1 = Models.classifierVersion();
  private static final String V2 = V1 + "-prev30";
  private static final List<String> TOPICS = List.of("spine.slices", "spine.series", "spine.masks", "spine.crops",
      "spine.vertebra-scores", "spine.scores", "spine.dead-letters");

  @TempDir
  Path work;

  @Test
  void shouldScoreTheStudiesAgainWithASecondVersionAndEvaluateBothSideBySideWithoutTouchingTheLiveTopics()
      throws Exception {
    // Study 0 is sent before the replay's start time T, studies 1 and 2 after it.
    PhantomOptions options = PipelineFixture.options(3).withSeed(PipelineFixture.HELD_OUT_SEED + 4)
        .withFractureProbability(0.3);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, work.resolve("phantoms"));
    Path images = work.resolve("phantoms").resolve(PhantomGenerator.IMAGES_DIRECTORY);
    Path labels = work.resolve("phantoms").resolve(PhantomGenerator.TRAIN_CSV);
    Path v2Card = recalibratedClassifier();
    double shift = new ObjectMapper().readTree(v2Card.toFile()).path("calibration").path("logit_shift").asDouble();
    assertThat(shift).as("the second version's logit shift").isGreaterThan(1.0);

    String live = "it-" + ItStack.runId() + "-live.";
    String name = "v2-" + ItStack.runId();
    String replay = "replay-" + name + "." + live;
    List<ServiceProcess> liveServices = PipelineFixture.stages(live, work);
    List<ServiceProcess> replayServices = new ArrayList<>();
    try {
      PipelineFixture.startAll(liveServices);
      Path decoy = images.resolve(studies.get(0).studyInstanceUid());
      assertThat(PipelineFixture.ingest(live, decoy)).isZero();
      Thread.sleep(100);
      Instant from = Instant.now();
      Thread.sleep(100);
      for (PhantomStudy study : studies.subList(1, studies.size())) {
        assertThat(PipelineFixture.ingest(live, images.resolve(study.studyInstanceUid()))).isZero();
      }
      Map<String, StudyScore> v1 = byStudy(TopicReader.read(live + "spine.scores", StudyScore.class, studies.size(),
          PIPELINE_TIMEOUT, Duration.ofSeconds(3)));
      assertThat(v1).as("the live pipeline scores every study").hasSize(studies.size());
      Map<String, Long> liveCounts = counts(live);

      // ./spine replay NAME --from T --topics.prefix=LIVE --classifier.model.card=V2 (scripts/commands.sh).
      List<String> groups = List.of("replay-" + name + "-segmenter", "replay-" + name + "-cropper",
          "replay-" + name + "-classifier");
      PipelineFixture.ToolRun positioned = PipelineFixture.tool(work, "replay-offsets", "--replay.from=" + from,
          "--replay.groups=" + String.join(",", groups), "--replay.topics=" + live + "spine.slices," + live + "spine.series");
      assertThat(positioned.exitCode()).as("replay-offsets: %s", positioned.output()).isZero();
      for (String module : List.of("segmenter", "cropper", "classifier")) {
        List<String> args = new ArrayList<>(PipelineFixture.stageArgs(module, live, work));
        args.addAll(List.of("--topics.prefix=" + replay, "--topics.source.prefix=" + live,
            "--" + module + ".application.id=replay-" + name + "-" + module,
            "--" + module + ".state.dir=" + work.resolve("replay-state-" + module)));
        if (module.equals("classifier")) {
          args.add("--classifier.model.card=" + v2Card);
        }
        replayServices.add(new ServiceProcess("replay-" + module, module, work, args.toArray(String[]::new)));
      }
      PipelineFixture.startAll(replayServices);

      Map<String, StudyScore> v2 = byStudy(TopicReader.read(replay + "spine.scores", StudyScore.class,
          studies.size() - 1, PIPELINE_TIMEOUT, Duration.ofSeconds(10)));
      Set<String> afterFrom = studies.subList(1, studies.size()).stream().map(PhantomStudy::studyInstanceUid)
          .collect(Collectors.toSet());
      assertThat(v2.keySet()).as("the replay scores exactly the studies sent after --from").isEqualTo(afterFrom);
      List<Double> shifts = new ArrayList<>();
      for (String uid : afterFrom) {
        assertThat(v2.get(uid).getClassifier().getVersion()).isEqualTo(V2);
        assertThat(v1.get(uid).getClassifier().getVersion()).isEqualTo(V1);
        shifts.addAll(logitShifts(v1.get(uid), v2.get(uid)));
      }
      // Same slices, same segmenter, same crops: each classified vertebra's logit moved by the calibration.
      assertThat(shifts).as("vertebrae scored by the model in both versions").hasSizeGreaterThanOrEqualTo(7);
      assertThat(median(shifts)).as("median logit(v2) - logit(v1)").isCloseTo(shift, within(0.02));

      PipelineFixture.ToolRun evaluated = PipelineFixture.tool(work, "evaluate", "--evaluate.labels=" + labels,
          "--evaluate.topics=" + live + "spine.scores," + replay + "spine.scores",
          "--evaluate.json=" + work.resolve("evaluation.json"));
      System.out.println(evaluated.output());
      assertThat(evaluated.exitCode()).as("tools evaluate: %s", evaluated.output()).isZero();
      String v1Model = "spine-cls-plainw025-96 " + V1 + " / " + Models.segmenter();
      String v2Model = "spine-cls-plainw025-96 " + V2 + " / " + Models.segmenter();
      assertThat(evaluated.output()).contains(v1Model).contains(v2Model).contains("RSNA weighted log loss");
      Map<String, JsonNode> results = new LinkedHashMap<>();
      new ObjectMapper().readTree(work.resolve("evaluation.json").toFile())
          .forEach(r -> results.put(r.path("model").asText(), r));
      assertThat(results.keySet()).containsExactlyInAnyOrder(v1Model, v2Model);
      assertThat(results.get(v1Model).path("scored").asInt()).isEqualTo(3);
      assertThat(results.get(v1Model).path("evaluated").asInt()).isEqualTo(3);
      assertThat(results.get(v1Model).path("missing").asInt()).isZero();
      assertThat(results.get(v2Model).path("scored").asInt()).isEqualTo(2);
      assertThat(results.get(v2Model).path("evaluated").asInt()).isEqualTo(2);
      assertThat(results.get(v2Model).path("missing").asInt()).as("the study sent before --from").isEqualTo(1);
      double lossV1 = results.get(v1Model).path("logLoss").asDouble();
      double lossV2 = results.get(v2Model).path("logLoss").asDouble();
      assertThat(lossV1).isFinite().isPositive();
      assertThat(lossV2).isFinite().isPositive();
      // Each version's loss is the metric over the scores it wrote (all studies for v1, those after T for v2),
      // and on the same studies the recalibrated version scores differently.
      assertThat(lossV1).as("v1's RSNA log loss").isCloseTo(expectedLogLoss(v1, studies), within(1e-9));
      assertThat(lossV2).as("v2's RSNA log loss").isCloseTo(expectedLogLoss(v2, studies), within(1e-9));
      Map<String, StudyScore> v1AfterFrom = new LinkedHashMap<>(v1);
      v1AfterFrom.keySet().retainAll(afterFrom);
      assertThat(expectedLogLoss(v1AfterFrom, studies)).as("v1's loss on v2's studies")
          .isNotCloseTo(lossV2, within(1e-6));

      assertThat(counts(live)).as("records on the live topics after the replay").isEqualTo(liveCounts);
    } finally {
      PipelineFixture.closeAll(replayServices);
      PipelineFixture.closeAll(liveServices);
    }
  }

  /** The shipped classifier with its logit shifted to a prevalence of 0.3, as version V1-prev30. */
  private Path recalibratedClassifier() throws Exception {
    Path out = work.resolve("models-v2");
    Process export = new ProcessBuilder("/usr/bin/python3", "-m", "spinestream_models.recalibrate", "--card",
        PipelineFixture.MODELS.resolve(Models.CLASSIFIER_CARD).toString(), "--to-prevalence", "0.3", "--version", V2,
        "--out", out.toString()).directory(ServiceProcess.ROOT.resolve("models").toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve("recalibrate.log").toFile()).start();
    assertThat(export.waitFor()).as("recalibrate: %s", Files.readString(work.resolve("recalibrate.log"))).isZero();
    Path card = out.resolve("spine-cls-plainw025-96.json");
    assertThat(card).isRegularFile();
    return card;
  }

  private static Map<String, StudyScore> byStudy(List<StudyScore> scores) {
    Map<String, StudyScore> byStudy = new LinkedHashMap<>();
    for (StudyScore score : scores) {
      assertThat(byStudy.put(score.getStudyInstanceUid(), score)).as("a second score for %s",
          score.getStudyInstanceUid()).isNull();
    }
    return byStudy;
  }

  private static Map<String, Long> counts(String prefix) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String topic : TOPICS) {
      counts.put(topic, TopicReader.count(prefix + topic));
    }
    return counts;
  }

  /** logit(p2) - logit(p1) of each vertebra the model scored in both (not a not-found fallback). */
  /** The RSNA weighted log loss of the scores, against the phantoms' own truth. */
  private static double expectedLogLoss(Map<String, StudyScore> scores, List<PhantomStudy> studies) {
    List<RsnaMetric.Study> rows = new ArrayList<>();
    for (PhantomStudy study : studies) {
      StudyScore score = scores.get(study.studyInstanceUid());
      if (score != null) {
        int[] truth = new int[8];
        truth[0] = study.positive() ? 1 : 0;
        study.fractured().forEach(vertebra -> truth[1 + vertebra.ordinal()] = 1);
        rows.add(new RsnaMetric.Study(study.studyInstanceUid(), truth, Evaluation.probabilities(score)));
      }
    }
    return RsnaMetric.logLoss(rows);
  }

  private static List<Double> logitShifts(StudyScore v1, StudyScore v2) {
    double[] p1 = {v1.getC1(), v1.getC2(), v1.getC3(), v1.getC4(), v1.getC5(), v1.getC6(), v1.getC7()};
    double[] p2 = {v2.getC1(), v2.getC2(), v2.getC3(), v2.getC4(), v2.getC5(), v2.getC6(), v2.getC7()};
    Set<String> fallback = new java.util.HashSet<>();
    v1.getFallbackVertebrae().forEach(v -> fallback.add(v.name()));
    v2.getFallbackVertebrae().forEach(v -> fallback.add(v.name()));
    List<Double> shifts = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      if (!fallback.contains("C" + (i + 1))) {
        shifts.add(logit(p2[i]) - logit(p1[i]));
      }
    }
    return shifts;
  }

  private static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
