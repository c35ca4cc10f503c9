package io.spinestream.producer.ingest;

import java.nio.file.Path;
import java.util.List;

/**
 * What happens to input files once the pipeline is done with them. One-shot ingestion leaves the user's
 * files alone; the inbox archives them; the C-STORE spool deletes them. A file is let go only after what
 * it contributed is safely in Kafka: a slice's file when its series' manifest is acknowledged.
 */
public interface InputDisposition {

  /** A bad file: keep it for inspection; returns where it is now (referenced by its dead letter). */
  Path quarantine(Path file);

  /** A valid object that is not ingested (not CT, localizer, report). */
  void ignored(Path file);

  /** A slice whose SOP Instance UID its series already had. */
  void duplicate(Path file);

  /** The manifest of the series these slices belong to is in Kafka. */
  void seriesDone(List<Path> files);

  /** Leaves every file where it is: for one-shot ingestion of a user's folders. */
  InputDisposition LEAVE_IN_PLACE = new InputDisposition() {
    @Override
    public Path quarantine(Path file) {
      return file;
    }

    @Override
    public void ignored(Path file) {}

    @Override
    public void duplicate(Path file) {}

    @Override
    public void seriesDone(List<Path> files) {}
  };
}
