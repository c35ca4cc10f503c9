package io.spinestream.it;

import io.spinestream.cropper.CropPlanner;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.VoxelBox;
import io.spinestream.phantom.LabelResampling;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.RenderedStudy;
import io.spinestream.producer.ProducerMain;
import io.spinestream.schemas.ItStack;
import io.spinestream.segmenter.MaskRegions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Held-out phantom studies and their ground truth, as the pipeline tests compare against them. */
final class PipelineFixture {
  /** Never used in training (models/README.md lists the training seeds). */
  static final long HELD_OUT_SEED = 9_001;
  static final Path MODELS = ServiceProcess.ROOT.resolve("models/shipped");

  private PipelineFixture() {}

  static PhantomOptions options(int studies) {
    return PhantomOptions.defaults().withSeed(HELD_OUT_SEED).withStudies(studies).withMatrix(256);
  }

  /**
   * The flags a stage runs with in the pipeline tests: the test stack, topics under {@code prefix}, its own
   * application id and state folder, and for the model stages the shipped model on one CPU thread.
   */
  static List<String> stageArgs(String module, String prefix, Path work) {
    List<String> args = new ArrayList<>(ServiceProcess.baseArgs(module, prefix, work));
    switch (module) {
      case "segmenter" -> args.addAll(List.of("--segmenter.model.card=" + MODELS.resolve(Models.SEGMENTER_CARD),
          "--segmenter.inference.threads=1", "--segmenter.device=cpu"));
      case "classifier" -> args.addAll(List.of("--classifier.model.card=" + MODELS.resolve(Models.CLASSIFIER_CARD),
          "--classifier.inference.threads=1", "--classifier.device=cpu"));
      default -> { }
    }
    return args;
  }

  /** One stage as its own JVM with {@link #stageArgs} plus {@code extra} (later flags win). */
  static ServiceProcess stage(String module, String prefix, Path work, String... extra) {
    List<String> args = new ArrayList<>(stageArgs(module, prefix, work));
    args.addAll(List.of(extra));
    return new ServiceProcess(module, work, args.toArray(String[]::new));
  }

  /** Segmenter, cropper and classifier under {@code prefix}, not started. */
  static List<ServiceProcess> stages(String prefix, Path work) {
    return List.of(stage("segmenter", prefix, work), stage("cropper", prefix, work), stage("classifier", prefix, work));
  }

  /** Starts them all, then waits until each runs (model loading overlaps). */
  static void startAll(List<ServiceProcess> services) throws Exception {
    for (ServiceProcess service : services) {
      service.start();
    }
    for (ServiceProcess service : services) {
      service.awaitRunning(Duration.ofMinutes(3));
    }
  }

  static void closeAll(List<ServiceProcess> services) throws InterruptedException {
    for (ServiceProcess service : services) {
      service.close();
    }
  }

  /** What a command-line tool printed and how it exited. */
  record ToolRun(int exitCode, String output) {}

  /**
   * Runs {@code tools ARGS} (the tools module's jar, its own JVM, from the repository root) against the test
   * stack to completion; its output (stdout and stderr) is also kept in {@code work/tools-<n>.log}.
   */
  static ToolRun tool(Path work, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx256m", "-jar", ServiceProcess.jar("tools").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + ItStack.REGISTRY_URL));
    Path log = Files.createTempFile(work, "tools-", ".log");
    Process process = new ProcessBuilder(command).directory(ServiceProcess.ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("tools " + String.join(" ", args) + " did not finish in 3 minutes:\n"
          + Files.readString(log));
    }
    return new ToolRun(process.exitValue(), Files.readString(log));
  }

  /** The producer's one-shot ingest of a folder into the topics under {@code prefix}; its exit code. */
  static int ingest(String prefix, Path images) throws Exception {
    return ProducerMain.run(new String[] {"ingest", images.toString(), "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS,
        "--registry.url=" + ItStack.REGISTRY_URL, "--topics.prefix=" + prefix, "--topics.partitions=2"}, Map.of());
  }

  /**
   * The crop the contract makes from the ground-truth labels: labels mapped to the segmenter's resolution by the
   * majority of each model pixel's source window (contract rule 9, as training does), then the same planner as
   * the cropper. Keys are C1..C7 as 1..7.
   */
  static Map<Integer, Optional<VoxelBox>> groundTruthCrops(PhantomOptions options, int study, int modelSize,
      int minPixels, double margin) {
    RenderedStudy rendered = PhantomGenerator.render(options, study);
    int n = rendered.slices();
    int rows = rendered.rows();
    int columns = rendered.columns();
    // Slice index in z order (ascending z) is the reverse of InstanceNumber order.
    List<Map<Integer, CropPlanner.Region>> byIndex = new ArrayList<>();
    for (int index = 0; index < n; index++) {
      byte[] labels = rendered.labels(n - 1 - index);
      byte[] model = LabelResampling.majority(labels, rows, columns, modelSize, modelSize);
      Map<Integer, CropPlanner.Region> regions = new TreeMap<>();
      for (LabelRegion region : MaskRegions.of(model, modelSize, modelSize, rows, columns)) {
        var box = region.getBox();
        regions.put(region.getLabel(), new CropPlanner.Region(region.getPixelCount(), box.getX0(), box.getY0(),
            box.getX1(), box.getY1()));
      }
      byIndex.add(regions);
    }
    CropPlanner planner = new CropPlanner(minPixels, margin);
    Map<Integer, Optional<VoxelBox>> crops = new TreeMap<>();
    for (int label = 1; label <= 7; label++) {
      int v = label;
      crops.put(label, planner.plan(byIndex.stream().map(m -> m.get(v)).toList(), rows, columns)
          .map(CropPlanner.Plan::box));
    }
    return crops;
  }

  /** Intersection over union of two boxes in (x, y, z). */
  static double iou(VoxelBox a, VoxelBox b) {
    long ix = Math.max(0, Math.min(a.getX1(), b.getX1()) - Math.max(a.getX0(), b.getX0()));
    long iy = Math.max(0, Math.min(a.getY1(), b.getY1()) - Math.max(a.getY0(), b.getY0()));
    long iz = Math.max(0, Math.min(a.getZ1(), b.getZ1()) - Math.max(a.getZ0(), b.getZ0()));
    long inter = ix * iy * iz;
    long union = volume(a) + volume(b) - inter;
    return union == 0 ? 0 : (double) inter / union;
  }

  private static long volume(VoxelBox box) {
    return (long) (box.getX1() - box.getX0()) * (box.getY1() - box.getY0()) * (box.getZ1() - box.getZ0());
  }
}
