package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.spinestream.common.config.Settings;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.producer.network.DicomListener;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The C-STORE receiver against senders it must turn away, with dcmtk's storescu as the sender: a calling AE title
 * not on the allow-list is rejected (and logged with the title and the address), an object over the size limit is
 * aborted and dead-lettered, a PDU header claiming gigabytes is aborted before anything is allocated; and after
 * each, a legitimate sender's study still arrives.
 */
class CStoreSecurityIT {
  @TempDir
  Path work;
  private PhantomFixture.Studies studies;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private Logger listenerLogger;
  private Level listenerLevel;

  @BeforeEach
  void setUp() throws IOException {
    studies = PhantomFixture.twoSmallStudies(work.resolve("phantom"));
    listenerLogger = (Logger) LoggerFactory.getLogger(DicomListener.class);
    listenerLevel = listenerLogger.getLevel();
    listenerLogger.setLevel(Level.WARN);
    log.start();
    listenerLogger.addAppender(log);
  }

  @AfterEach
  void tearDown() {
    listenerLogger.detachAppender(log);
    listenerLogger.setLevel(listenerLevel);
  }

  private Path firstStudy() {
    return studies.studies().get(0).seriesDirectory();
  }

  private int firstStudySlices() {
    return studies.studies().get(0).slices();
  }

  private Settings serve(String prefix, int port, String... more) {
    List<String> args = new ArrayList<>(List.of("serve", "--producer.scp.port=" + port,
        "--producer.scp.spool.dir=" + work.resolve("spool"), "--producer.series.inactivity.timeout.ms=1500",
        "--producer.poll.interval.ms=100"));
    args.addAll(List.of(more));
    return ProducerMain.settings(Map.of(), ProducerItSupport.args(prefix, args.toArray(String[]::new)));
  }

  /** storescu's exit code and output (it may fail: that is what some tests expect). */
  private static Result storescu(String callingAeTitle, int port, Path files) throws Exception {
    Process process = new ProcessBuilder("storescu", "-aet", callingAeTitle, "-aec", "SPINESTREAM", "+sd", "+r",
        "127.0.0.1", String.valueOf(port), files.toString()).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("storescu finished").isTrue();
    return new Result(process.exitValue(), out);
  }

  private record Result(int exit, String output) {}

  @Test
  void shouldRejectACallingAeTitleNotOnTheAllowListAndServeTheAllowedOnes() throws Exception {
    String prefix = ProducerItSupport.prefix("scp-aet");
    int port = CStoreIngestIT.freePort();
    try (ProducerMain.Serving serving = ProducerMain.startServing(serve(prefix, port,
        "--producer.scp.allowed.calling.ae.titles=CT_SCANNER_1, PACS_ARCHIVE"))) {
      Result intruder = storescu("INTRUDER", port, firstStudy());
      assertThat(intruder.exit()).as("storescu as INTRUDER:\n%s", intruder.output()).isNotZero();
      assertThat(intruder.output()).contains("Association Rejected").contains("Calling AE Title Not Recognized");

      Result scanner = storescu("CT_SCANNER_1", port, firstStudy());
      assertThat(scanner.exit()).as("storescu as CT_SCANNER_1:\n%s", scanner.output()).isZero();
      List<CtSlice> slices = ProducerItSupport.slices(prefix, firstStudySlices());
      assertThat(slices).hasSize(firstStudySlices())
          .allSatisfy(s -> assertThat(s.getSource()).isEqualTo("C-STORE from CT_SCANNER_1"));
      assertThat(serving.metrics().total("spine.producer.associations.refused", "reason", "CALLING_AE_NOT_ALLOWED"))
          .isEqualTo(1.0);
    }
    assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(line -> assertThat(line)
        .contains("rejected an association from calling AE title 'INTRUDER' at /127.0.0.1:")
        .contains("producer.scp.allowed.calling.ae.titles"));
  }

  @Test
  void shouldAbortAndDeadLetterAnObjectOverTheSizeLimitAndKeepReceiving() throws Exception {
    // Two 1024 x 1024 slices: 2 MiB each, over a 1 MiB limit. (The small study's files are ~35 KiB.)
    PhantomStudy big = PhantomGenerator.generate(PhantomOptions.defaults().withSeed(PhantomFixture.SEED)
        .withMatrix(1024).withSlices(2), work.resolve("big")).get(0);
    String prefix = ProducerItSupport.prefix("scp-big");
    int port = CStoreIngestIT.freePort();
    try (ProducerMain.Serving serving = ProducerMain.startServing(serve(prefix, port, "--producer.max.file.mb=1"))) {
      Result oversized = storescu("BIG_SENDER", port, big.seriesDirectory());
      assertThat(oversized.exit()).as("storescu of 2 MiB objects:\n%s", oversized.output()).isNotZero();

      Result scanner = storescu("CT_SCANNER_1", port, firstStudy());
      assertThat(scanner.exit()).as("storescu after the abort:\n%s", scanner.output()).isZero();
      assertThat(ProducerItSupport.slices(prefix, firstStudySlices())).hasSize(firstStudySlices());
      ProducerItSupport.manifests(prefix, 1);
    }
    List<DeadLetter> letters = ProducerItSupport.deadLetters(prefix, 1);
    assertThat(letters).isNotEmpty().allSatisfy(letter -> {
      assertThat(letter.getReasonCode()).isEqualTo("TOO_LARGE");
      assertThat(letter.getSource()).startsWith("C-STORE from BIG_SENDER at /127.0.0.1:");
      assertThat(letter.getReason()).contains("more than 1048576 bytes", "producer.max.file.mb", "aborted");
      assertThat(letter.getPayloadReference()).as("nothing kept").isNull();
      assertThat(letter.getPayloadSize()).isGreaterThan(1024L * 1024);
    });
    assertThat(ProducerItSupport.files(work.resolve("spool"))).as("nothing left in the spool, partial objects included")
        .isEmpty();
  }

  @Test
  void shouldAbortAPduHeaderClaimingGigabytesAndKeepReceiving() throws Exception {
    String prefix = ProducerItSupport.prefix("scp-pdu");
    int port = CStoreIngestIT.freePort();
    try (ProducerMain.Serving serving = ProducerMain.startServing(serve(prefix, port))) {
      try (Socket attacker = new Socket("127.0.0.1", port)) {
        // An A-ASSOCIATE-RQ header whose length says 2 GiB - 16 bytes: PixelMed alone would allocate it.
        attacker.getOutputStream().write(new byte[] {0x01, 0, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0});
        byte[] answer = new DataInputStream(attacker.getInputStream()).readNBytes(10);
        assertThat(answer).as("A-ABORT").startsWith(0x07, 0, 0, 0, 0, 4);
      }
      Result scanner = storescu("CT_SCANNER_1", port, firstStudy());
      assertThat(scanner.exit()).as("storescu after the attack:\n%s", scanner.output()).isZero();
      assertThat(ProducerItSupport.slices(prefix, firstStudySlices())).hasSize(firstStudySlices());
      assertThat(serving.metrics().total("spine.producer.associations.refused", "reason", "PDU_TOO_LARGE"))
          .isEqualTo(1.0);
    }
    assertThat(Files.exists(work.resolve("spool"))).isTrue();
  }
}
