package io.spinestream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraScore;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.phantom.Vertebra;
import io.spinestream.schemas.ItStack;
import io.spinestream.tools.RsnaMetric;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the real broker and registry with the shipped small models, each service its own
 * JVM: held-out phantom studies yield exactly one StudyScore each, the scores separate fractured from intact
 * vertebrae, and killing the classifier mid-study (kill -9) and starting it again still gives exactly one
 * StudyScore per study.
 */
class ClassifierPipelineIT {
  private static final Duration PIPELINE_TIMEOUT = Duration.ofMinutes(12);

  @TempDir
  Path work;

  @Test
  void shouldScoreEveryStudyOnceAndSeparateFracturedFromIntactVertebrae() throws Exception {
    // Fractures planted so both classes are well represented among the held-out vertebrae.
    PhantomOptions options = PipelineFixture.options(8).withFractureProbability(0.3).withSeed(PipelineFixture.HELD_OUT_SEED + 2);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, work.resolve("phantoms"));
    String prefix = "it-" + ItStack.runId() + "-scores.";
    List<ServiceProcess> services = PipelineFixture.stages(prefix, work);
    try {
      PipelineFixture.startAll(services);
      assertThat(PipelineFixture.ingest(prefix, work.resolve("phantoms/train_images"))).isZero();

      List<StudyScore> scores = TopicReader.read(prefix + "spine.scores", StudyScore.class, studies.size(),
          PIPELINE_TIMEOUT, Duration.ofSeconds(5));
      assertThat(scores).as("exactly one StudyScore per study").hasSize(studies.size())
          .extracting(StudyScore::getStudyInstanceUid).doesNotHaveDuplicates();
      List<VertebraScore> vertebrae = TopicReader.read(prefix + "spine.vertebra-scores", VertebraScore.class,
          7 * studies.size(), Duration.ofMinutes(1), Duration.ofSeconds(2));
      assertThat(vertebrae).hasSize(7 * studies.size());

      List<RsnaMetric.Study> evaluated = new ArrayList<>();
      for (StudyScore score : scores) {
        PhantomStudy study = studies.stream().filter(s -> s.studyInstanceUid().equals(score.getStudyInstanceUid()))
            .findFirst().orElseThrow();
        int[] truth = new int[8];
        for (Vertebra v : study.fractured()) {
          truth[v.label()] = 1;
        }
        truth[0] = study.fractured().isEmpty() ? 0 : 1;
        evaluated.add(new RsnaMetric.Study(score.getStudyInstanceUid(), truth, new double[] {score.getPatientOverall(),
            score.getC1(), score.getC2(), score.getC3(), score.getC4(), score.getC5(), score.getC6(), score.getC7()}));
      }
      double auc = RsnaMetric.vertebraAuc(evaluated);
      System.out.printf("held-out phantoms: %d studies, vertebra AUC %.3f, RSNA weighted log loss %.4f%n",
          evaluated.size(), auc, RsnaMetric.logLoss(evaluated));
      assertThat(auc).as("fracture AUC over all vertebrae").isGreaterThanOrEqualTo(0.9);
      assertThat(scores).allSatisfy(s -> {
        assertThat(s.getScoredAt()).isAfterOrEqualTo(s.getLastSliceReceivedAt());
        assertThat(s.getLastSliceReceivedAt()).isAfterOrEqualTo(s.getFirstSliceReceivedAt());
      });
    } finally {
      PipelineFixture.closeAll(services);
    }
  }

  @Test
  void shouldScoreEachStudyExactlyOnceAfterKillingTheClassifierMidStudy() throws Exception {
    PhantomOptions options = PipelineFixture.options(3).withSeed(PipelineFixture.HELD_OUT_SEED + 3);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, work.resolve("phantoms"));
    String prefix = "it-" + ItStack.runId() + "-kill-classifier.";
    List<ServiceProcess> services = PipelineFixture.stages(prefix, work);
    ServiceProcess classifier = services.get(2);
    try {
      PipelineFixture.startAll(services);
      assertThat(PipelineFixture.ingest(prefix, work.resolve("phantoms/train_images"))).isZero();
      TopicReader.awaitAny(prefix + "spine.vertebra-scores", VertebraScore.class, PIPELINE_TIMEOUT);
      classifier.kill();
      classifier = PipelineFixture.stage("classifier", prefix, work);
      classifier.start();
      classifier.awaitRunning(Duration.ofMinutes(3));

      List<StudyScore> scores = TopicReader.read(prefix + "spine.scores", StudyScore.class, studies.size(),
          PIPELINE_TIMEOUT, Duration.ofSeconds(10));
      Map<String, Long> perStudy = scores.stream()
          .collect(Collectors.groupingBy(StudyScore::getStudyInstanceUid, Collectors.counting()));
      assertThat(perStudy).hasSize(studies.size()).allSatisfy((study, count) -> assertThat(count).isEqualTo(1L));
    } finally {
      classifier.close();
      PipelineFixture.closeAll(services);
    }
  }
}
