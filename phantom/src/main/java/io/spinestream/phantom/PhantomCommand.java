package io.spinestream.phantom;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Command line: generates phantom studies into a folder in the RSNA layout. Exit status 0 on success, 2 on bad
 * usage (with the usage printed), 1 when writing fails.
 */
public final class PhantomCommand {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final String USAGE_TEXT = """
      Usage: spine-phantom --out DIR --studies N --seed S [options]

      Writes synthetic cervical-spine CT studies in the RSNA 2022 layout:
        DIR/train_images/<StudyInstanceUID>/<InstanceNumber>.dcm
        DIR/segmentations/<StudyInstanceUID>.nii   (0 background, 1-7 C1-C7, 8 thoracic)
        DIR/train.csv                              (merged by StudyInstanceUID)

      Required:
        --out DIR                    output folder (created when missing)
        --studies N                  number of studies, >= 1
        --seed S                     seed (integer); same options, same bytes

      Options:
        --first-study K              index of the first study (default 0), to generate in batches
        --matrix N                   rows and columns, 32..2048 (default 512; 256 or 128 for fast tests)
        --fov MM                     field of view, 100..500 mm (default 180); pixel spacing = fov / matrix
        --slice-spacing MM           distance between slices, 0.25..10 mm (default 1.25)
        --slice-thickness MM         SliceThickness written (default: the slice spacing)
        --slices N                   slices per study (default: cover C1 to below T2 with margin)
        --fracture-probability P     per cervical vertebra, 0..1 (default %.4f: about half the studies positive)
        --noise HU                   gaussian noise sigma, 0..500 HU (default 20)
        --fracture STUDY:C2,C5       exactly these fractures in that study (STUDY:none for none); repeatable
        --help                       this text
      """.formatted(PhantomOptions.DEFAULT_FRACTURE_PROBABILITY);

  private PhantomCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns its exit status instead of exiting. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    PhantomOptions options;
    Path outDir;
    try {
      var parsed = parse(args);
      if (parsed == null) {
        out.print(USAGE_TEXT);
        return OK;
      }
      options = parsed.options();
      outDir = parsed.outDir();
    } catch (IllegalArgumentException e) {
      err.println("spine-phantom: " + e.getMessage());
      err.println();
      err.print(USAGE_TEXT);
      return USAGE;
    }
    long start = System.nanoTime();
    try {
      var studies = PhantomGenerator.generate(options, outDir);
      long slices = 0;
      int positive = 0;
      for (PhantomStudy study : studies) {
        out.printf(Locale.ROOT, "study %d %s %d slices %dx%d %s fractured: %s%n", study.studyIndex(),
            study.studyInstanceUid(), study.slices(), study.columns(), study.rows(), study.encoding(),
            names(study.fractured()));
        slices += study.slices();
        positive += study.positive() ? 1 : 0;
      }
      out.printf(Locale.ROOT, "%d studies (%d with fractures), %d slices in %.1f s -> %s%n", studies.size(), positive,
          slices, (System.nanoTime() - start) / 1e9, outDir.toAbsolutePath());
      return OK;
    } catch (IOException e) {
      err.println("spine-phantom: cannot write to " + outDir + ": " + e);
      return FAILED;
    }
  }

  record Parsed(PhantomOptions options, Path outDir) {}

  /** Parses the arguments; null when help was asked for. */
  static Parsed parse(String[] args) {
    PhantomOptions options = PhantomOptions.defaults();
    Path outDir = null;
    Integer studies = null;
    Long seed = null;
    var overrides = new TreeMap<Integer, Set<Vertebra>>();
    for (int a = 0; a < args.length; a++) {
      String flag = args[a];
      String value = null;
      int equals = flag.indexOf('=');
      if (flag.startsWith("--") && equals > 0) {
        value = flag.substring(equals + 1);
        flag = flag.substring(0, equals);
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        return null;
      }
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + flag + "'");
      }
      if (value == null) {
        if (a + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = args[++a];
      }
      try {
        options = apply(options, flag, value, overrides);
        switch (flag) {
          case "--out" -> outDir = Path.of(value);
          case "--studies" -> studies = integer(value);
          case "--seed" -> seed = longInteger(value);
          default -> { }
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
      }
    }
    if (outDir == null) {
      throw new IllegalArgumentException("--out DIR is required");
    }
    if (studies == null) {
      throw new IllegalArgumentException("--studies N is required");
    }
    if (seed == null) {
      throw new IllegalArgumentException("--seed S is required");
    }
    try {
      options = options.withStudies(studies).withSeed(seed).withFractureOverrides(overrides);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--studies: " + e.getMessage(), e);
    }
    for (int study : overrides.keySet()) {
      if (study < options.firstStudyIndex() || study > options.lastStudyIndex()) {
        throw new IllegalArgumentException("--fracture names study " + study + ", outside the studies generated ("
            + options.firstStudyIndex() + ".." + options.lastStudyIndex() + ")");
      }
    }
    return new Parsed(options, outDir);
  }

  private static PhantomOptions apply(PhantomOptions options, String flag, String value,
      TreeMap<Integer, Set<Vertebra>> overrides) {
    return switch (flag) {
      case "--out", "--studies", "--seed" -> options;
      case "--first-study" -> options.withFirstStudyIndex(integer(value));
      case "--matrix" -> options.withMatrix(integer(value));
      case "--fov" -> options.withFieldOfViewMm(number(value));
      case "--slice-spacing" -> options.withSliceSpacingMm(number(value));
      case "--slice-thickness" -> options.withSliceThicknessMm(number(value));
      case "--slices" -> options.withSlices(integer(value));
      case "--fracture-probability" -> options.withFractureProbability(number(value));
      case "--noise" -> options.withNoiseSigmaHu(number(value));
      case "--fracture" -> {
        fracture(value, overrides);
        yield options;
      }
      default -> throw new IllegalArgumentException("unknown option");
    };
  }

  private static void fracture(String value, TreeMap<Integer, Set<Vertebra>> overrides) {
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expects STUDY:C2,C5 or STUDY:none, got '" + value + "'");
    }
    int study = integer(value.substring(0, colon));
    if (study < 0) {
      throw new IllegalArgumentException("study index must be >= 0, got " + study);
    }
    var vertebrae = EnumSet.noneOf(Vertebra.class);
    String list = value.substring(colon + 1).trim();
    if (!list.equalsIgnoreCase("none")) {
      for (String name : list.split(",")) {
        vertebrae.add(Vertebra.parse(name));
      }
    }
    if (overrides.put(study, vertebrae) != null) {
      throw new IllegalArgumentException("given twice for study " + study);
    }
  }

  private static int integer(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expects an integer, got '" + value + "'");
    }
  }

  private static long longInteger(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expects an integer, got '" + value + "'");
    }
  }

  private static double number(String value) {
    try {
      double number = Double.parseDouble(value.trim());
      if (!Double.isFinite(number)) {
        throw new NumberFormatException();
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expects a number, got '" + value + "'");
    }
  }

  static String names(Set<Vertebra> vertebrae) {
    return vertebrae.isEmpty() ? "none" : vertebrae.stream().map(Enum::name).collect(Collectors.joining(","));
  }
}
