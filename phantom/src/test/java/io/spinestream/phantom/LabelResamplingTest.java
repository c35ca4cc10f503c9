package io.spinestream.phantom;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelResamplingTest {
  @TempDir
  Path dir;

  @Test
  void shouldTakeTheMajorityOfOverlappingWindows() {
    byte[] labels = new byte[25];
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        labels[y * 5 + x] = 3;
      }
    }
    for (int y = 2; y < 5; y++) {
      for (int x = 3; x < 5; x++) {
        labels[y * 5 + x] = 5;
      }
    }
    labels[4] = 7;
    // 5 -> 2: output 0 covers source 0..2, output 1 covers 2..4
    assertThat(LabelResampling.majority(labels, 5, 5, 2, 2)).containsExactly(3, 0, 0, 5);
  }

  @Test
  void shouldBreakTiesToTheSmallerLabel() {
    assertThat(LabelResampling.majority(new byte[] {6, 2, 2, 6}, 2, 2, 1, 1)).containsExactly(2);
  }

  @ParameterizedTest
  @CsvSource({"256,256,160,160", "13,11,5,7", "512,512,160,160", "7,7,7,7"})
  void shouldEqualTheTrainingContract(int rows, int columns, int height, int width) throws Exception {
    byte[] labels = new byte[rows * columns];
    Random random = new Random(rows * 7919L + columns);
    for (int i = 0; i < labels.length; i++) {
      // blobs rather than noise, so that most windows have a clear majority and some have ties
      labels[i] = (byte) (((i / columns) / 3 + (i % columns) / 4 + random.nextInt(2)) % 9);
    }
    Path in = dir.resolve("labels.u8");
    Path out = dir.resolve("out.u8");
    Files.write(in, labels);
    String script = "import sys, torch\n"
        + "sys.path.insert(0, sys.argv[1])\n"
        + "from spinestream_models import contract\n"
        + "r, c, h, w = (int(v) for v in sys.argv[4:8])\n"
        + "x = torch.frombuffer(bytearray(open(sys.argv[2], 'rb').read()), dtype=torch.uint8).reshape(1, r, c)\n"
        + "open(sys.argv[3], 'wb').write(contract.resize_labels(x, h, w).numpy().tobytes())\n";
    Process process = new ProcessBuilder("/usr/bin/python3", "-c", script, Path.of("../models").toAbsolutePath()
        .toString(), in.toString(), out.toString(), String.valueOf(rows), String.valueOf(columns),
        String.valueOf(height), String.valueOf(width)).redirectErrorStream(true).start();
    String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("contract.resize_labels (Debian python3-torch): %s", log).isZero();
    byte[] expected = Files.readAllBytes(out);
    assertThat(expected).hasSize(height * width);
    assertThat(LabelResampling.majority(labels, rows, columns, height, width)).isEqualTo(expected);
  }
}
