package io.spinestream.it.reliability;

import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Phantom studies for the reliability suites: small (128x128, 3 mm slices, about 50 slices a study) so
 * that many flow on two shared cores; their scores are counted, not judged, so size does not matter.
 */
final class Studies {
  /** Apart from the seeds of training (models/README.md) and of the other pipeline tests. */
  static final long SEED = 8_808;

  private Studies() {}

  static PhantomOptions options(int studies, int firstIndex) {
    return PhantomOptions.defaults().withSeed(SEED).withStudies(studies).withFirstStudyIndex(firstIndex)
        .withMatrix(128).withSliceSpacingMm(3.0);
  }

  static List<PhantomStudy> generate(Path dir, int studies, int firstIndex) throws IOException {
    return PhantomGenerator.generate(options(studies, firstIndex), dir);
  }
}
