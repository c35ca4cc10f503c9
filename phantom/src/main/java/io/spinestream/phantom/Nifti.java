package io.spinestream.phantom;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest NIfTI-1 single-file ({@code .nii}) writer and reader the label volumes need: little-endian,
 * 348-byte header, 4-byte extension flag (no extensions), data at offset 352, uint8 voxels.
 *
 * <p><b>Orientation.</b> Voxel (i, j, k) is DICOM column i, row j of the slice with InstanceNumber k + 1; i runs
 * fastest. NIfTI world coordinates are RAS+ while DICOM patient coordinates are LPS+, so x and y change sign:
 * with (x0, y0, z0) the ImagePositionPatient of InstanceNumber 1 (LPS), pixel spacing d and slice spacing s
 * (slices go down in z), the sform is
 * <pre>
 *   [ -d   0   0  -x0 ]
 *   [  0  -d   0  -y0 ]
 *   [  0   0  -s   z0 ]
 * </pre>
 * and the qform says the same: quaternion (b, c, d) = (0, 0, 1) (180 degrees about z), qfac = pixdim[0] = -1,
 * qoffset = (-x0, -y0, z0). Both codes are 1 (scanner anatomical). nibabel's {@code img.affine} therefore maps
 * voxel indices to RAS millimetres, and {@code get_fdata()[i, j, k]} is DICOM pixel (row j, column i) of
 * InstanceNumber k + 1. (The RSNA competition's own files need flips; ours need none.)
 */
public final class Nifti {
  public static final int HEADER_SIZE = 348;
  public static final int VOX_OFFSET = 352;
  public static final short DATATYPE_UINT8 = 2;
  /** NIFTI_INTENT_LABEL: voxel values are label indices. */
  public static final short INTENT_LABEL = 1002;
  /** NIFTI_XFORM_SCANNER_ANAT. */
  public static final short XFORM_SCANNER_ANAT = 1;

  private Nifti() {}

  /** A label volume read back: header fields and voxels (i fastest, then j, then k). */
  public record Image(
      int[] dims,
      short datatype,
      short intentCode,
      float[] pixdim,
      float voxOffset,
      short qformCode,
      short sformCode,
      float[] quaternion,
      float[] qoffset,
      float[][] srow,
      String description,
      byte[] voxels) {

    public int voxel(int i, int j, int k) {
      return voxels[(k * dims[2] + j) * dims[1] + i] & 0xFF;
    }

    /** World (RAS, mm) coordinates of voxel (i, j, k) through the sform. */
    public double[] world(int i, int j, int k) {
      double[] result = new double[3];
      for (int r = 0; r < 3; r++) {
        result[r] = srow[r][0] * i + srow[r][1] * j + srow[r][2] * k + srow[r][3];
      }
      return result;
    }
  }

  /** Writes the labels of a rendered study with the orientation described above. */
  public static void writeLabels(Path file, RenderedStudy study) throws IOException {
    double[] p = study.imagePositionPatient(0);
    float d = (float) study.pixelSpacingMm();
    float s = (float) study.sliceSpacingMm();
    ByteBuffer header = ByteBuffer.allocate(VOX_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(0, HEADER_SIZE);
    header.put(38, (byte) 'r');
    short[] dim = {3, (short) study.columns(), (short) study.rows(), (short) study.slices(), 1, 1, 1, 1};
    for (int i = 0; i < 8; i++) {
      header.putShort(40 + 2 * i, dim[i]);
    }
    header.putShort(68, INTENT_LABEL);
    header.putShort(70, DATATYPE_UINT8);
    header.putShort(72, (short) 8);
    float[] pixdim = {-1, d, d, s, 0, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
      header.putFloat(76 + 4 * i, pixdim[i]);
    }
    header.putFloat(108, VOX_OFFSET);
    header.putFloat(112, 1);
    header.putFloat(116, 0);
    header.put(123, (byte) 2); // NIFTI_UNITS_MM
    header.putFloat(124, Vertebra.THORACIC_LABEL);
    header.putFloat(128, 0);
    byte[] description = "SpineStream phantom: 0 background, 1-7 C1-C7, 8 thoracic"
        .getBytes(StandardCharsets.US_ASCII);
    header.put(148, description, 0, Math.min(79, description.length));
    header.putShort(252, XFORM_SCANNER_ANAT);
    header.putShort(254, XFORM_SCANNER_ANAT);
    float[] quaternion = {0, 0, 1};
    float[] qoffset = {(float) -p[0], (float) -p[1], (float) p[2]};
    for (int i = 0; i < 3; i++) {
      header.putFloat(256 + 4 * i, quaternion[i]);
      header.putFloat(268 + 4 * i, qoffset[i]);
    }
    float[][] srow = {{-d, 0, 0, qoffset[0]}, {0, -d, 0, qoffset[1]}, {0, 0, -s, qoffset[2]}};
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 4; c++) {
        header.putFloat(280 + 16 * r + 4 * c, srow[r][c]);
      }
    }
    header.put(344, new byte[] {'n', '+', '1', 0});
    // bytes 348..351: extension flag, all zero (no extensions)
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(header.array());
      for (int k = 0; k < study.slices(); k++) {
        out.write(study.labels(k));
      }
    }
  }

  /** Reads a single-file NIfTI-1 volume of uint8 voxels written by {@link #writeLabels} or any other tool. */
  public static Image read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length < VOX_OFFSET) {
      throw new IOException(file + ": " + bytes.length + " bytes, too short for a NIfTI-1 file");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != HEADER_SIZE) {
      throw new IOException(file + ": sizeof_hdr is " + b.getInt(0) + ", not 348 little-endian");
    }
    String magic = new String(bytes, 344, 3, StandardCharsets.US_ASCII);
    if (!magic.equals("n+1")) {
      throw new IOException(file + ": magic is '" + magic + "', not a single-file NIfTI-1 ('n+1')");
    }
    int[] dims = new int[8];
    for (int i = 0; i < 8; i++) {
      dims[i] = b.getShort(40 + 2 * i);
    }
    short datatype = b.getShort(70);
    if (datatype != DATATYPE_UINT8) {
      throw new IOException(file + ": datatype " + datatype + ", only uint8 (2) is supported");
    }
    float[] pixdim = new float[8];
    for (int i = 0; i < 8; i++) {
      pixdim[i] = b.getFloat(76 + 4 * i);
    }
    float voxOffset = b.getFloat(108);
    float[] quaternion = {b.getFloat(256), b.getFloat(260), b.getFloat(264)};
    float[] qoffset = {b.getFloat(268), b.getFloat(272), b.getFloat(276)};
    float[][] srow = new float[3][4];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 4; c++) {
        srow[r][c] = b.getFloat(280 + 16 * r + 4 * c);
      }
    }
    int end = 148;
    while (end < 228 && bytes[end] != 0) {
      end++;
    }
    String description = new String(bytes, 148, end - 148, StandardCharsets.US_ASCII);
    long count = (long) dims[1] * dims[2] * dims[3];
    int offset = (int) voxOffset;
    if (offset + count > bytes.length) {
      throw new IOException(file + ": header promises " + count + " voxels at " + offset + ", file has "
          + bytes.length + " bytes");
    }
    byte[] voxels = new byte[(int) count];
    System.arraycopy(bytes, offset, voxels, 0, voxels.length);
    return new Image(dims, datatype, b.getShort(68), pixdim, voxOffset, b.getShort(252), b.getShort(254),
        quaternion, qoffset, srow, description, voxels);
  }
}
