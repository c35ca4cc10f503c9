package io.spinestream.phantom;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The RSNA {@code train.csv}: one row per study, 0/1 for any fracture and for each of C1..C7. Rows merge by
 * StudyInstanceUID: a study already listed keeps its place and gets its new values, new studies are appended in
 * the order given, so batches generated one after another build one stable file.
 */
public final class TrainCsv {
  public static final String HEADER = "StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7";

  private TrainCsv() {}

  /** Reads the rows of a train.csv, in file order: StudyInstanceUID to its fractured vertebrae. */
  public static Map<String, Set<Vertebra>> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).strip().equals(HEADER)) {
      throw new IOException(file + ": first line must be '" + HEADER + "', is '"
          + (lines.isEmpty() ? "" : lines.get(0)) + "'");
    }
    var rows = new LinkedHashMap<String, Set<Vertebra>>();
    for (int n = 1; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length != 9) {
        throw new IOException(file + ":" + (n + 1) + ": expected 9 columns, found " + cells.length);
      }
      var fractured = EnumSet.noneOf(Vertebra.class);
      for (Vertebra v : Vertebra.values()) {
        String cell = cells[2 + v.ordinal()].strip();
        if (cell.equals("1")) {
          fractured.add(v);
        } else if (!cell.equals("0")) {
          throw new IOException(file + ":" + (n + 1) + ": " + v + " must be 0 or 1, is '" + cell + "'");
        }
      }
      String overall = cells[1].strip();
      if (!overall.equals(fractured.isEmpty() ? "0" : "1")) {
        throw new IOException(file + ":" + (n + 1) + ": patient_overall " + overall + " contradicts " + fractured);
      }
      rows.put(cells[0].strip(), fractured);
    }
    return rows;
  }

  /** Merges rows into the file (created when missing) and rewrites it atomically. */
  public static void merge(Path file, Map<String, Set<Vertebra>> rows) throws IOException {
    var merged = Files.exists(file) ? read(file) : new LinkedHashMap<String, Set<Vertebra>>();
    merged.putAll(rows);
    var lines = new ArrayList<String>();
    lines.add(HEADER);
    for (var row : merged.entrySet()) {
      lines.add(line(row.getKey(), row.getValue()));
    }
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    // Not Files.createTempFile: its owner-only permissions would carry over to train.csv.
    Path temporary = directory.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    try {
      Files.write(temporary, lines, StandardCharsets.UTF_8);
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  static String line(String studyInstanceUid, Set<Vertebra> fractured) {
    var line = new StringBuilder(studyInstanceUid).append(',').append(fractured.isEmpty() ? 0 : 1);
    for (Vertebra v : Vertebra.values()) {
      line.append(',').append(fractured.contains(v) ? 1 : 0);
    }
    return line.toString();
  }
}
