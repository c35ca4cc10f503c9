package io.spinestream.phantom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files must be readable by real third-party DICOM readers, not only by PixelMed which wrote them: pydicom
 * (Debian's python3-pydicom, for /usr/bin/python3) and dcmtk's dcmdump. A missing tool fails the test.
 */
class ThirdPartyReadersTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  @TempDir
  Path tmp;

  @Test
  void shouldReadBackWithPydicomAsTheRenderedHounsfieldUnits() throws Exception {
    assertThat(Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import pydicom, numpy")).exitCode == 0)
        .as("/usr/bin/python3 with pydicom and numpy (Debian python3-pydicom, python3-numpy; ./spine setup installs them)")
        .isTrue();
    Path script = tmp.resolve("check_with_pydicom.py");
    try (InputStream in = getClass().getResourceAsStream("check_with_pydicom.py")) {
      Files.copy(in, script);
    }
    var options = PhantomFilesTest.SMALL;
    List<PhantomStudy> studies = PhantomGenerator.generate(options, tmp.resolve("out"));
    for (PhantomStudy study : studies) {
      RenderedStudy rendered = PhantomGenerator.render(options, study.studyIndex());
      Path raw = tmp.resolve("hu-" + study.studyIndex() + ".raw");
      ByteBuffer buffer = ByteBuffer.allocate(rendered.slices() * rendered.rows() * rendered.columns() * 2)
          .order(ByteOrder.LITTLE_ENDIAN);
      for (int k = 0; k < rendered.slices(); k++) {
        buffer.asShortBuffer().put(k * rendered.rows() * rendered.columns(), rendered.hounsfield(k));
      }
      Files.write(raw, buffer.array());

      Result result = run(List.of(PYTHON.toString(), script.toString(), study.seriesDirectory().toString(),
          raw.toString(), study.segmentation().toString()));

      assertThat(result.exitCode).as(result.output).isZero();
      PixelEncoding e = study.encoding();
      assertThat(result.lines()).as("study %d, %s", study.studyIndex(), e).contains(
          "files 28",
          "transfer_syntax 1.2.840.10008.1.2.1",
          "sop_class 1.2.840.10008.5.1.4.1.1.2",
          "encoding " + e.bitsStored() + " " + e.pixelRepresentation() + " " + (double) e.rescaleIntercept(),
          "patient_name PHANTOM^STUDY" + study.studyIndex(),
          "patient_id PH-5-" + study.studyIndex(),
          "instance_order True",
          "z_decreasing True",
          "hu_mismatches 0",
          "affine_error_mm 0.000000");
    }
  }

  @Test
  void shouldDumpWithDcmtkWithoutComplaint() throws Exception {
    assertThat(run(List.of("dcmdump", "--version")).exitCode == 0)
        .as("dcmtk's dcmdump (Debian dcmtk; ./spine setup installs it)").isTrue();
    PhantomStudy study = PhantomGenerator.generate(PhantomFilesTest.SMALL.withStudies(1).withSlices(2), tmp).get(0);

    Result result = run(List.of("dcmdump", "-E", study.dicomFiles().get(0).toString()));

    assertThat(result.exitCode).as(result.output).isZero();
    assertThat(result.output)
        .contains("Little Endian Explicit")
        .contains("(0008,0016) UI =CTImageStorage")
        .contains("(0010,0010) PN [PHANTOM^STUDY0]")
        .contains("(0020,0037) DS [1\\0\\0\\0\\1\\0]")
        .contains("(0028,0030) DS [1.875\\1.875]")
        .doesNotContain("E: ")
        .doesNotContain("W: ");
  }

  private record Result(int exitCode, String output) {
    List<String> lines() {
      return output.lines().toList();
    }
  }

  private static Result run(List<String> command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    }
  }
}
