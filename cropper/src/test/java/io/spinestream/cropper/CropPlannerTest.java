package io.spinestream.cropper;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.cropper.CropPlanner.Region;
import io.spinestream.events.VoxelBox;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class CropPlannerTest {
  private final CropPlanner planner = new CropPlanner(10, 0.10);

  private static List<Region> slices(int n) {
    return new ArrayList<>(Collections.nCopies(n, (Region) null));
  }

  @Test
  void shouldSampleLikeNumpyLinspaceWhenTheRunIsLongerThan24() {
    // numpy.linspace(10, 109, 24).astype(int)
    assertThat(CropPlanner.linspaceIndices(10, 109, 24)).containsExactly(10, 14, 18, 22, 27, 31, 35, 40, 44, 48, 53,
        57, 61, 65, 70, 74, 78, 83, 87, 91, 96, 100, 104, 109);
  }

  @Test
  void shouldRepeatSlicesWhenTheRunIsShorterThan24() {
    // numpy.linspace(3, 7, 24).astype(int)
    assertThat(CropPlanner.linspaceIndices(3, 7, 24)).containsExactly(3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5,
        5, 5, 6, 6, 6, 6, 6, 7);
    assertThat(CropPlanner.linspaceIndices(5, 5, 24)).containsOnly(5).hasSize(24);
  }

  @Test
  void shouldBoxTheUnionOverTheLongestRunWithMargin() {
    List<Region> regions = slices(40);
    for (int k = 10; k < 20; k++) {
      regions.set(k, new Region(200, 100 + k, 200, 150 + k, 240));
    }
    VoxelBox box = planner.plan(regions, 512, 512).orElseThrow().box();
    // union x [110, 169), y [200, 240); margins floor(0.1*59)=5 and floor(0.1*40)=4
    assertThat(box).isEqualTo(new VoxelBox(105, 174, 196, 244, 10, 20));
  }

  @Test
  void shouldIgnoreStrayPixelsAndShorterRuns() {
    List<Region> regions = slices(60);
    regions.set(2, new Region(500, 0, 0, 512, 512));        // one big slice far away: run of 1
    regions.set(30, new Region(3, 0, 0, 512, 512));         // stray pixels below minPixels
    for (int k = 40; k < 45; k++) {
      regions.set(k, new Region(50, 200, 200, 260, 260));
    }
    CropPlanner.Plan plan = planner.plan(regions, 512, 512).orElseThrow();
    assertThat(plan.box().getZ0()).isEqualTo(40);
    assertThat(plan.box().getZ1()).isEqualTo(45);
    assertThat(plan.box().getX0()).isEqualTo(194);
    assertThat(plan.sampledIndices()).hasSize(24).first().isEqualTo(40);
    assertThat(plan.sampledIndices()).last().isEqualTo(44);
  }

  @Test
  void shouldPreferTheLargerTotalWhenRunsTie() {
    List<Region> regions = slices(20);
    for (int k = 0; k < 3; k++) {
      regions.set(k, new Region(20, 0, 0, 10, 10));
      regions.set(10 + k, new Region(90, 50, 50, 60, 60));
    }
    assertThat(planner.plan(regions, 100, 100).orElseThrow().box().getZ0()).isEqualTo(10);
  }

  @Test
  void shouldClampToTheImageAndKeepAtLeastOnePixelOfMargin() {
    List<Region> regions = slices(1);
    regions.set(0, new Region(15, 0, 0, 3, 5));
    assertThat(planner.plan(regions, 5, 3).orElseThrow().box()).isEqualTo(new VoxelBox(0, 3, 0, 5, 0, 1));
    List<Region> inside = slices(1);
    inside.set(0, new Region(15, 10, 10, 12, 12));
    assertThat(planner.plan(inside, 64, 64).orElseThrow().box()).isEqualTo(new VoxelBox(9, 13, 9, 13, 0, 1));
  }

  @Test
  void shouldReportNotFoundWithoutACountingSlice() {
    List<Region> regions = slices(30);
    regions.set(5, new Region(9, 0, 0, 5, 5));
    assertThat(planner.plan(regions, 64, 64)).isEmpty();
    assertThat(planner.plan(slices(0), 64, 64)).isEmpty();
  }
}
