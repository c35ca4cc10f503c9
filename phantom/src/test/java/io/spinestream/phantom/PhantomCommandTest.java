package io.spinestream.phantom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PhantomCommandTest {
  @TempDir
  Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return PhantomCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void shouldGenerateStudiesAndPrintOneLinePerStudyAndASummary() throws IOException {
    int status = run("--out", tmp.toString(), "--studies", "2", "--seed", "9", "--matrix", "64", "--slices", "6",
        "--first-study", "3", "--fracture", "4:C2,c5", "--fracture=3:none", "--noise", "0");

    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    var lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("study 3 2.25.").contains(" 6 slices 64x64 ").endsWith("fractured: none");
    assertThat(lines.get(1)).startsWith("study 4 2.25.").endsWith("fractured: C2,C5");
    assertThat(lines.get(2)).startsWith("2 studies (1 with fractures), 12 slices in ");
    Map<String, Set<Vertebra>> rows = TrainCsv.read(tmp.resolve("train.csv"));
    assertThat(rows.values()).containsExactly(Set.of(), Set.of(Vertebra.C2, Vertebra.C5));
    assertThat(rows.keySet()).containsExactly(PhantomGenerator.render(
        PhantomOptions.defaults().withSeed(9).withMatrix(64).withSlices(6), 3).studyInstanceUid(),
        lines.get(1).split(" ")[2]);
    try (var series = Files.list(tmp.resolve("train_images"))) {
      assertThat(series.count()).isEqualTo(2);
    }
  }

  @Test
  void shouldPrintUsageOnHelp() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: spine-phantom --out DIR --studies N --seed S")
        .contains("--fracture STUDY:C2,C5");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', value = {
      "''                                                            | --out DIR is required",
      "--out x --seed 1                                              | --studies N is required",
      "--out x --studies 2                                           | --seed S is required",
      "--out x --studies 0 --seed 1                                  | studies must be at least 1",
      "--out x --studies two --seed 1                                | --studies: expects an integer, got 'two'",
      "--out x --studies 1 --seed 1 --matrix 7                       | --matrix: matrix must be within 32..2048, is 7",
      "--out x --studies 1 --seed 1 --fov abc                        | --fov: expects a number, got 'abc'",
      "--out x --studies 1 --seed 1 --slice-spacing 0                | --slice-spacing: sliceSpacingMm must be within",
      "--out x --studies 1 --seed 1 --fracture-probability 1.5       | --fracture-probability: fractureProbability must be within 0..1",
      "--out x --studies 1 --seed 1 --noise -1                       | --noise: noiseSigmaHu must be within",
      "--out x --studies 1 --seed 1 --slices -3                      | --slices: slices must be 0",
      "--out x --studies 1 --seed 1 --bogus 1                        | --bogus: unknown option",
      "--out x --studies 1 --seed 1 stray                            | unexpected argument 'stray'",
      "--out x --studies 1 --seed 1 --matrix                         | --matrix needs a value",
      "--out x --studies 1 --seed 1 --fracture 0:C8                  | --fracture: not a cervical vertebra (C1..C7): 'C8'",
      "--out x --studies 1 --seed 1 --fracture C2                    | --fracture: expects STUDY:C2,C5 or STUDY:none",
      "--out x --studies 2 --seed 1 --fracture 5:C2                  | --fracture names study 5, outside the studies generated (0..1)",
      "--out x --studies 2 --seed 1 --fracture 0:C2 --fracture 0:C3  | --fracture: given twice for study 0",
  })
  void shouldRejectBadUsageWithExitCodeTwoAndTheUsage(String arguments, String message) {
    String[] args = arguments.isBlank() ? new String[0] : arguments.trim().split("\\s+");

    int status = run(args);

    assertThat(status).isEqualTo(2);
    String error = err.toString(StandardCharsets.UTF_8);
    assertThat(error).startsWith("spine-phantom: ").contains(message).contains("Usage: spine-phantom");
    assertThat(out.size()).isZero();
  }

  @Test
  void shouldFailWithExitCodeOneWhenTheOutputCannotBeWritten() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-directory"), "x");

    int status = run("--out", file.toString(), "--studies", "1", "--seed", "1", "--matrix", "32", "--slices", "1");

    assertThat(status).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("spine-phantom: cannot write to " + file);
  }
}
