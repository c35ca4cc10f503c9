package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Third-party DICOM tools the tests use as independent encoders and decoders: dcmtk (dcmconv, dcmcrle, dcmcjpeg,
 * dcmcjpls, dcmdjpeg, dcmodify), GDCM (gdcmconv) and Debian's python3-pydicom. CI installs them; a missing tool
 * fails the test with the package to install, it never skips it.
 */
final class ExternalTools {
  static final Path PYDICOM_TEST_FILES = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files");
  static final String PYTHON_WITH_PYDICOM = "/usr/bin/python3";

  private ExternalTools() {}

  /** Runs a tool and returns its output; fails the test if the tool is missing or exits non-zero. */
  static String run(String tool, String... args) {
    List<String> command = new ArrayList<>();
    command.add(locate(tool).toString());
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("timed out: %s", command);
      }
      String text = new String(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        fail("%s exited with %d: %s", command, process.exitValue(), text);
      }
      return text;
    } catch (IOException e) {
      return fail("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted: " + command, e);
    }
  }

  /** Runs a tool that writes {@code output}, and checks that it did. */
  static Path convert(Path output, String tool, String... args) {
    run(tool, args);
    if (!Files.isRegularFile(output)) {
      fail("%s did not write %s", tool, output);
    }
    return output;
  }

  /** A file from pydicom's test data (Debian python3-pydicom). */
  static Path pydicomFile(String name) {
    Path file = PYDICOM_TEST_FILES.resolve(name);
    if (!Files.isRegularFile(file)) {
      fail("pydicom test file %s is missing: install Debian's python3-pydicom", file);
    }
    return file;
  }

  private static Path locate(String tool) {
    if (tool.startsWith("/")) {
      if (Files.isExecutable(Path.of(tool))) {
        return Path.of(tool);
      }
    } else {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path candidate = Path.of(dir, tool);
        if (!dir.isEmpty() && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return fail("%s is required by this test and was not found: install %s", tool, packageOf(tool));
  }

  private static String packageOf(String tool) {
    if (tool.startsWith("dcm")) {
      return "Debian's dcmtk";
    }
    if (tool.startsWith("gdcm")) {
      return "Debian's libgdcm-tools";
    }
    return "python3-pydicom and python3-numpy for " + PYTHON_WITH_PYDICOM;
  }
}
