package io.spinestream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.SliceMask;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VoxelBox;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.schemas.ItStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producer, segmenter and cropper on the real broker and registry with the shipped small segmenter: crops
 * agree with the phantom ground truth, and killing either service mid-study (kill -9) and starting it again
 * still gives exactly one set of seven crops per study.
 */
class SegmenterCropperIT {
  private static final Duration PIPELINE_TIMEOUT = Duration.ofMinutes(8);

  @TempDir
  Path work;

  @Test
  void shouldCropEveryVertebraLikeTheGroundTruth() throws Exception {
    PhantomOptions options = PipelineFixture.options(3);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, work.resolve("phantoms"));
    String prefix = "it-" + ItStack.runId() + "-crops.";
    List<ServiceProcess> services = List.of(PipelineFixture.stage("segmenter", prefix, work),
        PipelineFixture.stage("cropper", prefix, work));
    try {
      PipelineFixture.startAll(services);
      assertThat(PipelineFixture.ingest(prefix, work.resolve("phantoms/train_images"))).isZero();

      List<VertebraCrop> crops = TopicReader.read(prefix + "spine.crops", VertebraCrop.class, 7 * studies.size(),
          PIPELINE_TIMEOUT, Duration.ofSeconds(3));
      assertThat(crops).hasSize(7 * studies.size());

      List<Double> ious = new ArrayList<>();
      StringBuilder table = new StringBuilder("box IoU against the ground truth's crops (held-out phantoms):\n");
      int maskSize = Models.segmenterInputSize();
      for (PhantomStudy study : studies) {
        Map<Integer, Optional<VoxelBox>> truth = PipelineFixture.groundTruthCrops(options, study.studyIndex(),
            maskSize, 10, 0.125);
        List<VertebraCrop> mine = crops.stream()
            .filter(c -> c.getStudyInstanceUid().equals(study.studyInstanceUid())).toList();
        assertThat(mine).extracting(VertebraCrop::getVertebra).doesNotHaveDuplicates().hasSize(7);
        table.append(study.studyIndex()).append(':');
        for (VertebraCrop crop : mine) {
          int label = crop.getVertebra().ordinal() + 1;
          double iou = crop.getFound() && truth.get(label).isPresent()
              ? PipelineFixture.iou(crop.getBox(), truth.get(label).get()) : 0;
          ious.add(iou);
          table.append(String.format(" %s %.2f", crop.getVertebra(), iou));
        }
        table.append('\n');
      }
      double mean = ious.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      System.out.printf("%smean IoU %.3f over %d vertebrae%n", table, mean, ious.size());
      assertThat(mean).as("mean box IoU (issue 5's target)").isGreaterThanOrEqualTo(0.7);
    } finally {
      PipelineFixture.closeAll(services);
    }
  }

  @Test
  void shouldEmitExactlyOneSetOfCropsPerStudyAfterKillingEachServiceMidStudy() throws Exception {
    PhantomOptions options = PipelineFixture.options(2).withSeed(PipelineFixture.HELD_OUT_SEED + 1);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, work.resolve("phantoms"));
    String prefix = "it-" + ItStack.runId() + "-kill.";
    ServiceProcess segmenter = PipelineFixture.stage("segmenter", prefix, work);
    ServiceProcess cropper = PipelineFixture.stage("cropper", prefix, work);
    try {
      PipelineFixture.startAll(List.of(segmenter, cropper));
      assertThat(PipelineFixture.ingest(prefix, work.resolve("phantoms/train_images"))).isZero();

      // Mid-study: masks are flowing, the first study is not finished.
      TopicReader.awaitAny(prefix + "spine.masks", SliceMask.class, PIPELINE_TIMEOUT);
      segmenter.kill();
      cropper.kill();
      segmenter = PipelineFixture.stage("segmenter", prefix, work);
      cropper = PipelineFixture.stage("cropper", prefix, work);
      PipelineFixture.startAll(List.of(segmenter, cropper));

      List<VertebraCrop> crops = TopicReader.read(prefix + "spine.crops", VertebraCrop.class, 7 * studies.size(),
          PIPELINE_TIMEOUT, Duration.ofSeconds(10));
      Map<String, Long> perStudy = crops.stream().collect(Collectors.groupingBy(
          c -> c.getStudyInstanceUid() + "/" + c.getVertebra(), Collectors.counting()));
      assertThat(perStudy).as("one crop per study and vertebra, no duplicates after the kills")
          .hasSize(7 * studies.size()).allSatisfy((key, count) -> assertThat(count).isEqualTo(1L));
    } finally {
      segmenter.close();
      cropper.close();
    }
  }
}
