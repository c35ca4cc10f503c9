package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.config.Settings;
import io.spinestream.events.SourceKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The watched inbox: files copied in (as a PACS export or a person would) are ingested once stable, the
 * series completes after inactivity, and the inbox is emptied into its archive.
 */
class InboxIngestIT {
  @TempDir
  static Path work;
  static PhantomFixture.Series series;

  @BeforeAll
  static void phantom() throws Exception {
    series = PhantomFixture.seriesWithReference(work);
  }

  @ParameterizedTest
  @EnumSource(TransferSyntax.class)
  void shouldDeliverTheOriginalHounsfieldUnitsFromTheInboxInEveryTransferSyntax(TransferSyntax syntax) throws Exception {
    Path encoded = series.encoded(syntax);
    List<Path> files = ProducerItSupport.files(encoded);
    Path inbox = Files.createDirectories(work.resolve("inbox-" + syntax.name()));
    String prefix = ProducerItSupport.prefix("inbox-" + syntax.name().toLowerCase());
    Settings settings = ProducerMain.settings(Map.of(), ProducerItSupport.args(prefix, "serve",
        "--producer.inbox.dir=" + inbox, "--producer.inbox.stable.ms=300",
        "--producer.series.inactivity.timeout.ms=1500", "--producer.poll.interval.ms=100"));

    try (ProducerMain.Serving serving = ProducerMain.startServing(settings)) {
      for (Path file : files) {
        // As a careful writer does: copy under a hidden name, then rename into place.
        Path target = inbox.resolve(encoded.relativize(file));
        Files.createDirectories(target.getParent());
        Path hidden = target.resolveSibling("." + target.getFileName() + ".part");
        Files.copy(file, hidden);
        Files.move(hidden, target, StandardCopyOption.ATOMIC_MOVE);
      }
      IngestVerification.verify(prefix, syntax, SourceKind.INBOX, series.reference());
    }

    assertThat(ProducerItSupport.files(inbox)).as("inbox emptied").isEmpty();
    Path archive = inbox.resolveSibling(inbox.getFileName() + "-archive");
    String kept = syntax.supported ? "done" : "failed";
    assertThat(ProducerItSupport.files(archive.resolve(kept))).hasSize(files.size());
  }
}
