package io.spinestream.common.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreprocessTest {
  @TempDir
  Path dir;

  @Test
  void shouldWindowHounsfieldUnitsToZeroOne() {
    short[] hu = {-2000, -500, 400, 1300, 3000, 0};
    float[] v = Preprocess.window(hu, 3, 0, 0, 3, 2, -500, 1300);
    assertThat(v).containsExactly(0f, 0f, 0.5f, 1f, 1f, 500f / 1800f);
    float[] corner = Preprocess.window(hu, 3, 1, 1, 3, 2, -500, 1300);
    assertThat(corner).containsExactly(1f, 500f / 1800f);
  }

  @Test
  void shouldCutTheSameBoxFromAnArrayAndFromALittleEndianBuffer() {
    int rows = 37;
    int columns = 53;
    short[] hu = new short[rows * columns];
    Random random = new Random(11);
    ByteBuffer bytes = ByteBuffer.allocate(hu.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < hu.length; i++) {
      hu[i] = (short) (random.nextInt(4000) - 1500);
      bytes.putShort(hu[i]);
    }
    bytes.flip();
    float[] fromArray = Preprocess.windowAndResize(hu, columns, 5, 7, 41, 30, -500, 1300, 24, 24);
    float[] fromBuffer = Preprocess.windowAndResize(bytes.asShortBuffer(), columns, 5, 7, 41, 30, -500, 1300, 24,
        24);
    assertThat(fromBuffer).containsExactly(fromArray);
    assertThat(fromArray).as("not all clipped to one value").contains(0f, 1f).hasSizeGreaterThan(2);
  }

  @ParameterizedTest
  @CsvSource({"512,512,160,160", "256,256,320,320", "37,53,112,112", "300,180,24,40", "7,7,7,7", "512,512,1,1"})
  void shouldResizeExactlyLikeTorchBilinearWithoutAlignCorners(int h, int w, int oh, int ow) throws Exception {
    float[] image = new float[h * w];
    Random random = new Random(h * 31L + w);
    for (int i = 0; i < image.length; i++) {
      image[i] = random.nextFloat();
    }
    float[] torch = torchResize(image, h, w, oh, ow);
    float[] java = Preprocess.resizeBilinear(image, h, w, oh, ow);
    float worst = 0;
    for (int i = 0; i < java.length; i++) {
      worst = Math.max(worst, Math.abs(java[i] - torch[i]));
    }
    assertThat(worst).as("max |java - torch| for %dx%d -> %dx%d", h, w, oh, ow).isLessThan(1e-6f);
  }

  private float[] torchResize(float[] image, int h, int w, int oh, int ow) throws IOException, InterruptedException {
    Path in = dir.resolve("in.f32");
    Path out = dir.resolve("out.f32");
    ByteBuffer buffer = ByteBuffer.allocate(image.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(image);
    Files.write(in, buffer.array());
    Process process = new ProcessBuilder("/usr/bin/python3", "src/test/python/torch_resize.py", in.toString(),
        String.valueOf(h), String.valueOf(w), out.toString(), String.valueOf(oh), String.valueOf(ow))
        .redirectErrorStream(true).start();
    String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("torch reference (Debian python3-torch at /usr/bin/python3): %s", log).isZero();
    float[] result = new float[oh * ow];
    ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(result);
    return result;
  }
}
