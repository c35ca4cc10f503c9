package io.spinestream.producer;

import io.spinestream.common.config.Setting;
import io.spinestream.common.kafka.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The producer's configuration keys (plus {@link KafkaSettings#SETTINGS}). */
final class ProducerSettings {
  static final Setting<Integer> DECODE_THREADS = Setting.integer("producer.decode.threads",
      Runtime.getRuntime().availableProcessors(), "threads decoding DICOM").between(1, 256);
  static final Setting<Duration> INACTIVITY = Setting.millis("producer.series.inactivity.timeout.ms", 10_000L,
      "a network or inbox series is complete after this long without a new slice");
  static final Setting<Duration> RETENTION = Setting.millis("producer.series.retention.ms", 3_600_000L,
      "how long a completed series is remembered, to de-duplicate and reopen it for late slices");
  static final Setting<Path> INBOX_DIR = Setting.path("producer.inbox.dir", null,
      "folder to watch for DICOM files (serve)").optionalValue();
  static final Setting<Path> INBOX_ARCHIVE_DIR = Setting.path("producer.inbox.archive.dir", null,
      "where processed inbox files go (done/, failed/, ignored/); default: <inbox>-archive").optionalValue();
  static final Setting<Boolean> INBOX_DELETE_DONE = Setting.bool("producer.inbox.delete.done", false,
      "delete inbox files once in Kafka instead of archiving them (failed files are always kept)");
  static final Setting<Duration> INBOX_STABLE = Setting.millis("producer.inbox.stable.ms", 1_000L,
      "a file is read once its size and time have not changed for this long");
  static final Setting<Duration> POLL = Setting.millis("producer.poll.interval.ms", 500L,
      "how often the inbox is scanned and idle series completed").must(d -> d.toMillis() >= 10, "must be >= 10 ms");
  static final Setting<Integer> SCP_PORT = Setting.integer("producer.scp.port", null,
      "TCP port of the DICOM C-STORE receiver (serve); unset = no receiver").optionalValue().between(1, 65535);
  static final Setting<String> SCP_AE_TITLE = Setting.string("producer.scp.ae.title", "SPINESTREAM",
      "AE title of the C-STORE receiver").must(v -> v.length() <= 16 && !v.isBlank(), "must be 1-16 characters");
  static final Setting<String> SCP_ALLOWED_CALLING_AE_TITLES = Setting.string("producer.scp.allowed.calling.ae.titles", "",
      "calling AE titles the C-STORE receiver serves, comma-separated; empty = any (others get an A-ASSOCIATE-RJ)")
      .blankIsAValue().must(ProducerSettings::validAeTitleList, "must be AE titles of 1-16 characters without "
          + "backslash or control characters, separated by commas");
  static final Setting<Integer> SCP_MAX_ASSOCIATIONS = Setting.integer("producer.scp.max.associations", 16,
      "C-STORE associations served at once; more are rejected as 'local limit exceeded' (bounds threads and memory)")
      .between(1, 1024);
  static final Setting<Path> SCP_SPOOL_DIR = Setting.path("producer.scp.spool.dir", "spinestream-spool",
      "where received objects wait until their series is in Kafka (must survive restarts)");
  static final Setting<Path> SCP_FAILED_DIR = Setting.path("producer.scp.failed.dir", null,
      "where received objects that cannot be ingested are kept; default: <spool>-archive").optionalValue();
  static final Setting<Integer> MAX_ROWS = Setting.integer("producer.max.rows", 1024,
      "largest Rows accepted").between(1, 65535);
  static final Setting<Integer> MAX_COLUMNS = Setting.integer("producer.max.columns", 1024,
      "largest Columns accepted").between(1, 65535);
  static final Setting<Integer> MAX_FILE_MB = Setting.integer("producer.max.file.mb", 64,
      "largest DICOM file or C-STORE object read, MiB (a 1024x1024 CT slice is 2 MiB)").between(1, 4096);
  static final Setting<Integer> DECODE_MAX_MB = Setting.integer("producer.decode.max.mb", 128,
      "files being decoded at once add up to at most this many MiB (bounds decoding's heap, whatever the threads); "
          + "at least producer.max.file.mb").between(1, 65536);
  static final Setting<String> HTTP_HOST = Setting.string("producer.http.host", "127.0.0.1",
      "address of the /health and /metrics endpoints");
  static final Setting<Integer> HTTP_PORT = Setting.integer("producer.http.port", null,
      "port of the /health and /metrics endpoints (serve); unset = none, 0 = any free port").optionalValue()
      .between(0, 65535);

  static List<Setting<?>> all() {
    List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(List.of(DECODE_THREADS, INACTIVITY, RETENTION, INBOX_DIR, INBOX_ARCHIVE_DIR, INBOX_DELETE_DONE,
        INBOX_STABLE, POLL, SCP_PORT, SCP_AE_TITLE, SCP_ALLOWED_CALLING_AE_TITLES, SCP_MAX_ASSOCIATIONS, SCP_SPOOL_DIR, SCP_FAILED_DIR, MAX_ROWS, MAX_COLUMNS, MAX_FILE_MB, DECODE_MAX_MB,
        HTTP_HOST, HTTP_PORT));
    return all;
  }

  /** The allow-list as a set; empty = any calling AE title. */
  static java.util.Set<String> allowedCallingAeTitles(String list) {
    return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(t -> !t.isEmpty())
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  private static boolean validAeTitleList(String list) {
    return allowedCallingAeTitles(list).stream().allMatch(t -> t.length() <= 16 && t.chars().allMatch(c -> c >= 0x20
        && c < 0x7F && c != '\\'));
  }

  private ProducerSettings() {}
}
