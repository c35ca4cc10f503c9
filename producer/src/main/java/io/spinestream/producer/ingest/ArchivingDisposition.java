package io.spinestream.producer.ingest;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves processed input out of a folder that is watched or spooled into: done files to {@code done/}
 * (or deleted), bad files to {@code failed/}, ignored ones to {@code ignored/} (or deleted), keeping their
 * path relative to the input folder. Bad files are always kept: their dead letters reference them.
 */
public final class ArchivingDisposition implements InputDisposition {
  private static final Logger LOG = LoggerFactory.getLogger(ArchivingDisposition.class);

  private final Path inputDir;
  private final Path archiveDir;
  private final boolean deleteDone;

  public ArchivingDisposition(Path inputDir, Path archiveDir, boolean deleteDone) {
    this.inputDir = inputDir.toAbsolutePath().normalize();
    this.archiveDir = archiveDir.toAbsolutePath().normalize();
    this.deleteDone = deleteDone;
  }

  /** True if the file is under the folder this disposition archives from. */
  public boolean owns(Path file) {
    return file.toAbsolutePath().normalize().startsWith(inputDir);
  }

  @Override
  public Path quarantine(Path file) {
    return move(file, "failed");
  }

  @Override
  public void ignored(Path file) {
    doneWith(file, "ignored");
  }

  @Override
  public void duplicate(Path file) {
    doneWith(file, "done");
  }

  @Override
  public void seriesDone(List<Path> files) {
    files.forEach(file -> doneWith(file, "done"));
  }

  private void doneWith(Path file, String folder) {
    if (!deleteDone) {
      move(file, folder);
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", file, e.toString());
    }
  }

  private Path move(Path file, String folder) {
    Path absolute = file.toAbsolutePath().normalize();
    Path relative = absolute.startsWith(inputDir) ? inputDir.relativize(absolute) : absolute.getFileName();
    Path target = archiveDir.resolve(folder).resolve(relative);
    try {
      Files.createDirectories(target.getParent());
      try {
        Files.move(absolute, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        // Archive on another file system: a plain move copies, then deletes.
        Files.move(absolute, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return target;
    } catch (IOException e) {
      LOG.warn("cannot move {} to {}: {}", file, target, e.toString());
      return absolute;
    }
  }
}
