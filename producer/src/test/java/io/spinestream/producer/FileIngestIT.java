package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.SourceKind;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A phantom series re-encoded by dcmtk/GDCM into every transfer syntax, ingested from files. */
class FileIngestIT {
  @TempDir
  static Path work;
  static PhantomFixture.Series series;

  @BeforeAll
  static void phantom() throws Exception {
    series = PhantomFixture.seriesWithReference(work);
  }

  @ParameterizedTest
  @EnumSource(TransferSyntax.class)
  void shouldDeliverTheOriginalHounsfieldUnitsFromFilesInEveryTransferSyntax(TransferSyntax syntax) throws Exception {
    Path encoded = series.encoded(syntax);
    String prefix = ProducerItSupport.prefix("files-" + syntax.name().toLowerCase());

    int exit = ProducerMain.run(ProducerItSupport.args(prefix, "ingest", encoded.toString()), Map.of());

    assertThat(exit).isZero();
    IngestVerification.verify(prefix, syntax, SourceKind.FILE, series.reference());
  }
}
