package io.spinestream.producer.ingest;

import io.spinestream.producer.assembly.CompletedSeries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running producer: a watched inbox and/or a C-STORE receiver feed the pipeline; a series is
 * complete after {@code inactivity} without a new slice; series whose slices did not reach Kafka are
 * ingested again from their files. Stopping leaves open series' files in place, to be ingested again at
 * the next start.
 */
public final class ServeMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServeMode.class);

  private final IngestionPipeline pipeline;
  private final InboxWatcher inbox;
  private final CStoreReceiver receiver;
  private final Duration inactivity;
  private final Duration tick;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "series-completion");
    thread.setDaemon(true);
    return thread;
  });

  /** Either source may be null, not both. */
  public ServeMode(IngestionPipeline pipeline, InboxWatcher inbox, CStoreReceiver receiver, Duration inactivity,
      Duration tick) {
    if (inbox == null && receiver == null) {
      throw new IllegalArgumentException("serve needs an inbox folder or a C-STORE port");
    }
    this.pipeline = pipeline;
    this.inbox = inbox;
    this.receiver = receiver;
    this.inactivity = inactivity;
    this.tick = tick;
  }

  public void start() throws Exception {
    if (receiver != null) {
      receiver.respool();
      receiver.start();
    }
    scheduler.scheduleWithFixedDelay(this::tickSafely, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tickSafely() {
    try {
      tickOnce();
    } catch (RuntimeException e) {
      LOG.error("producer housekeeping failed; trying again in {} ms", tick.toMillis(), e);
    }
  }

  /** One round: scan the inbox, complete idle series, re-ingest series that failed to send. */
  void tickOnce() {
    if (inbox != null) {
      inbox.poll();
    }
    List<CompletedSeries> completed = pipeline.assembler().completeIdle(inactivity);
    if (!completed.isEmpty()) {
      pipeline.sendManifests(completed, routing());
    }
    for (String series : pipeline.assembler().failedSeries()) {
      List<Path> files = pipeline.assembler().forgetFailed(series);
      LOG.warn("series {} had a slice that did not reach Kafka: ingesting its {} file(s) again", series, files.size());
      if (inbox != null) {
        inbox.retry(files.stream().filter(inbox::owns).toList());
      }
      if (receiver != null) {
        receiver.retry(files.stream().filter(receiver::owns).toList());
      }
    }
  }

  private InputDisposition routing() {
    return new InputDisposition() {
      private InputDisposition owner(Path file) {
        if (inbox != null && inbox.owns(file)) {
          return inbox.disposition();
        }
        if (receiver != null && receiver.owns(file)) {
          return receiver.disposition();
        }
        return LEAVE_IN_PLACE;
      }

      @Override
      public Path quarantine(Path file) {
        return owner(file).quarantine(file);
      }

      @Override
      public void ignored(Path file) {
        owner(file).ignored(file);
      }

      @Override
      public void duplicate(Path file) {
        owner(file).duplicate(file);
      }

      @Override
      public void seriesDone(List<Path> files) {
        List<Path> fromInbox = new ArrayList<>();
        List<Path> fromNetwork = new ArrayList<>();
        for (Path file : files) {
          if (inbox != null && inbox.owns(file)) {
            fromInbox.add(file);
          } else if (receiver != null && receiver.owns(file)) {
            fromNetwork.add(file);
          }
        }
        if (!fromInbox.isEmpty()) {
          inbox.disposition().seriesDone(fromInbox);
        }
        if (!fromNetwork.isEmpty()) {
          receiver.disposition().seriesDone(fromNetwork);
        }
      }
    };
  }

  @Override
  public void close() throws InterruptedException {
    if (receiver != null) {
      receiver.close();
    }
    scheduler.shutdown();
    scheduler.awaitTermination(30, TimeUnit.SECONDS);
    pipeline.close();
    LOG.info("producer stopped; {} open series stay in the inbox/spool and are ingested again at the next start",
        pipeline.assembler().openSeries());
  }
}
