package io.spinestream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.inference.PrngInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bench_torch.py, the PyTorch side of {@code bench models}, feeds the model the same input as the Java side:
 * its PRNG (imported from the models package) gives {@link PrngInput}'s values, bit for bit.
 */
class BenchTorchScriptTest {
  @Test
  void shouldFeedPyTorchThePrngInputJavaFeedsDjl() throws Exception {
    Path repository = Path.of("").toAbsolutePath().getParent();
    String program = "import sys; sys.path.insert(0, 'src/main/resources'); import bench_torch; "
        + "print(' '.join(repr(v) for v in bench_torch.prng_values(20221010, 5000)))";
    ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "-c", program).redirectErrorStream(true);
    builder.environment().put("PYTHONPATH", repository.resolve("models").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("bench_torch.py with Debian's python3-torch: %s", output).isZero();

    String[] printed = output.substring(output.lastIndexOf('\n') + 1).split(" ");
    float[] java = PrngInput.values(20221010, 5000);
    assertThat(printed).hasSize(java.length);
    for (int i = 0; i < java.length; i++) {
      assertThat(Float.parseFloat(printed[i])).as("value %d", i).isEqualTo(java[i]);
    }
  }
}
