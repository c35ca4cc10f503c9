package io.spinestream.producer.ingest;

import io.spinestream.events.SourceKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches an inbox folder (recursively) and ingests each file once it is stable: its size and
 * modification time unchanged for {@code stableFor}, so a file still being copied in is not read half
 * written. Writers that can should write under a hidden name ('.' prefix) and rename, which is never
 * read before the rename. Polling rather than inotify: it also works on network file systems.
 *
 * <p>A file stays in the inbox until what it holds is in Kafka; then it is archived (see
 * {@link ArchivingDisposition}). After a crash, whatever is still in the inbox is ingested again.
 */
public final class InboxWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(InboxWatcher.class);

  private record Observation(long size, Instant modified, Instant stableSince) {}

  private final IngestionPipeline pipeline;
  private final Path inbox;
  private final ArchivingDisposition archive;
  private final Duration stableFor;
  private final Clock clock;
  private final Map<Path, Observation> candidates = new HashMap<>();
  private final Set<Path> inProgress = ConcurrentHashMap.newKeySet();

  public InboxWatcher(IngestionPipeline pipeline, Path inbox, ArchivingDisposition archive, Duration stableFor,
      Clock clock) {
    this.pipeline = pipeline;
    this.inbox = inbox.toAbsolutePath().normalize();
    this.archive = archive;
    this.stableFor = stableFor;
    this.clock = clock;
  }

  public Path inbox() {
    return inbox;
  }

  /** The disposition for this inbox's files, releasing them from tracking when they leave. */
  public InputDisposition disposition() {
    // A file leaves tracking only once it has left the inbox: released before its move, it could be seen by
    // the next scan and ingested a second time, then dead-lettered as unreadable once the move had taken it
    // (BadInputPipelineIT, with producer.inbox.stable.ms=0).
    return new InputDisposition() {
      @Override
      public Path quarantine(Path file) {
        Path kept = archive.quarantine(file);
        inProgress.remove(file);
        return kept;
      }

      @Override
      public void ignored(Path file) {
        archive.ignored(file);
        inProgress.remove(file);
      }

      @Override
      public void duplicate(Path file) {
        archive.duplicate(file);
        inProgress.remove(file);
      }

      @Override
      public void seriesDone(List<Path> files) {
        archive.seriesDone(files);
        files.forEach(inProgress::remove);
      }
    };
  }

  public boolean owns(Path file) {
    return archive.owns(file);
  }

  /** Files of a series that failed to reach Kafka: let the next poll ingest them again. */
  public void retry(List<Path> files) {
    files.forEach(inProgress::remove);
  }

  /** One scan: submits every file that has become stable. Returns how many were submitted. */
  public int poll() {
    Instant now = clock.instant();
    Map<Path, BasicFileAttributes> present = new HashMap<>();
    try {
      Files.createDirectories(inbox);
      Files.walkFileTree(inbox, new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return !dir.equals(inbox) && dir.getFileName().toString().startsWith(".")
              ? java.nio.file.FileVisitResult.SKIP_SUBTREE : java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && !file.getFileName().toString().startsWith(".")) {
            present.put(file.toAbsolutePath().normalize(), attrs);
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
          // Vanished between listing and reading (moved by us or the writer): not an error.
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot scan inbox " + inbox, e);
    }
    candidates.keySet().retainAll(present.keySet());
    int submitted = 0;
    for (Map.Entry<Path, BasicFileAttributes> entry : present.entrySet()) {
      Path file = entry.getKey();
      if (inProgress.contains(file)) {
        continue;
      }
      long size = entry.getValue().size();
      Instant modified = entry.getValue().lastModifiedTime().toInstant();
      Observation previous = candidates.get(file);
      if (previous == null || previous.size() != size || !previous.modified().equals(modified)) {
        candidates.put(file, new Observation(size, modified, now));
        if (!stableFor.isZero()) {
          continue;
        }
      }
      Observation observed = candidates.get(file);
      if (observed.stableSince().plus(stableFor).isAfter(now)) {
        continue;
      }
      candidates.remove(file);
      inProgress.add(file);
      submitted++;
      pipeline.submit(file, SourceKind.INBOX, file.toString(), disposition()).whenComplete((outcome, error) -> {
        if (outcome == FileOutcome.FAILED) {
          LOG.warn("{} could not be ingested now; it stays in the inbox and is tried again", file);
        }
      });
    }
    return submitted;
  }
}
