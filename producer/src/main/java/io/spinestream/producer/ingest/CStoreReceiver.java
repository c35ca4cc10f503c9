package io.spinestream.producer.ingest;

import com.pixelmed.dicom.StoredFilePathStrategy;
import com.pixelmed.network.AnyExplicitStorePresentationContextSelectionPolicy;
import com.pixelmed.network.ReceivedObjectHandler;
import com.pixelmed.network.StorageSOPClassSCPDispatcher;
import io.spinestream.events.SourceKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DICOM C-STORE receiver (Storage SCP) through PixelMed: accepts any storage SOP class in the transfer
 * syntax the sender proposes, compressed ones included, writes each object to a spool folder, and hands
 * the file to the pipeline. A spooled file is deleted once its series' manifest is in Kafka; after a
 * crash, files left in the spool are ingested again at start ({@link #respool()}), so an object
 * acknowledged to the sender is never lost.
 */
public final class CStoreReceiver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CStoreReceiver.class);

  private final IngestionPipeline pipeline;
  private final int port;
  private final String aeTitle;
  private final Path spool;
  private final ArchivingDisposition disposition;
  private StorageSOPClassSCPDispatcher dispatcher;
  private Thread thread;

  /**
   * @param failedDir where objects that cannot be ingested are kept (their dead letters point there)
   */
  public CStoreReceiver(IngestionPipeline pipeline, int port, String aeTitle, Path spool, Path failedDir) {
    this.pipeline = pipeline;
    this.port = port;
    this.aeTitle = aeTitle;
    this.spool = spool.toAbsolutePath().normalize();
    this.disposition = new ArchivingDisposition(this.spool, failedDir, true);
  }

  public InputDisposition disposition() {
    return disposition;
  }

  public boolean owns(Path file) {
    return disposition.owns(file);
  }

  public void start() throws IOException, InterruptedException {
    Files.createDirectories(spool);
    ReceivedObjectHandler handler = new ReceivedObjectHandler() {
      @Override
      public void sendReceivedObjectIndication(String fileName, String transferSyntax, String callingAeTitle) {
        Path file = Path.of(fileName).toAbsolutePath().normalize();
        pipeline.submit(file, SourceKind.DICOM_NETWORK, "C-STORE from " + callingAeTitle.trim(), disposition);
      }
    };
    dispatcher = new StorageSOPClassSCPDispatcher(port, aeTitle, spool.toFile(),
        StoredFilePathStrategy.BYSOPINSTANCEUIDHASHSUBFOLDERS, handler, null, null, null,
        new AnyExplicitStorePresentationContextSelectionPolicy(), false);
    thread = new Thread(dispatcher, "cstore-scp");
    thread.setDaemon(true);
    thread.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!dispatcher.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("C-STORE receiver did not start listening on port " + port);
      }
      Thread.sleep(20);
    }
    LOG.info("C-STORE receiver {} listening on port {}, spooling to {}", aeTitle, port, spool);
  }

  /** Ingests files a previous run received but did not finish. Returns how many. */
  public int respool() throws IOException {
    if (!Files.isDirectory(spool)) {
      return 0;
    }
    List<Path> leftovers = FileIngestion.listFiles(spool);
    for (Path file : leftovers) {
      pipeline.submit(file, SourceKind.DICOM_NETWORK, "C-STORE (spooled before restart)", disposition);
    }
    if (!leftovers.isEmpty()) {
      LOG.info("re-ingesting {} object(s) received before the last stop", leftovers.size());
    }
    return leftovers.size();
  }

  /** Files of a series that failed to reach Kafka: ingest them again. */
  public void retry(List<Path> files) {
    files.forEach(file -> pipeline.submit(file, SourceKind.DICOM_NETWORK, "C-STORE (retry)", disposition));
  }

  @Override
  public void close() {
    if (dispatcher != null) {
      dispatcher.shutdown();
    }
  }
}
