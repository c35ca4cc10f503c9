package io.spinestream.phantom;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Rasterises an {@link Anatomy} slice by slice. Voxels are point-sampled at their centres. Each slice depends only
 * on the anatomy and its own index (noise included), so slices render in parallel with identical results.
 */
final class StudyRenderer {
  static final long STREAM_NOISE = 4;

  /** 65536 standard normal deviates, indexed by 16 random bits per voxel: exact gaussian draws cost too much. */
  private static final float[] GAUSSIAN = gaussianTable();

  private final PhantomOptions options;
  private final int studyIndex;
  private final StudyMetadata metadata;
  private final Anatomy anatomy;
  private final int n;
  private final double spacing;
  private final double x0;
  private final double y0;
  private final double z0;
  private final int slices;

  StudyRenderer(PhantomOptions options, int studyIndex) {
    this.options = options;
    this.studyIndex = studyIndex;
    this.metadata = StudyMetadata.of(options, studyIndex);
    this.anatomy = new Anatomy(options, studyIndex, metadata.reconstructionCenterX(), metadata.reconstructionCenterY());
    this.n = options.matrix();
    this.spacing = options.pixelSpacingMm();
    double fov = options.fieldOfViewMm();
    this.x0 = metadata.reconstructionCenterX() - fov / 2 + spacing / 2;
    this.y0 = metadata.reconstructionCenterY() - fov / 2 + spacing / 2;
    this.z0 = anatomy.slabTopZ;
    this.slices = options.slices() > 0 ? options.slices()
        : (int) Math.ceil((anatomy.slabTopZ - anatomy.slabBottomZ) / options.sliceSpacingMm()) + 1;
  }

  RenderedStudy render() {
    short[][] hu = new short[slices][];
    byte[][] labels = new byte[slices][];
    IntStream.range(0, slices).parallel().forEach(k -> {
      hu[k] = new short[n * n];
      labels[k] = new byte[n * n];
      renderSlice(k, hu[k], labels[k]);
    });
    return new RenderedStudy(metadata, n, n, spacing, options.sliceSpacingMm(), options.effectiveSliceThicknessMm(),
        new double[] {x0, y0, z0}, hu, labels, anatomy.fractured, anatomy.fracturePlanes);
  }

  private void renderSlice(int k, short[] out, byte[] labels) {
    double z = z0 - k * options.sliceSpacingMm();
    float[] value = new float[n * n];
    renderSoftTissue(z, value);
    for (Anatomy.Disc disc : anatomy.discs) {
      renderDisc(disc, z, value);
    }
    float[] depth = null;
    for (Bone bone : anatomy.bones) {
      int[] box = voxelBox(bone.patientCorners(), z);
      if (box != null) {
        if (depth == null) {
          depth = new float[n * n];
          Arrays.fill(depth, Float.MAX_VALUE);
        }
        renderBone(bone, z, box, value, labels, depth);
      }
    }
    addNoiseAndRound(k, value, out);
  }

  /** Air, the neck with its fat layer, and the airway: evaluated in the anatomical frame. */
  private void renderSoftTissue(double z, float[] value) {
    Frame pose = anatomy.pose;
    double[] r = pose.r;
    float air = anatomy.airHu;
    float fat = anatomy.fatHu;
    float soft = anatomy.softTissueHu;
    double fatMm = anatomy.fatMm;
    for (int j = 0; j < n; j++) {
      double[] a = pose.toLocal(new double[] {x0, y0 + j * spacing, z});
      double ax = a[0];
      double ay = a[1];
      double az = a[2];
      int row = j * n;
      for (int i = 0; i < n; i++) {
        double h = -az;
        double hw = anatomy.neckHalfWidth.at(h);
        double hd = anatomy.neckHalfDepth.at(h);
        double u = ax / hw;
        double v = ay / hd;
        float hu;
        if (u * u + v * v > 1) {
          hu = air;
        } else {
          double ui = ax / (hw - fatMm);
          double vi = ay / (hd - fatMm);
          if (ui * ui + vi * vi > 1) {
            hu = fat;
          } else {
            double wu = ax / anatomy.airwayHalfWidth.at(h);
            double wv = (ay - anatomy.airwayY.at(h)) / anatomy.airwayHalfDepth.at(h);
            hu = wu * wu + wv * wv <= 1 ? air : soft;
          }
        }
        value[row + i] = hu;
        ax += r[0] * spacing;
        ay += r[1] * spacing;
        az += r[2] * spacing;
      }
    }
  }

  private void renderDisc(Anatomy.Disc disc, double z, float[] value) {
    Frame frame = disc.frame();
    Shape shape = disc.shape();
    double[][] corners = corners(frame, shape.minX, shape.maxX, shape.minY, shape.maxY, shape.minZ, shape.maxZ);
    int[] box = voxelBox(corners, z);
    if (box == null) {
      return;
    }
    double[] r = frame.r;
    float hu = disc.hu();
    for (int j = box[2]; j <= box[3]; j++) {
      double[] q = frame.toLocal(new double[] {x0 + box[0] * spacing, y0 + j * spacing, z});
      for (int i = box[0]; i <= box[1]; i++) {
        if (shape.distanceIfNear(q[0], q[1], q[2]) <= 0) {
          value[j * n + i] = hu;
        }
        q[0] += r[0] * spacing;
        q[1] += r[1] * spacing;
        q[2] += r[2] * spacing;
      }
    }
  }

  /** Bone wins over soft tissue and discs; where two bones overlap, the voxel goes to the one it is deeper in. */
  private void renderBone(Bone bone, double z, int[] box, float[] value, byte[] labels, float[] depth) {
    Frame frame = bone.frame;
    double[] r = frame.r;
    byte label = (byte) bone.label;
    for (int j = box[2]; j <= box[3]; j++) {
      double[] q = frame.toLocal(new double[] {x0 + box[0] * spacing, y0 + j * spacing, z});
      for (int i = box[0]; i <= box[1]; i++) {
        double d = bone.depth(q[0], q[1], q[2]);
        int index = j * n + i;
        if (d <= 0 && d < depth[index]) {
          depth[index] = (float) d;
          labels[index] = label;
          if (d == Bone.CLEFT) {
            value[index] = bone.fracture.cleftHu();
          } else {
            value[index] = d > -bone.corticalMm ? bone.corticalHu : bone.cancellousHu;
          }
        }
        q[0] += r[0] * spacing;
        q[1] += r[1] * spacing;
        q[2] += r[2] * spacing;
      }
    }
  }

  private void addNoiseAndRound(int k, float[] value, short[] out) {
    double sigma = options.noiseSigmaHu();
    if (sigma == 0) {
      for (int i = 0; i < value.length; i++) {
        out[i] = (short) PixelEncoding.clamp(Math.round(value[i]));
      }
      return;
    }
    float s = (float) sigma;
    Rng rng = Rng.of(options.seed(), studyIndex, STREAM_NOISE, k);
    long bits = 0;
    for (int i = 0; i < value.length; i++) {
      if ((i & 3) == 0) {
        bits = rng.nextLong();
      }
      float g = GAUSSIAN[(int) (bits & 0xFFFF)];
      bits >>>= 16;
      out[i] = (short) PixelEncoding.clamp(Math.round(value[i] + s * g));
    }
  }

  /** The voxel columns and rows [i0, i1, j0, j1] a box may cover, or null when the slice misses it. */
  private int[] voxelBox(double[][] corners, double z) {
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    double minZ = Double.MAX_VALUE;
    double maxZ = -Double.MAX_VALUE;
    for (double[] c : corners) {
      minX = Math.min(minX, c[0]);
      maxX = Math.max(maxX, c[0]);
      minY = Math.min(minY, c[1]);
      maxY = Math.max(maxY, c[1]);
      minZ = Math.min(minZ, c[2]);
      maxZ = Math.max(maxZ, c[2]);
    }
    if (z < minZ || z > maxZ) {
      return null;
    }
    int i0 = Math.max(0, (int) Math.floor((minX - x0) / spacing));
    int i1 = Math.min(n - 1, (int) Math.ceil((maxX - x0) / spacing));
    int j0 = Math.max(0, (int) Math.floor((minY - y0) / spacing));
    int j1 = Math.min(n - 1, (int) Math.ceil((maxY - y0) / spacing));
    if (i0 > i1 || j0 > j1) {
      return null;
    }
    return new int[] {i0, i1, j0, j1};
  }

  private static double[][] corners(Frame frame, double minX, double maxX, double minY, double maxY, double minZ,
      double maxZ) {
    List<double[]> corners = new ArrayList<>();
    for (double x : new double[] {minX, maxX}) {
      for (double y : new double[] {minY, maxY}) {
        for (double z : new double[] {minZ, maxZ}) {
          corners.add(frame.toParent(new double[] {x, y, z}));
        }
      }
    }
    return corners.toArray(new double[0][]);
  }

  private static float[] gaussianTable() {
    Rng rng = Rng.of(0x6761757373L); // fixed: the table is part of the format of the noise
    float[] table = new float[1 << 16];
    for (int i = 0; i < table.length; i++) {
      table[i] = (float) rng.gaussian();
    }
    return table;
  }
}
