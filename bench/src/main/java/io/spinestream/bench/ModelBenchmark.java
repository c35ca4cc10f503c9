package io.spinestream.bench;

import io.spinestream.common.inference.DeviceChoice;
import io.spinestream.common.inference.EngineConfig;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.common.inference.ModelPredictor;
import io.spinestream.common.inference.PrngInput;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.inference.TorchModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DJL against PyTorch on the same TorchScript file, threads and input: mean milliseconds per forward after
 * warm-up, and their ratio (the target is DJL/PyTorch &le; 1.0). The input is the card's input shape at the
 * given batch, filled by {@link PrngInput}. PyTorch runs {@code models/bench_torch.py} when it exists (the
 * models' own script), otherwise this module's {@code bench_torch.py}, with Debian's {@code /usr/bin/python3}.
 * Per item divides by the batch: per slice for the segmenter, per vertebra for the classifier. Both sides run
 * with the same {@code OMP_WAIT_POLICY} (PASSIVE unless the environment sets it, as {@code TorchRuntime} does).
 *
 * <p>Each side runs {@code --repeat} rounds of {@code --iterations} forwards, alternating DJL and PyTorch so
 * that both see the same background load; the reported numbers are the medians of the rounds (the machines
 * here are shared and single rounds vary several-fold).
 *
 * <pre>
 *   bench models --model PATH.pt --card PATH.json [--threads 2] [--batch 1] [--iterations 50] [--warmup 5]
 *                [--repeat 3] [--results bench/results/models.md] [--python /usr/bin/python3]
 * </pre>
 */
final class ModelBenchmark {
  private static final Path MODELS = Path.of("models");
  private static final Path MODELS_SCRIPT = MODELS.resolve("bench_torch.py");
  private static final Pattern MEAN = Pattern.compile("mean[a-z_ ]*[=:]\\s*([0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)");
  private static final Pattern NUMBER = Pattern.compile("[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?");

  private ModelBenchmark() {}

  record Options(Path model, Path card, int threads, int batch, int iterations, int warmup, int repeat,
      Path results, Path python, List<String> command) {
    static Options parse(List<String> args) {
      Path model = null;
      Path card = null;
      int threads = 2;
      int batch = 1;
      int iterations = 50;
      int warmup = 5;
      int repeat = 3;
      Path results = Path.of("bench/results/models.md");
      Path python = Path.of("/usr/bin/python3");
      for (int i = 0; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("option " + args.get(i) + " needs a value");
        }
        String value = args.get(i + 1);
        switch (args.get(i)) {
          case "--model" -> model = Path.of(value);
          case "--card" -> card = Path.of(value);
          case "--threads" -> threads = Integer.parseInt(value);
          case "--batch" -> batch = Integer.parseInt(value);
          case "--iterations" -> iterations = Integer.parseInt(value);
          case "--warmup" -> warmup = Integer.parseInt(value);
          case "--repeat" -> repeat = Integer.parseInt(value);
          case "--results" -> results = Path.of(value);
          case "--python" -> python = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + args.get(i));
        }
      }
      if (model == null) {
        throw new IllegalArgumentException("--model PATH.pt is required");
      }
      if (card == null) {
        String name = model.getFileName().toString();
        card = model.resolveSibling(name.replaceFirst("\\.pt$", "") + ".json");
      }
      if (threads < 1 || batch < 1 || iterations < 1 || repeat < 1 || warmup < 0) {
        throw new IllegalArgumentException("--threads, --batch, --iterations and --repeat must be at least 1");
      }
      List<String> command = new ArrayList<>(List.of("bench", "models"));
      command.addAll(args);
      return new Options(model, card, threads, batch, iterations, warmup, repeat, results, python, command);
    }
  }

  record Result(ModelCard card, long[] inputShape, double djlMs, double torchMs, String torchScript) {
    double ratio() {
      return djlMs / torchMs;
    }

    String item() {
      return switch (card.task()) {
        case ModelCard.TASK_SEGMENTATION -> "slice";
        case ModelCard.TASK_VERTEBRA_FRACTURE -> "vertebra";
        default -> "item";
      };
    }
  }

  static void run(List<String> args) throws Exception {
    Options options = Options.parse(args);
    String loadBefore = ServiceBench.loadAverage();
    ModelCard card = ModelCard.read(options.card());
    Path fromCard = card.modelFile(options.card());
    if (!Files.isSameFile(fromCard, options.model())) {
      throw new IllegalArgumentException("--model " + options.model() + " is not the card's file " + fromCard);
    }
    long[] shape = card.inputShape(options.batch());
    Path script = torchScript();
    EngineConfig engine = new EngineConfig(DeviceChoice.CPU, options.threads(), 1, null);
    Tensor input = PrngInput.tensor(PrngInput.DEFAULT_SEED, shape);
    double[] djl = new double[options.repeat()];
    double[] torch = new double[options.repeat()];
    try (TorchModel model = TorchModel.load(options.card(), card.task(), engine);
        ModelPredictor predictor = model.newPredictor()) {
      for (int i = 0; i < options.warmup(); i++) {
        predictor.predict(input);
      }
      for (int round = 0; round < options.repeat(); round++) {
        djl[round] = djlMeanMs(options, predictor, input);
        torch[round] = torchMeanMs(options, script);
        System.err.printf("round %d: DJL %.3f ms, PyTorch %.3f ms per forward%n", round + 1, djl[round],
            torch[round]);
      }
    }
    report(options, new Result(card, shape, median(djl), median(torch), script.toString()), loadBefore);
  }

  private static double djlMeanMs(Options options, ModelPredictor predictor, Tensor input) {
    long start = System.nanoTime();
    for (int i = 0; i < options.iterations(); i++) {
      predictor.predict(input);
    }
    return (System.nanoTime() - start) / 1e6 / options.iterations();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The models' own script if the repository has it, else ours, copied out of the jar. */
  private static Path torchScript() throws IOException {
    if (Files.isRegularFile(MODELS_SCRIPT)) {
      return MODELS_SCRIPT;
    }
    Path copy = Files.createTempFile("bench_torch", ".py");
    copy.toFile().deleteOnExit();
    try (InputStream in = ModelBenchmark.class.getResourceAsStream("/bench_torch.py")) {
      if (in == null) {
        throw new IllegalStateException("bench_torch.py is missing from the bench jar");
      }
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
    }
    return copy;
  }

  private static double torchMeanMs(Options options, Path script) throws Exception {
    if (!Files.isExecutable(options.python())) {
      throw new IllegalStateException(options.python() + " is missing: install Debian's python3-torch");
    }
    List<String> command = List.of(options.python().toString(), script.toString(), "--model",
        options.model().toString(), "--threads", Integer.toString(options.threads()), "--batch",
        Integer.toString(options.batch()), "--iterations", Integer.toString(options.iterations()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // bench_torch.py takes the PRNG input from the models package, its one Python definition.
    builder.environment().put("PYTHONPATH", MODELS.toAbsolutePath().toString());
    // The same OpenMP wait policy as DJL's side (TorchRuntime makes it PASSIVE unless the environment says).
    builder.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
    }
    return parseMeanMs(output);
  }

  /** {@code mean...=<ms>} or {@code mean...: <ms>} if printed, else the last number of the last line. */
  static double parseMeanMs(String output) {
    Matcher mean = MEAN.matcher(output);
    String found = null;
    while (mean.find()) {
      found = mean.group(1);
    }
    if (found == null) {
      String[] lines = output.strip().split("\n");
      Matcher number = NUMBER.matcher(lines[lines.length - 1]);
      while (number.find()) {
        found = number.group();
      }
    }
    if (found == null) {
      throw new IllegalStateException("no mean milliseconds in the PyTorch benchmark's output:\n" + output);
    }
    return Double.parseDouble(found);
  }

  private static void report(Options options, Result result, String loadBefore) throws IOException {
    int batch = options.batch();
    String row = String.format("| %s %s | %s | %d | %d | %d | %.3f | %.3f | **%.2f** | %.3f / %.3f | `%s` |%n",
        result.card().name(), result.card().version(), Arrays.toString(result.inputShape()), batch,
        options.threads(), options.iterations(), result.djlMs(), result.torchMs(), result.ratio(),
        result.djlMs() / batch, result.torchMs() / batch, String.join(" ", options.command()));
    String header = String.format("%n### %s — %d cores, Java %s, PyTorch baseline %s, median of %d rounds, load average"
            + " before %s, after %s%n%n"
            + "| model | input | batch | threads | iterations | DJL ms/forward | PyTorch ms/forward | DJL/PyTorch "
            + "| ms per %s DJL / PyTorch | command |%n|---|---|---|---|---|---|---|---|---|---|%n",
        Instant.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        result.torchScript().equals(MODELS_SCRIPT.toString()) ? MODELS_SCRIPT : "bench_torch.py (bench module)",
        options.repeat(), loadBefore, ServiceBench.loadAverage(), result.item());
    System.out.print(header + row);
    Files.createDirectories(options.results().toAbsolutePath().getParent());
    if (!Files.exists(options.results())) {
      Files.writeString(options.results(), "# Model inference benchmark: DJL vs PyTorch\n\nReproduce: the command in"
          + " each row, from the repository root (`./spine bench models ...`). Mean milliseconds per forward after"
          + " warm-up (median of alternating rounds), same TorchScript file, intra-op threads and PRNG input on both"
          + " sides; DJL runs in the benchmark's JVM"
          + " (libtorch 2.7.1), PyTorch is Debian's torch 1.13 in /usr/bin/python3. The target is DJL/PyTorch"
          + " <= 1.0. Per item divides by the batch (slice for the segmenter, vertebra for the classifier).\n");
    }
    Files.writeString(options.results(), header + row, StandardOpenOption.APPEND);
  }
}
