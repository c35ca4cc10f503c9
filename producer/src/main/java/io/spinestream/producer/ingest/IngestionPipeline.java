package io.spinestream.producer.ingest;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SourceKind;
import io.spinestream.producer.assembly.Admission;
import io.spinestream.producer.assembly.CompletedSeries;
import io.spinestream.producer.assembly.SeriesAssembler;
import io.spinestream.producer.assembly.SliceInfo;
import io.spinestream.producer.dicom.DicomImage;
import io.spinestream.producer.dicom.DicomReadResult;
import io.spinestream.producer.dicom.DicomReader;
import io.spinestream.producer.dicom.DicomRejectedException;
import io.spinestream.producer.dicom.RejectionReason;
import io.spinestream.producer.publish.EventPublisher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns input files into events: decode on a pool of threads, admit to series assembly, send the slice,
 * and send a series' manifest once every slice of it is acknowledged. Bad files become dead letters;
 * objects that are not CT slices are skipped with a logged reason. Nothing is dropped silently: every
 * file ends in exactly one {@link FileOutcome}.
 */
public final class IngestionPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestionPipeline.class);
  public static final String STAGE = "producer";

  private final DicomReader reader;
  private final SeriesAssembler assembler;
  private final EventPublisher publisher;
  private final OutputTopics topics;
  private final ProducerMetrics metrics;
  private final Clock clock;
  private final ThreadPoolExecutor decoders;

  public IngestionPipeline(DicomReader reader, SeriesAssembler assembler, EventPublisher publisher,
      OutputTopics topics, ProducerMetrics metrics, Clock clock, int decodeThreads) {
    this.reader = reader;
    this.assembler = assembler;
    this.publisher = publisher;
    this.topics = topics;
    this.metrics = metrics;
    this.clock = clock;
    AtomicInteger threadNumber = new AtomicInteger();
    // A short queue and caller-runs: a producer of files (a folder walk, the SCP) is slowed to the decode
    // rate instead of queueing thousands of files' worth of work.
    this.decoders = new ThreadPoolExecutor(decodeThreads, decodeThreads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(decodeThreads * 2), r -> {
          Thread thread = new Thread(r, "decode-" + threadNumber.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
  }

  public SeriesAssembler assembler() {
    return assembler;
  }

  /**
   * Ingests one file; the future completes when it is dealt with: its slice or dead letter acknowledged
   * by Kafka, or skipped. It never completes exceptionally.
   */
  public CompletableFuture<FileOutcome> submit(Path file, SourceKind kind, String source, InputDisposition disposition) {
    CompletableFuture<FileOutcome> outcome = new CompletableFuture<>();
    decoders.execute(() -> {
      try {
        process(file, kind, source, disposition).whenComplete((result, error) -> {
          FileOutcome finalOutcome = error == null ? result : FileOutcome.FAILED;
          if (error != null) {
            LOG.error("{}: {}", file, error.toString());
          }
          metrics.file(finalOutcome);
          outcome.complete(finalOutcome);
        });
      } catch (RuntimeException e) {
        LOG.error("{}: unexpected failure", file, e);
        metrics.file(FileOutcome.FAILED);
        outcome.complete(FileOutcome.FAILED);
      }
    });
    return outcome;
  }

  private CompletableFuture<FileOutcome> process(Path file, SourceKind kind, String source, InputDisposition disposition) {
    DicomReadResult result;
    long started = System.nanoTime();
    try {
      result = reader.read(file);
    } catch (DicomRejectedException e) {
      return reject(file, source, null, e.reason().name(), e.getMessage(), e, disposition);
    } finally {
      metrics.decode().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
    if (result instanceof DicomReadResult.Skipped skipped) {
      LOG.info("skipped {}: {} ({})", file, skipped.reason(), skipped.detail());
      metrics.skipped(skipped.reason().name());
      disposition.ignored(file);
      return CompletableFuture.completedFuture(FileOutcome.SKIPPED);
    }
    DicomImage image = ((DicomReadResult.Image) result).image();
    MDC.put("study", image.studyInstanceUid());
    try {
      return admitAndSend(file, kind, source, image, disposition);
    } finally {
      MDC.remove("study");
    }
  }

  private CompletableFuture<FileOutcome> admitAndSend(Path file, SourceKind kind, String source, DicomImage image,
      InputDisposition disposition) {
    var receivedAt = clock.instant();
    SliceInfo info = new SliceInfo(image.studyInstanceUid(), image.seriesInstanceUid(), image.sopInstanceUid(),
        image.zPositionMm(), image.rows(), image.columns(), receivedAt, file);
    Admission admission = assembler.admit(info, kind);
    if (admission instanceof Admission.Duplicate) {
      LOG.info("duplicate slice {} in series {}: not sent again", image.sopInstanceUid(), image.seriesInstanceUid());
      disposition.duplicate(file);
      return CompletableFuture.completedFuture(FileOutcome.DUPLICATE);
    }
    if (admission instanceof Admission.WrongSize wrong) {
      String reason = String.format("slice %s is %dx%d but series %s is %dx%d", image.sopInstanceUid(),
          image.rows(), image.columns(), image.seriesInstanceUid(), wrong.expectedRows(), wrong.expectedColumns());
      return reject(file, source, image.studyInstanceUid(), RejectionReason.INCONSISTENT_SIZE.name(), reason, null,
          disposition);
    }
    CtSlice slice = toEvent(image, kind, source, receivedAt);
    return publisher.send(topics.slices(), image.studyInstanceUid(), slice).handle((metadata, error) -> {
      assembler.sendFinished(image.seriesInstanceUid(), error == null);
      if (error != null) {
        metrics.sendFailure();
        LOG.error("slice {} of {} not delivered: {}", image.sopInstanceUid(), file, error.toString());
        return FileOutcome.FAILED;
      }
      metrics.slicesSent();
      return FileOutcome.SENT;
    });
  }

  private CompletableFuture<FileOutcome> reject(Path file, String source, String studyUid, String reasonCode,
      String reason, Throwable error, InputDisposition disposition) {
    Path keptAt = disposition.quarantine(file);
    LOG.warn("dead-lettered {}: {} {}", file, reasonCode, reason);
    metrics.deadLetter(reasonCode);
    DeadLetter deadLetter = DeadLetters.forInput(STAGE, reasonCode, reason, error, source, studyUid,
        size(keptAt), keptAt.toString());
    String key = studyUid != null ? studyUid : source;
    return publisher.send(topics.deadLetters(), key, deadLetter).handle((metadata, sendError) -> {
      if (sendError != null) {
        metrics.sendFailure();
        LOG.error("dead letter for {} not delivered: {}", file, sendError.toString());
        return FileOutcome.FAILED;
      }
      return FileOutcome.DEAD_LETTERED;
    });
  }

  /**
   * Dead-letters an object refused before it became a file (a C-STORE transfer aborted for its size): there is
   * nothing to quarantine, so the letter names the sender and the reason only.
   *
   * @param source who sent it, e.g. "C-STORE from CT_1 at /10.0.0.5:40112"
   */
  public CompletableFuture<FileOutcome> deadLetterWithoutFile(String source, String reasonCode, String reason,
      long payloadSize) {
    metrics.deadLetter(reasonCode);
    DeadLetter deadLetter = DeadLetters.forInput(STAGE, reasonCode, reason, null, source, null, payloadSize, null);
    return publisher.send(topics.deadLetters(), source, deadLetter).handle((metadata, sendError) -> {
      if (sendError != null) {
        metrics.sendFailure();
        LOG.error("dead letter for {} not delivered: {}", source, sendError.toString());
        return FileOutcome.FAILED;
      }
      return FileOutcome.DEAD_LETTERED;
    });
  }

  /**
   * Sends the manifests of the given completed series; a series whose manifest is acknowledged has its
   * files handed to the disposition. Returns the number of manifests delivered.
   */
  public int sendManifests(List<CompletedSeries> completed, InputDisposition disposition) {
    List<CompletableFuture<Boolean>> sends = new ArrayList<>();
    for (CompletedSeries series : completed) {
      var manifest = series.manifest();
      sends.add(publisher.send(topics.series(), manifest.getStudyInstanceUid(), manifest).handle((metadata, error) -> {
        if (error != null) {
          LOG.error("manifest of series {} not delivered ({}); it will be sent again", manifest.getSeriesInstanceUid(),
              error.toString());
          assembler.manifestFailed(series);
          metrics.sendFailure();
          return false;
        }
        LOG.info("series {} of study {} complete: {} slices ({})", manifest.getSeriesInstanceUid(),
            manifest.getStudyInstanceUid(), manifest.getSliceCount(), manifest.getCompletion());
        metrics.manifest(manifest.getCompletion().name());
        disposition.seriesDone(series.files());
        return true;
      }));
    }
    return (int) sends.stream().map(CompletableFuture::join).filter(Boolean::booleanValue).count();
  }

  private static CtSlice toEvent(DicomImage image, SourceKind kind, String source, java.time.Instant receivedAt) {
    return CtSlice.newBuilder()
        .setStudyInstanceUid(image.studyInstanceUid())
        .setSeriesInstanceUid(image.seriesInstanceUid())
        .setSopInstanceUid(image.sopInstanceUid())
        .setSopClassUid(image.sopClassUid() == null ? "" : image.sopClassUid())
        .setInstanceNumber(image.instanceNumber())
        .setZPositionMm(image.zPositionMm())
        .setImagePositionPatient(Arrays.stream(image.imagePositionPatient()).boxed().toList())
        .setImageOrientationPatient(Arrays.stream(image.imageOrientationPatient()).boxed().toList())
        .setRows(image.rows())
        .setColumns(image.columns())
        .setRowSpacingMm(image.rowSpacingMm())
        .setColumnSpacingMm(image.columnSpacingMm())
        .setSliceThicknessMm(image.sliceThicknessMm())
        .setPixels(ByteBuffer.wrap(image.hounsfieldLittleEndian()))
        .setTransferSyntaxUid(image.transferSyntaxUid())
        .setSourceKind(kind)
        .setSource(source)
        .setReceivedAt(receivedAt)
        .build();
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Waits until every submitted file has been decoded and handed to Kafka, then flushes. */
  public void drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while ((decoders.getActiveCount() > 0 || !decoders.getQueue().isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    publisher.flush();
  }

  @Override
  public void close() throws InterruptedException {
    decoders.shutdown();
    if (!decoders.awaitTermination(60, TimeUnit.SECONDS)) {
      LOG.warn("decoding did not finish within 60 s; stopping it");
      decoders.shutdownNow();
    }
    // Waits for every send, so their callbacks (file archiving, counts) have run when this returns.
    publisher.close();
  }
}
