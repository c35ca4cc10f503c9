package io.spinestream.producer.ingest;

import io.spinestream.events.SourceKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-shot ingestion of files and folders (recursively, in path order). The end of input completes
 * every series. Hidden files and folders (names starting with '.') are not read. The user's files are
 * left where they are.
 */
public final class FileIngestion {
  private static final Logger LOG = LoggerFactory.getLogger(FileIngestion.class);

  private final IngestionPipeline pipeline;

  public FileIngestion(IngestionPipeline pipeline) {
    this.pipeline = pipeline;
  }

  public IngestSummary ingest(List<Path> roots) {
    List<CompletableFuture<FileOutcome>> outcomes = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.exists(root)) {
        throw new IllegalArgumentException("no such file or folder: " + root);
      }
      for (Path file : listFiles(root)) {
        outcomes.add(pipeline.submit(file, SourceKind.FILE, file.toAbsolutePath().toString(),
            InputDisposition.LEAVE_IN_PLACE));
      }
    }
    Map<FileOutcome, Integer> counts = new EnumMap<>(FileOutcome.class);
    outcomes.forEach(o -> counts.merge(o.join(), 1, Integer::sum));
    int manifests = pipeline.sendManifests(pipeline.assembler().completeAll(), InputDisposition.LEAVE_IN_PLACE);
    int incomplete = pipeline.assembler().openSeries();
    for (String failed : pipeline.assembler().failedSeries()) {
      LOG.error("series {} is incomplete in Kafka (a slice was not delivered): ingest its files again", failed);
    }
    IngestSummary summary = IngestSummary.of(counts, manifests, incomplete);
    LOG.info("ingested {}", summary);
    return summary;
  }

  /** Regular files under root (or root itself), sorted, without hidden ones. */
  static List<Path> listFiles(Path root) {
    if (Files.isRegularFile(root)) {
      return List.of(root);
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .filter(path -> !isHidden(root, path))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
  }

  private static boolean isHidden(Path root, Path path) {
    for (Path part : root.relativize(path)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
