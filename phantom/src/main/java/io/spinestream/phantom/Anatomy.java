package io.spinestream.phantom;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The anatomy of one study, in millimetres and therefore independent of the matrix. Built in an anatomical
 * frame (x to the patient's left, y posterior, z superior; origin on the midline at the tip of the dens, y = 0 at
 * the centre of the neck), then placed in the patient frame by a random pose: rotation of up to ±4 degrees about
 * each axis, ±5 mm off the reconstruction centre (itself ±10 mm in x, ±30 mm in y, like a table offset), the dens
 * tip at patient z -120..-40 mm.
 *
 * <p>Nominal sizes (adult, before the per-study scale of 0.9..1.1 and a per-vertebra jitter of ±2 %):
 * <ul>
 *   <li>Neck: elliptic cross-section, semi-axes 57 x 57 mm down to C6, widening to 72 x 63 mm at T3
 *       (its own scale 0.9..1.1); subcutaneous fat layer 4..9 mm (-110..-90 HU) around soft tissue (35..45 HU);
 *       air (-1000 HU) outside.
 *   <li>Airway (-1000 HU): a 26 x 14 mm pharynx 4 mm in front of C1/C2, narrowing through the larynx to a
 *       17 x 15 mm trachea 12 mm in front of the bodies from C7 down.
 *   <li>Spine: dens tip to C2 bottom 38 mm; bodies C2 16, C3-C5 13.5, C6 14, C7 15, T1..T5 17..21 mm high,
 *       8..15 mm lateral and 7.4..13 mm AP semi-axes growing downward, discs 5..6 mm (70..90 HU).
 *       The centre line has a cervical lordosis: y = 5 - D sin(pi t), t = 0 at C1 and 1 at T1, D = 5..11 mm,
 *       so thoracic levels bend back (kyphosis); each vertebra is tilted to the local tangent.
 *   <li>Vertebrae: a body (elliptic cylinder, flat posterior wall), pedicles, articular pillars, laminae meeting
 *       in a spinous process (10 mm at C3 to 22 mm at C7, 24 mm at T1, pointing down), transverse processes.
 *       C1 is a ring (anterior arch, posterior arch, lateral masses, transverse processes with foramina), no
 *       body; C2 has the dens (5 mm radius) rising into the ring 2.5 mm behind the anterior arch.
 *   <li>Bone: cortical rim 1.3..1.7 mm thick (850..1350 HU), cancellous core 220..330 HU, per vertebra.
 *   <li>Unlabelled bone, as distractors for segmentation: occipital condyles and the rim of the foramen magnum
 *       above C1, the hyoid in front of C3.
 *   <li>Level landmarks, unlabelled, as a real neck CT shows them around the spine on an axial slice (without
 *       them a 2.5D model cannot tell C4 from C5 on one slice, which real data lets it): the body of the
 *       mandible (a bony U at the levels of C2 and C3), the thyroid cartilage (a shield in front of the airway
 *       over C4 and C5, 200..300 HU rim, partly calcified), the cricoid cartilage (a ring around the airway at
 *       C6), and at T1 the first ribs and the lung apices (-850 HU) on both sides.
 * </ul>
 *
 * <p>Fractures cut one part of a vertebra: the body (C2..C7), the dens (C2, half of its fractures, a plane
 * within ~25 degrees of axial at the dens base), or the anterior or posterior arch of C1 (a plane across the
 * arch). The cleft is a slab 1..2 mm thick (at least 1.05 x the coarsest voxel spacing, so that it always shows)
 * through a random point of that part, at a random orientation for bodies, filled with 40..60 HU; the part on the
 * positive side of the plane is shifted 1..3 mm parallel to the plane (a step-off). The other parts of the
 * vertebra are untouched. Labels: cleft voxels inside the vertebra keep the vertebra's label (the segmentation
 * outlines the whole broken vertebra, as in the RSNA masks), the displaced fragment carries it to its new
 * place, and voxels the fragment left become background.
 */
final class Anatomy {
  static final long STREAM_ANATOMY = 1;
  static final long STREAM_FRACTURE_CHOICE = 2;
  static final long STREAM_FRACTURE_GEOMETRY = 3;
  static final long STREAM_LANDMARKS = 4;

  /** Margin of the automatic slab above the highest C1/C2 point and below the lowest T2 point. */
  static final double SLAB_MARGIN_MM = 10;

  // Level table of C2..T5: body half-width, half-depth, height, disc below, spinous length, drop, radius.
  private static final String[] LEVEL_NAMES = {"C2", "C3", "C4", "C5", "C6", "C7", "T1", "T2", "T3", "T4", "T5"};
  private static final double[][] LEVELS = {
      {8.5, 7.5, 16.0, 5.0, 0, 0, 0},
      {8.0, 7.4, 13.5, 5.0, 10, 0.30, 2.6},
      {8.4, 7.6, 13.5, 5.0, 11, 0.30, 2.6},
      {9.0, 7.8, 13.5, 5.5, 12, 0.35, 2.7},
      {10.0, 8.0, 14.0, 5.5, 15, 0.40, 2.8},
      {11.0, 8.5, 15.0, 6.0, 22, 0.45, 3.3},
      {12.5, 9.0, 17.0, 6.0, 24, 0.60, 3.5},
      {13.5, 10.0, 18.0, 6.0, 24, 0.70, 3.5},
      {14.0, 11.0, 19.0, 6.0, 23, 0.80, 3.5},
      {14.5, 12.0, 20.0, 6.0, 23, 0.90, 3.5},
      {15.0, 13.0, 21.0, 6.0, 22, 0.90, 3.5}};
  /** Top of the C2 body below the dens tip. */
  private static final double C2_BODY_TOP_MM = 22;
  /** Centre of the C1 ring below the dens tip. */
  private static final double C1_CENTER_MM = 8.5;

  final Frame pose;
  final List<Bone> bones = new ArrayList<>();
  final List<Disc> discs = new ArrayList<>();
  final List<FracturePlane> fracturePlanes = new ArrayList<>();
  final Set<Vertebra> fractured;
  final Profile neckHalfWidth;
  final Profile neckHalfDepth;
  final Profile airwayY;
  final Profile airwayHalfWidth;
  final Profile airwayHalfDepth;
  final double fatMm;
  final short airHu = -1000;
  final short fatHu;
  final short softTissueHu;
  /** Patient z of the top of the automatic slab and of its bottom. */
  final double slabTopZ;
  final double slabBottomZ;

  private final double scale;
  private final double lordosisMm;
  private final double tiltRangeMm;
  private final double[] levelCenterH = new double[LEVELS.length];
  private final double[][] levelSize = new double[LEVELS.length][];
  private final Rng rng;

  /** A disc between two bodies: one elliptic cylinder of uniform density, never labelled. */
  record Disc(Frame frame, Shape shape, short hu) {}

  Anatomy(PhantomOptions options, int studyIndex, double reconstructionCenterX, double reconstructionCenterY) {
    rng = Rng.of(options.seed(), studyIndex, STREAM_ANATOMY);
    scale = rng.uniform(0.9, 1.1);
    double neckScale = rng.uniform(0.9, 1.1);
    lordosisMm = rng.uniform(5, 11);
    fatMm = rng.uniform(4, 9);
    fatHu = (short) Math.round(rng.uniform(-110, -90));
    softTissueHu = (short) Math.round(rng.uniform(35, 45));
    double degree = Math.PI / 180;
    double[] origin = {
        reconstructionCenterX + rng.uniform(-5, 5),
        reconstructionCenterY + rng.uniform(-5, 5),
        Math.round(rng.uniform(-120, -40) * 8) / 8.0};
    pose = Frame.ofAngles(rng.uniform(-4, 4) * degree, rng.uniform(-4, 4) * degree, rng.uniform(-4, 4) * degree,
        origin);

    // Levels: sizes with jitter, heights stacked downward from the dens tip.
    double h = C2_BODY_TOP_MM * scale;
    for (int l = 0; l < LEVELS.length; l++) {
      double jitter = rng.uniform(0.98, 1.02);
      double[] row = LEVELS[l];
      levelSize[l] = new double[] {row[0] * scale * jitter, row[1] * scale * jitter, row[2] * scale * jitter};
      levelCenterH[l] = h + levelSize[l][2] / 2;
      h += levelSize[l][2] + row[3] * scale;
    }
    tiltRangeMm = levelCenterH[6] - C1_CENTER_MM * scale;

    double s = scale;
    double[] keyH = {-60 * s, 40 * s, 75 * s, 100 * s, 130 * s, 500};
    neckHalfWidth = Profile.of(new double[] {-60, 100 * s, 130 * s, 200 * s, 500},
        times(neckScale, 57, 57, 60, 72, 72), -80, 520);
    neckHalfDepth = Profile.of(new double[] {-60, 100 * s, 130 * s, 200 * s, 500},
        times(neckScale, 57, 57, 59, 63, 63), -80, 520);
    airwayHalfWidth = Profile.of(keyH, times(s, 13, 12, 9, 8.5, 8.5, 8.5), -80, 520);
    airwayHalfDepth = Profile.of(keyH, times(s, 7, 7, 8, 7.5, 7.5, 7.5), -80, 520);
    double[] gap = times(s, 4, 4, 6, 10, 12, 12);
    double[] frontH = new double[LEVELS.length + 1];
    double[] frontY = new double[LEVELS.length + 1];
    frontH[0] = C1_CENTER_MM * s;
    frontY[0] = centerY(frontH[0]) - 1 * s - 14.5 * s; // C1's anterior arch, in front of the dens
    for (int l = 0; l < LEVELS.length; l++) {
      frontH[l + 1] = levelCenterH[l];
      frontY[l + 1] = centerY(levelCenterH[l]) - levelSize[l][1];
    }
    double[] sampleH = new double[1041];
    double[] sampleY = new double[sampleH.length];
    for (int i = 0; i < sampleH.length; i++) {
      sampleH[i] = -80 + 0.5 * i;
      double front = Profile.interpolate(frontH, frontY, sampleH[i]);
      sampleY[i] = front - Profile.interpolate(keyH, gap, sampleH[i])
          - airwayHalfDepth.at(sampleH[i]);
    }
    airwayY = Profile.of(sampleH, sampleY, -80, 440);

    // Fractures are drawn from their own streams so that forcing one never changes the anatomy.
    fractured = chooseFractures(options, studyIndex);
    buildBones(options, studyIndex);

    double top = -Double.MAX_VALUE;
    double bottom = Double.MAX_VALUE;
    for (Bone bone : bones) {
      for (double[] corner : bone.patientCorners()) {
        if (bone.name.equals("C1") || bone.name.equals("C2")) {
          top = Math.max(top, corner[2]);
        }
        if (bone.name.equals("T2")) {
          bottom = Math.min(bottom, corner[2]);
        }
      }
    }
    slabTopZ = Math.ceil((top + SLAB_MARGIN_MM) * 8) / 8.0;
    slabBottomZ = bottom - SLAB_MARGIN_MM;
  }

  static Set<Vertebra> chooseFractures(PhantomOptions options, int studyIndex) {
    Set<Vertebra> override = options.fractureOverrides().get(studyIndex);
    if (override != null) {
      return override.isEmpty() ? EnumSet.noneOf(Vertebra.class) : EnumSet.copyOf(override);
    }
    Rng choice = Rng.of(options.seed(), studyIndex, STREAM_FRACTURE_CHOICE);
    var result = EnumSet.noneOf(Vertebra.class);
    for (Vertebra vertebra : Vertebra.values()) {
      if (choice.chance(options.fractureProbability())) {
        result.add(vertebra);
      }
    }
    return result;
  }

  /** Lordotic centre line: y of the spine axis at depth h. */
  private double centerY(double h) {
    double t = (h - C1_CENTER_MM * scale) / tiltRangeMm;
    return 5 * scale - lordosisMm * StrictMath.sin(Math.PI * t);
  }

  /** dy/dh of the centre line. */
  private double centerSlope(double h) {
    double t = (h - C1_CENTER_MM * scale) / tiltRangeMm;
    return -lordosisMm * Math.PI / tiltRangeMm * StrictMath.cos(Math.PI * t);
  }

  private Frame levelFrame(double h) {
    return Frame.sagittalTilt(centerSlope(h), new double[] {0, centerY(h), -h});
  }

  private void buildBones(PhantomOptions options, int studyIndex) {
    double s = scale;
    double maxSpacing = Math.max(options.sliceSpacingMm(), options.pixelSpacingMm());
    Frame c2 = levelFrame(levelCenterH[0]);
    Frame c1 = new Frame(Frame.IDENTITY.r, new double[] {0, -1 * s, levelCenterH[0] - C1_CENTER_MM * s}).within(c2);

    List<Bone> anatomical = new ArrayList<>();
    anatomical.add(atlas(c1));
    anatomical.add(axis(c2));
    for (int l = 1; l < LEVELS.length; l++) {
      Frame frame = levelFrame(levelCenterH[l]);
      boolean thoracic = LEVEL_NAMES[l].startsWith("T");
      anatomical.add(thoracic ? thoracic(l, frame) : subaxial(l, frame));
    }
    anatomical.add(skullBase(c1));
    anatomical.add(hyoid(levelFrame(levelCenterH[1])));
    Rng landmarks = Rng.of(options.seed(), studyIndex, STREAM_LANDMARKS);
    anatomical.add(mandible(landmarks));
    anatomical.add(thyroidCartilage(landmarks));
    anatomical.add(cricoidCartilage(landmarks));
    anatomical.add(firstRibs(landmarks));
    anatomical.add(lungApices(landmarks));

    for (Bone bone : anatomical) {
      Bone placed = new Bone(bone.name, bone.label, bone.frame.within(pose), List.of(bone.solids),
          List.of(bone.holes), bone.corticalMm, bone.corticalHu, bone.cancellousHu, null);
      if (bone.label >= 1 && bone.label <= 7 && fractured.contains(Vertebra.ofLabel(bone.label))) {
        Vertebra vertebra = Vertebra.ofLabel(bone.label);
        Rng geometry = Rng.of(options.seed(), studyIndex, STREAM_FRACTURE_GEOMETRY, vertebra.ordinal());
        placed = fracture(placed, vertebra, geometry, maxSpacing);
      }
      bones.add(placed);
    }

    for (int l = 0; l + 1 < LEVELS.length; l++) {
      discs.add(disc(l));
    }
  }

  private Bone bone(String name, int label, Frame frame, List<Shape> solids, List<Shape> holes) {
    double cortical = rng.uniform(1.3, 1.7);
    short corticalHu = (short) Math.round(rng.uniform(850, 1350));
    short cancellousHu = (short) Math.round(rng.uniform(220, 330));
    return new Bone(name, label, frame, solids, holes, cortical, corticalHu, cancellousHu, null);
  }

  /** C1: a ring without a body. Solid 0 is the anterior arch, 1 the posterior arch (fracture targets). */
  private Bone atlas(Frame frame) {
    double s = scale;
    List<Shape> solids = new ArrayList<>();
    solids.add(new Shape.RingSector(0, 8.5 * s, 17 * s, 18.5 * s, 2.5 * s, -1e9, -2 * s, -5 * s, 5 * s));
    solids.add(new Shape.RingSector(0, 8.5 * s, 17 * s, 18.5 * s, 3.0 * s, 6 * s, 1e9, -4 * s, 3 * s));
    List<Shape> holes = new ArrayList<>();
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.EllipticCylinder(side * 15.5 * s, 2 * s, 6.5 * s, 8.5 * s, -6.5 * s, 5.5 * s));
      solids.add(new Shape.Bar(side * 19 * s, 2 * s, side * 32 * s, 4 * s, 3.5 * s, -3.5 * s, 3.5 * s));
      holes.add(new Shape.EllipticCylinder(side * 24.5 * s, 3 * s, 2.2 * s, 2.2 * s, -10 * s, 10 * s));
    }
    return bone("C1", 1, frame, solids, holes);
  }

  /** C2: body (solid 0) with the dens (solid 1) rising into the C1 ring, and a massive posterior arch. */
  private Bone axis(Frame frame) {
    double s = scale;
    double[] size = levelSize[0];
    double a = size[0];
    double b = size[1];
    double hb = size[2] / 2;
    double tip = levelCenterH[0]; // the dens tip, above the body centre
    List<Shape> solids = new ArrayList<>();
    solids.add(new Shape.EllipticCylinder(0, 0, a, b, -hb, hb, 0.8 * b));
    solids.add(new Shape.Capsule(new double[] {0, -1 * s, hb - 4 * s}, new double[] {0, -1 * s, tip - 5 * s}, 5 * s));
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.EllipticCylinder(side * 13.5 * s, 1.5 * s, 5.5 * s, 7 * s, hb - 6 * s, hb + 5 * s));
      solids.add(new Shape.Bar(side * 10 * s, 5 * s, side * 13 * s, 14 * s, 3 * s, -5 * s, hb + 1 * s));
      solids.add(new Shape.EllipticCylinder(side * 13.5 * s, 16 * s, 5 * s, 5.5 * s, -hb - 2.5 * s, 1 * s));
      solids.add(new Shape.Bar(side * 13 * s, 18 * s, 0, 25 * s, 2.6 * s, -hb - 1 * s, 5 * s));
      solids.add(new Shape.Bar(side * (a - 1), 1 * s, side * 19 * s, 3 * s, 2.5 * s, -3 * s, 5 * s));
    }
    solids.add(new Shape.Capsule(new double[] {0, 24 * s, -3 * s}, new double[] {0, 36 * s, -9 * s}, 4 * s));
    return bone("C2", 2, frame, solids, List.of());
  }

  /** C3..C7. Solid 0 is the body. */
  private Bone subaxial(int level, Frame frame) {
    double s = scale;
    double[] size = levelSize[level];
    double a = size[0];
    double b = size[1];
    double hb = size[2] / 2;
    double[] row = LEVELS[level];
    double spinous = row[4] * s;
    double widen = 0.3 * (a - 8 * s);
    List<Shape> solids = new ArrayList<>();
    solids.add(new Shape.EllipticCylinder(0, 0, a, b, -hb, hb, 0.8 * b));
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.Bar(side * (a - 2 * s), 0.5 * b, side * (15 * s + widen), b + 4 * s, 2.8 * s,
          -0.3 * hb, 0.9 * hb));
      solids.add(new Shape.EllipticCylinder(side * (16.5 * s + widen), b + 6.5 * s, 4.5 * s, 6.5 * s,
          -hb - 1.8 * s, hb + 0.8 * s));
      solids.add(new Shape.Bar(side * (15.5 * s + widen), b + 10 * s, 0, b + 15.5 * s, 2.2 * s, -0.8 * hb,
          0.6 * hb));
      solids.add(new Shape.Bar(side * (a - 1 * s), 0.2 * b, side * (a + 11 * s + widen), 0.6 * b, 2.6 * s,
          -0.3 * hb, 0.5 * hb));
    }
    double z0 = -0.1 * hb;
    solids.add(new Shape.Capsule(new double[] {0, b + 14.5 * s, z0},
        new double[] {0, b + 14.5 * s + spinous, z0 - row[5] * spinous}, row[6] * s));
    return bone(LEVEL_NAMES[level], level + 2, frame, solids, List.of());
  }

  /** T1..T5, all labelled {@link Vertebra#THORACIC_LABEL}. Solid 0 is the body. */
  private Bone thoracic(int level, Frame frame) {
    double s = scale;
    double[] size = levelSize[level];
    double a = size[0];
    double b = size[1];
    double hb = size[2] / 2;
    double[] row = LEVELS[level];
    double spinous = row[4] * s;
    List<Shape> solids = new ArrayList<>();
    solids.add(new Shape.EllipticCylinder(0, 0, a, b, -hb, hb, 0.85 * b));
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.Bar(side * (a - 3 * s), 0.6 * b, side * (a - 1 * s), b + 7 * s, 3.2 * s, -0.1 * hb,
          0.9 * hb));
      solids.add(new Shape.EllipticCylinder(side * (a - 0.5 * s), b + 9 * s, 4.5 * s, 5 * s, -hb - 1.5 * s,
          hb + 0.5 * s));
      solids.add(new Shape.Bar(side * (a - 1 * s), b + 11 * s, 0, b + 17 * s, 2.6 * s, -0.9 * hb, 0.6 * hb));
      solids.add(new Shape.Bar(side * (a - 0.5 * s), b + 9 * s, side * (a + 15 * s), b + 14 * s, 4.5 * s,
          -0.3 * hb, 0.6 * hb));
    }
    double z0 = -0.2 * hb;
    solids.add(new Shape.Capsule(new double[] {0, b + 16 * s, z0},
        new double[] {0, b + 16 * s + spinous, z0 - row[5] * spinous}, row[6] * s));
    return bone(LEVEL_NAMES[level], Vertebra.THORACIC_LABEL, frame, solids, List.of());
  }

  /** Occipital condyles on C1's lateral masses and the posterior rim of the foramen magnum: unlabelled. */
  private Bone skullBase(Frame c1) {
    double s = scale;
    List<Shape> solids = new ArrayList<>();
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.EllipticCylinder(side * 14 * s, 1 * s, 6.5 * s, 9 * s, 7.5 * s, 45 * s));
    }
    solids.add(new Shape.RingSector(0, 10 * s, 20 * s, 22 * s, 3.5 * s, 10 * s, 1e9, 14 * s, 45 * s));
    return bone("occiput", Vertebra.BACKGROUND_LABEL, c1, solids, List.of());
  }

  /** The hyoid bone, a U in front of the airway at C3: unlabelled. */
  private Bone hyoid(Frame c3) {
    double s = scale;
    double front = -levelSize[1][1] - 25 * s;
    List<Shape> solids = List.of(
        new Shape.RingSector(0, front + 12 * s, 17 * s, 12 * s, 1.8 * s, -1e9, front + 9 * s, -3 * s, 3 * s));
    return bone("hyoid", Vertebra.BACKGROUND_LABEL, c3, solids, List.of());
  }

  /** Anterior edge of the neck at height h, in the local frame of the level centred at h (tilt neglected). */
  private double neckFrontLocal(double h) {
    return -neckHalfDepth.at(h) - centerY(h);
  }

  /** Centre of the airway at height h, in the local frame of the level centred at h (tilt neglected). */
  private double airwayLocal(double h) {
    return airwayY.at(h) - centerY(h);
  }

  /** The body of the mandible: a bony U 10..14 mm inside the front of the neck, from C2's centre to C3's. */
  private Bone mandible(Rng g) {
    double s = scale;
    double h = levelCenterH[0];
    double front = neckFrontLocal(h) + g.uniform(10, 14) * s;
    double a = g.uniform(34, 40) * s;
    double b = g.uniform(26, 32) * s;
    double drop = levelCenterH[1] - levelCenterH[0];
    List<Shape> solids = List.of(new Shape.RingSector(0, front + b, a, b, 3.5 * s, -1e9, front + b, -drop, 2 * s));
    return new Bone("mandible", Vertebra.BACKGROUND_LABEL, levelFrame(h), solids, List.of(), g.uniform(1.5, 2.5),
        (short) Math.round(g.uniform(1100, 1500)), (short) Math.round(g.uniform(250, 350)), null);
  }

  /** The thyroid cartilage: a shield around the front of the airway over C4 and C5, partly calcified. */
  private Bone thyroidCartilage(Rng g) {
    double s = scale;
    double h = (levelCenterH[2] + levelCenterH[3]) / 2;
    double airway = airwayLocal(h);
    double half = (levelCenterH[3] - levelCenterH[2]) / 2 + 6 * s;
    double a = airwayHalfWidth.at(h) + g.uniform(7, 9) * s;
    double b = airwayHalfDepth.at(h) + g.uniform(6, 8) * s;
    List<Shape> solids = List.of(new Shape.RingSector(0, airway, a, b, 1.6 * s, -1e9, airway + 2 * s, -half, half));
    return new Bone("thyroid cartilage", Vertebra.BACKGROUND_LABEL, levelFrame(h), solids, List.of(), 0.8,
        (short) Math.round(g.uniform(200, 300)), (short) Math.round(g.uniform(110, 150)), null);
  }

  /** The cricoid cartilage: a complete ring around the airway at C6, 9..11 mm high. */
  private Bone cricoidCartilage(Rng g) {
    double s = scale;
    double h = levelCenterH[4];
    double airway = airwayLocal(h);
    double half = g.uniform(4.5, 5.5) * s;
    List<Shape> solids = List.of(new Shape.RingSector(0, airway, airwayHalfWidth.at(h) + 3 * s,
        airwayHalfDepth.at(h) + 3 * s, 1.8 * s, -1e9, 1e9, -half, half));
    return new Bone("cricoid cartilage", Vertebra.BACKGROUND_LABEL, levelFrame(h), solids, List.of(), 0.8,
        (short) Math.round(g.uniform(250, 350)), (short) Math.round(g.uniform(120, 160)), null);
  }

  /** The first ribs: from beside T1's body, curving forward and out. */
  private Bone firstRibs(Rng g) {
    double s = scale;
    double h = levelCenterH[6];
    double w = levelSize[6][0];
    double reach = g.uniform(42, 50) * s;
    List<Shape> solids = new ArrayList<>();
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.Capsule(new double[] {side * (w + 6 * s), 6 * s, 0},
          new double[] {side * reach, -8 * s, -6 * s}, 3.2 * s));
      solids.add(new Shape.Capsule(new double[] {side * reach, -8 * s, -6 * s},
          new double[] {side * (reach - 6 * s), -30 * s, -14 * s}, 3.0 * s));
    }
    return new Bone("first ribs", Vertebra.BACKGROUND_LABEL, levelFrame(h), solids, List.of(), g.uniform(1.0, 1.5),
        (short) Math.round(g.uniform(800, 1100)), (short) Math.round(g.uniform(200, 300)), null);
  }

  /** The lung apices: air on both sides of the spine from just above T1 downward. */
  private Bone lungApices(Rng g) {
    double s = scale;
    double h = levelCenterH[6];
    double w = levelSize[6][0];
    double top = levelSize[6][2] / 2 + g.uniform(2, 8) * s;
    List<Shape> solids = new ArrayList<>();
    for (int side = -1; side <= 1; side += 2) {
      solids.add(new Shape.EllipticCylinder(side * (w + 24 * s), -6 * s, 16 * s, 20 * s, -90 * s, top));
    }
    short air = (short) Math.round(g.uniform(-870, -830));
    return new Bone("lung apices", Vertebra.BACKGROUND_LABEL, levelFrame(h), solids, List.of(), 0.1, air, air, null);
  }

  /** The disc below level l: between the endplates of bodies l and l + 1, overlapping both a little. */
  private Disc disc(int level) {
    Frame upper = levelFrame(levelCenterH[level]);
    Frame lower = levelFrame(levelCenterH[level + 1]);
    double[] bottomOfUpper = upper.toParent(new double[] {0, 0, -levelSize[level][2] / 2});
    double[] topOfLower = lower.toParent(new double[] {0, 0, levelSize[level + 1][2] / 2});
    double[] middle = {0, (bottomOfUpper[1] + topOfLower[1]) / 2, (bottomOfUpper[2] + topOfLower[2]) / 2};
    double h = -middle[2];
    double dy = bottomOfUpper[1] - topOfLower[1];
    double dz = bottomOfUpper[2] - topOfLower[2];
    double height = Math.sqrt(dy * dy + dz * dz);
    Frame frame = Frame.sagittalTilt(centerSlope(h), middle);
    double a = 0.97 * (levelSize[level][0] + levelSize[level + 1][0]) / 2;
    double b = 0.97 * (levelSize[level][1] + levelSize[level + 1][1]) / 2;
    Shape shape = new Shape.EllipticCylinder(0, 0, a, b, -height / 2 - 0.8, height / 2 + 0.8, 0.8 * b);
    return new Disc(frame.within(pose), shape, (short) Math.round(rng.uniform(70, 90)));
  }

  /** Breaks one part of a vertebra with a cleft plane and a step-off, described in local coordinates. */
  private Bone fracture(Bone bone, Vertebra vertebra, Rng g, double maxSpacingMm) {
    double s = scale;
    int solid;
    String part;
    double[] point;
    double[] normal;
    switch (vertebra) {
      case C1 -> {
        boolean anterior = g.chance(0.5);
        double phi = g.uniform(-0.7, 0.7);
        double sin = StrictMath.sin(phi);
        double cos = StrictMath.cos(phi);
        solid = anterior ? 0 : 1;
        part = anterior ? "anterior arch" : "posterior arch";
        point = new double[] {17 * s * sin, 8.5 * s + (anterior ? -1 : 1) * 18.5 * s * cos, 0};
        // across the arch: along its tangent, tilted up to ~25 degrees
        double[] tangent = {17 * cos, (anterior ? 1 : -1) * 18.5 * sin, 0};
        normal = tilt(tangent, g, 0.45);
      }
      case C2 -> {
        boolean dens = g.chance(0.5);
        if (dens) {
          solid = 1;
          part = "dens";
          double hb = levelSize[0][2] / 2;
          point = new double[] {0, -1 * s, hb + g.uniform(0, 6) * s};
          normal = tilt(new double[] {0, 0, 1}, g, 0.45);
        } else {
          solid = 0;
          part = "body";
          point = bodyPoint(0, g);
          normal = g.unitVector();
        }
      }
      default -> {
        solid = 0;
        part = "body";
        point = bodyPoint(vertebra.ordinal() - 1, g);
        normal = g.unitVector();
      }
    }
    double thickness = Math.max(g.uniform(1.0, 2.0), 1.05 * maxSpacingMm);
    double[] along = g.unitVector();
    double dot = along[0] * normal[0] + along[1] * normal[1] + along[2] * normal[2];
    double[] shift = normalize(new double[] {
        along[0] - dot * normal[0], along[1] - dot * normal[1], along[2] - dot * normal[2]});
    double magnitude = g.uniform(1.0, 3.0);
    double[] displacement = {shift[0] * magnitude, shift[1] * magnitude, shift[2] * magnitude};
    short cleftHu = (short) Math.round(g.uniform(40, 60));
    var local = new Bone.Fracture(solid, point, normal, thickness / 2, displacement, cleftHu);
    fracturePlanes.add(new FracturePlane(vertebra, part, bone.frame.toParent(point),
        bone.frame.directionToParent(normal), thickness, bone.frame.directionToParent(displacement), cleftHu));
    return bone.withFracture(local);
  }

  /** A random point in the central part of a level's body, where a cleft cuts the body clearly. */
  private double[] bodyPoint(int level, Rng g) {
    double[] size = levelSize[level];
    return new double[] {g.uniform(-0.4, 0.4) * size[0], g.uniform(-0.4, 0.3) * size[1],
        g.uniform(-0.35, 0.35) * size[2] / 2};
  }

  /** The direction tilted randomly by up to about maxRadians. */
  private static double[] tilt(double[] direction, Rng g, double maxRadians) {
    double[] d = normalize(direction);
    double[] r = g.unitVector();
    double amount = g.uniform(0, StrictMath.tan(maxRadians));
    return normalize(new double[] {d[0] + amount * r[0], d[1] + amount * r[1], d[2] + amount * r[2]});
  }

  private static double[] normalize(double[] v) {
    double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    return new double[] {v[0] / n, v[1] / n, v[2] / n};
  }

  private static double[] times(double factor, double... values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = factor * values[i];
    }
    return result;
  }
}
