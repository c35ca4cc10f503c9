package io.spinestream.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The soak's split of RSS into heap, native and file-backed pages, on this test's own JVM and on a known text. */
class ResidentSplitTest {
  private static final int MIB = 1024 * 1024;

  /** Held so that nothing collects them while they are measured. */
  private static final List<Object> held = new ArrayList<>();

  @Test
  void shouldCountHeapAndNativeGrowthEachInItsOwnPart() throws Exception {
    long pid = ProcessHandle.current().pid();
    List<long[]> heap = LiveHeap.afterFullCollection(pid).orElseThrow().reserved();
    assertThat(heap).as("heap ranges from GC.heap_info").isNotEmpty();
    ResidentSplit before = ResidentSplit.of(pid, heap).orElseThrow();
    assertThat(before.heapMib() + before.otherAnonymousMib() + before.fileMib())
        .as("the parts add up to VmRSS").isCloseTo(Rss.ofPid(pid).orElseThrow() / 1024, Offset.offset(16L));

    for (int i = 0; i < 128; i++) {
      byte[] page = new byte[MIB];
      Arrays.fill(page, (byte) i);
      held.add(page);
    }
    ResidentSplit heapHeld = ResidentSplit.of(pid, heap).orElseThrow();
    ByteBuffer direct = ByteBuffer.allocateDirect(64 * MIB); // zeroed, so every page is touched
    held.add(direct);
    ResidentSplit nativeHeld = ResidentSplit.of(pid, heap).orElseThrow();

    assertThat(heapHeld.heapMib()).as("128 MiB held on the heap are resident in it").isGreaterThanOrEqualTo(128);
    assertThat(nativeHeld.otherAnonymousMib() - heapHeld.otherAnonymousMib()).as("64 MiB of native memory")
        .isBetween(60L, 80L);
    assertThat(nativeHeld.heapMib() - heapHeld.heapMib()).as("heap while native memory grew").isLessThan(16);
    held.clear();
  }

  @Test
  void shouldSplitAKnownSmapsText() {
    String smaps = """
        700000000-708000000 rw-p 00000000 00:00 0
        Size:             131072 kB
        Rss:               65536 kB
        Anonymous:         65536 kB
        708000000-800000000 ---p 00000000 00:00 0
        Rss:                   0 kB
        Anonymous:             0 kB
        7f0000000000-7f0000400000 rw-p 00000000 00:00 0
        Rss:                4096 kB
        Anonymous:          3072 kB
        7f1000000000-7f1000a00000 r-xp 00000000 08:01 1234                       /usr/lib/libtorch_cpu.so
        Rss:               10240 kB
        Anonymous:             0 kB
        """;
    List<long[]> heap = List.of(new long[] {0x700000000L, 0x800000000L});
    assertThat(ResidentSplit.parse(smaps, heap)).isEqualTo(new ResidentSplit(64, 3, 11));
    assertThat(ResidentSplit.parse(smaps, List.of())).isEqualTo(new ResidentSplit(0, 67, 11));
  }

  @Test
  void shouldReportNothingForAProcessThatIsNotThere() {
    assertThat(ResidentSplit.of(Integer.MAX_VALUE - 7, List.of())).isEmpty();
  }
}
