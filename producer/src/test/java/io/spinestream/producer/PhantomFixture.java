package io.spinestream.producer;

import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.phantom.PixelEncoding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Phantom studies for the producer's tests, small enough to keep the suite fast. */
final class PhantomFixture {
  static final long SEED = 303;

  private PhantomFixture() {}

  /**
   * One 256x256 series of 24 slices stored as 12-bit unsigned with intercept -1024, the encoding every
   * codec under test takes (JPEG extended is limited to 12 bits). Returns the series folder.
   */
  static Path oneSeries(Path dir) throws IOException {
    PhantomOptions options = PhantomOptions.defaults().withSeed(SEED).withMatrix(256).withSlices(24);
    for (int study = 0; study < 3; study++) {
      if (PhantomGenerator.render(options.withFirstStudyIndex(study), study).encoding() == PixelEncoding.UNSIGNED_12) {
        List<PhantomStudy> written = PhantomGenerator.generate(options.withFirstStudyIndex(study), dir);
        return written.get(0).seriesDirectory();
      }
    }
    throw new IllegalStateException("no 12-bit study among three consecutive ones");
  }

  /** {@link #oneSeries} with pydicom's reference HU, re-encodable into any transfer syntax. */
  record Series(Path work, Path original, ProducerItSupport.Reference reference) {
    /** The series re-encoded by the syntax's third-party encoder; returns the folder. */
    Path encoded(TransferSyntax syntax) throws IOException {
      Path folder = work.resolve("encoded-" + syntax.name());
      ProducerItSupport.encode(original, syntax, folder);
      return folder;
    }
  }

  static Series seriesWithReference(Path work) throws IOException {
    Path original = oneSeries(work.resolve("phantom"));
    return new Series(work, original, ProducerItSupport.referenceHu(original, work));
  }

  /** Two studies for mixed-folder tests, and one slice of another matrix size. */
  record Studies(Path imagesDir, List<PhantomStudy> studies, Path otherSizeSlice) {
    String firstStudyUid() {
      return studies.get(0).studyInstanceUid();
    }

    String firstSeriesUid() {
      return studies.get(0).seriesInstanceUid();
    }

    List<String> seriesUids() {
      return studies.stream().map(PhantomStudy::seriesInstanceUid).toList();
    }

    /** The PatientID prefix every phantom file carries ("PH-<seed>-"). */
    String patientId() {
      return "PH-" + SEED + "-";
    }
  }

  static Studies twoSmallStudies(Path dir) throws IOException {
    PhantomOptions options = PhantomOptions.defaults().withSeed(SEED).withStudies(2).withMatrix(128).withSlices(16);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, dir.resolve("good"));
    PhantomStudy other = PhantomGenerator.generate(options.withStudies(1).withMatrix(64), dir.resolve("other")).get(0);
    return new Studies(dir.resolve("good").resolve("train_images"), studies, other.dicomFiles().get(0));
  }
}
