package io.spinestream.common.inference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The tiny test models, exported once per test run by {@code src/test/python/export_tiny_models.py} with
 * Debian's {@code /usr/bin/python3} and its torch into {@code target/tiny-models}. A missing interpreter or
 * torch fails the tests that need the models, with the fix in the message.
 */
final class TinyModels {
  static final String SEG = "tiny_seg";
  static final String CLS = "tiny_cls";
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path SCRIPT = Path.of("src/test/python/export_tiny_models.py");
  /** The repository's models/ (Python package spinestream_models); tests run in the module's folder. */
  static final Path MODELS = Path.of("").toAbsolutePath().getParent().resolve("models");
  /** The engine settings every test uses: the tests share one engine per JVM, and a CPU with few cores. */
  static final EngineConfig ENGINE = EngineConfig.cpu(1);

  private static Path dir;

  private TinyModels() {}

  /** The folder with {@code <name>.pt}, {@code <name>.json}, {@code <name>.golden.json}, {@code <name>.ref-bB.f32}. */
  static synchronized Path dir() {
    if (dir == null) {
      dir = export(Path.of("target/tiny-models"));
    }
    return dir;
  }

  static Path card(String name) {
    return dir().resolve(name + ".json");
  }

  /** Exports into {@code out} (a fresh folder for tests that alter the files). */
  static Path export(Path out) {
    if (!Files.isExecutable(PYTHON)) {
      throw new AssertionError(PYTHON + " is missing: install Debian's python3 and python3-torch "
          + "(apt-get install python3-torch) to export the tiny test models");
    }
    try {
      Files.createDirectories(out);
      Path log = out.resolve("export.log");
      ProcessBuilder builder = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), "--out", out.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      // The PRNG input comes from the models package (spinestream_models.export), its one Python definition.
      builder.environment().put("PYTHONPATH", MODELS.toString());
      Process process = builder.start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("export_tiny_models.py did not finish within 120 s");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError("export_tiny_models.py failed (exit " + process.exitValue() + "; is Debian's "
            + "python3-torch installed for " + PYTHON + "?):\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + PYTHON + " " + SCRIPT + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while exporting the tiny models", e);
    }
  }

  /** PyTorch's output on the PRNG input at batch {@code batch} (raw float32 little-endian). */
  static float[] reference(String name, int batch) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(dir().resolve(name + ".ref-b" + batch + ".f32")))
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(values);
    return values;
  }

  static double maxAbsDifference(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " and " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
