package io.spinestream.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The soak's live-heap probe, on this test's own JVM through the real jcmd. */
class LiveHeapTest {
  private static final int MIB = 1024 * 1024;

  /** Held so that the full collection cannot take it. */
  private static final List<byte[]> held = new ArrayList<>();

  @Test
  void shouldSeeMemoryHeldAfterAFullCollectionAndNotWhatWasReleased() throws Exception {
    long pid = ProcessHandle.current().pid();
    LiveHeap before = LiveHeap.afterFullCollection(pid).orElseThrow();
    for (int i = 0; i < 96; i++) {
      held.add(new byte[MIB]);
    }
    LiveHeap holding = LiveHeap.afterFullCollection(pid).orElseThrow();
    held.clear();
    LiveHeap released = LiveHeap.afterFullCollection(pid).orElseThrow();

    assertThat(holding.usedMib() - before.usedMib()).as("96 MiB held").isBetween(90L, 110L);
    assertThat(holding.committedMib()).isGreaterThanOrEqualTo(holding.usedMib());
    assertThat(holding.usedMib() - released.usedMib()).as("96 MiB released").isBetween(90L, 110L);
  }

  @Test
  void shouldSumTheHeapSpacesOfEachCollectorsReport() {
    String serial = """
         def new generation   total 9792K, used 3264K [0x00000000c0000000, 0x00000000c0aa0000)
          eden space 8704K,  37% used [0x00000000c0000000, 0x00000000c0330000)
          from space 1088K,   0% used [0x00000000c0330000, 0x00000000c0440000)
         tenured generation   total 21888K, used 1561K [0x00000000d5550000, 0x00000000d6aa0000)
           the space 21888K,   7% used [0x00000000d5550000, 0x00000000d56d6508)
         Metaspace       used 6109K, committed 6272K, reserved 1114112K
        """;
    assertThat(LiveHeap.parse(serial)).contains(new LiveHeap((3264 + 1561) / 1024, (9792 + 21888) / 1024));
    String g1 = """
         garbage-first heap   total 262144K, used 204800K [0x0000000700000000, 0x0000000800000000)
          region size 1024K, 6 young (6144K), 0 survivors (0K)
         Metaspace       used 6109K, committed 6272K, reserved 1114112K
        """;
    assertThat(LiveHeap.parse(g1)).contains(new LiveHeap(200, 256));
    assertThat(LiveHeap.parse(g1).orElseThrow().reserved())
        .containsExactly(new long[] {0x700000000L, 0x800000000L});
    String serialJdk17 = """
         def new generation   total 116224K, used 90003K [0x00000000d0000000, 0x00000000d7e10000, 0x00000000e0000000)
          eden space 103360K,  83% used [0x00000000d0000000, 0x00000000d542d910, 0x00000000d64f0000)
         tenured generation   total 258048K, used 31439K [0x00000000e0000000, 0x00000000efc00000, 0x0000000100000000)
           the space 258048K,  12% used [0x00000000e0000000, 0x00000000e1eb3f58, 0x00000000e1eb4000, 0x00000000efc00000)
        """;
    assertThat(LiveHeap.parse(serialJdk17).orElseThrow().reserved()).as("the reserved range of each generation")
        .containsExactly(new long[] {0xd0000000L, 0xe0000000L}, new long[] {0xe0000000L, 0x100000000L});
    assertThat(LiveHeap.parse("Could not attach to 123")).isEqualTo(Optional.empty());
  }

  @Test
  void shouldReportNothingForAProcessThatIsNotThere() throws Exception {
    assertThat(LiveHeap.afterFullCollection(-1)).isEmpty();
    assertThat(LiveHeap.afterFullCollection(Integer.MAX_VALUE - 7)).isEmpty();
  }
}
