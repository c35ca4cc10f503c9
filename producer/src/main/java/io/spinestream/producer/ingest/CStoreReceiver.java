package io.spinestream.producer.ingest;

import com.pixelmed.dicom.StoredFilePathStrategy;
import com.pixelmed.network.AnyExplicitStorePresentationContextSelectionPolicy;
import com.pixelmed.network.ApplicationEntityMap;
import com.pixelmed.network.AssociationFactory;
import com.pixelmed.network.ReceivedObjectHandler;
import com.pixelmed.network.StorageSOPClassSCP;
import io.spinestream.events.SourceKind;
import io.spinestream.producer.network.DicomListener;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DICOM C-STORE receiver (Storage SCP) through PixelMed: accepts any storage SOP class in the transfer
 * syntax the sender proposes, compressed ones included, writes each object to a spool folder, and hands
 * the file to the pipeline. A spooled file is deleted once its series' manifest is in Kafka; after a
 * crash, files left in the spool are ingested again at start ({@link #respool()}), so an object
 * acknowledged to the sender is never lost.
 *
 * <p>In front of PixelMed a {@link DicomListener} admits associations: only allowed calling AE titles (when
 * configured), a bounded number at once, PDUs and objects within limits. An object is received into a folder of
 * its association under {@code <spool>/.receiving/} and moved into the spool only when complete, so an aborted
 * transfer leaves nothing that looks like an object to ingest.
 */
public final class CStoreReceiver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CStoreReceiver.class);
  /** Hidden, so that {@link FileIngestion#listFiles} (respool) never takes a partial object for a received one. */
  private static final String RECEIVING = ".receiving";
  /** DICOM UIDs: digits and dots, at most 64 characters (PS3.5 section 9). Also keeps paths inside the spool. */
  private static final java.util.regex.Pattern UID = java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]+)*");

  private final IngestionPipeline pipeline;
  private final int port;
  private final String aeTitle;
  private final Path spool;
  private final ArchivingDisposition disposition;
  private final DicomListener.Limits limits;
  private final DicomListener.Events events;
  private final AtomicLong associations = new AtomicLong();
  private DicomListener listener;

  /**
   * @param failedDir where objects that cannot be ingested are kept (their dead letters point there)
   * @param limits who may send and how much (see {@link DicomListener.Limits})
   * @param events told about refused associations and aborted objects (metrics, dead letters)
   */
  public CStoreReceiver(IngestionPipeline pipeline, int port, String aeTitle, Path spool, Path failedDir,
      DicomListener.Limits limits, DicomListener.Events events) {
    this.pipeline = pipeline;
    this.port = port;
    this.aeTitle = aeTitle;
    this.spool = spool.toAbsolutePath().normalize();
    this.disposition = new ArchivingDisposition(this.spool, failedDir, true);
    this.limits = limits;
    this.events = events;
  }

  public InputDisposition disposition() {
    return disposition;
  }

  public boolean owns(Path file) {
    return disposition.owns(file);
  }

  public void start() throws IOException {
    Files.createDirectories(spool);
    // Partial objects of associations a crash interrupted: never acknowledged, so the sender sends them again.
    deleteRecursively(spool.resolve(RECEIVING));
    StoredFilePathStrategy intoSpool = new SpoolPathStrategy(spool.toFile());
    listener = new DicomListener(port, limits, events, (socket, callingAeTitle) -> serve(socket, intoSpool));
    listener.start();
    LOG.info("C-STORE receiver {} listening on port {}, spooling to {}; calling AE titles: {}", aeTitle, port, spool,
        limits.allowedCallingAeTitles().isEmpty() ? "any" : String.join(",", limits.allowedCallingAeTitles()));
  }

  /** One association, served by PixelMed's Storage SCP in this thread, receiving into its own folder. */
  private void serve(Socket socket, StoredFilePathStrategy intoSpool) throws Exception {
    Path receiving = Files.createDirectories(spool.resolve(RECEIVING).resolve(String.valueOf(associations.incrementAndGet())));
    ReceivedObjectHandler handler = new ReceivedObjectHandler() {
      @Override
      public void sendReceivedObjectIndication(String fileName, String transferSyntax, String callingAeTitle) {
        Path file = Path.of(fileName).toAbsolutePath().normalize();
        pipeline.submit(file, SourceKind.DICOM_NETWORK, "C-STORE from " + callingAeTitle.trim(), disposition);
      }
    };
    try {
      new StorageSOPClassSCP(socket, aeTitle, AssociationFactory.getDefaultMaximumLengthReceived(),
          AssociationFactory.getDefaultReceiveBufferSize(), AssociationFactory.getDefaultSendBufferSize(),
          receiving.toFile(), intoSpool, handler, null, null, null, new ApplicationEntityMap(),
          new AnyExplicitStorePresentationContextSelectionPolicy()).run();
    } finally {
      deleteRecursively(receiving);
    }
  }

  /**
   * Where PixelMed moves a complete object: the spool's hash subfolders by SOP Instance UID, whatever folder it
   * received into. The UID comes from the sender's C-STORE request, so it is checked to be a UID: anything else
   * ("../..") could place a file outside the spool.
   */
  private static final class SpoolPathStrategy extends StoredFilePathStrategy {
    private final File spool;

    SpoolPathStrategy(File spool) {
      this.spool = spool;
    }

    @Override
    public File makeReliableStoredFilePathWithFoldersCreated(File receivedInto, String sopInstanceUid) {
      String uid = sopInstanceUid == null ? "" : sopInstanceUid.trim();
      if (uid.length() > 64 || !UID.matcher(uid).matches()) {
        throw new IllegalArgumentException("Affected SOP Instance UID '" + uid.replaceAll("[^ -~]", "?")
            + "' is not a DICOM UID: object refused");
      }
      return BYSOPINSTANCEUIDHASHSUBFOLDERS.makeReliableStoredFilePathWithFoldersCreated(spool, uid);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
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
    if (listener != null) {
      listener.close();
    }
  }
}
