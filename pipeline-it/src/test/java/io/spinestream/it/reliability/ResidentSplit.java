package io.spinestream.it.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a JVM's resident memory is, from {@code /proc/PID/smaps}: the Java heap's pages (the mappings inside the
 * ranges {@code GC.heap_info} reports as reserved), the other anonymous pages (metaspace, code cache, thread
 * stacks, malloc: libtorch, RocksDB, the JDK's own native memory) and file-backed pages (the JDK, the shared
 * libraries, memory-mapped files). RSS alone mixes a heap whose committed pages are first touched over time,
 * which is bounded by -Xmx, with native growth, which nothing bounds; this split tells them apart.
 *
 * @param heapMib resident pages of the Java heap
 * @param otherAnonymousMib resident anonymous pages outside the heap (native memory)
 * @param fileMib resident file-backed pages
 */
record ResidentSplit(long heapMib, long otherAnonymousMib, long fileMib) {

  /** Empty when the process is gone or its smaps cannot be read. */
  static Optional<ResidentSplit> of(long pid, List<long[]> heapRanges) {
    try {
      return Optional.of(parse(Files.readString(Path.of("/proc", String.valueOf(pid), "smaps")), heapRanges));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * @param smaps the text of {@code /proc/PID/smaps}: a header line per mapping ("start-end perms ..."), then
   *     "Key:   value kB" lines
   * @param heapRanges {start, end} half-open address ranges of the heap
   */
  static ResidentSplit parse(String smaps, List<long[]> heapRanges) {
    long heapKib = 0;
    long anonymousKib = 0;
    long fileKib = 0;
    boolean inHeap = false;
    long rss = 0;
    long anonymous = 0;
    boolean mapping = false;
    for (String line : (smaps + "\n0-0 ---p 0 0:0 0\n").split("\n")) {
      int dash = line.indexOf('-');
      int space = line.indexOf(' ');
      boolean header = dash > 0 && space > dash && isHex(line, 0, dash) && isHex(line, dash + 1, space);
      if (header) {
        if (mapping) {
          if (inHeap) {
            heapKib += rss;
          } else {
            anonymousKib += anonymous;
            fileKib += rss - anonymous;
          }
        }
        long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
        inHeap = heapRanges.stream().anyMatch(r -> start >= r[0] && start < r[1]);
        rss = 0;
        anonymous = 0;
        mapping = true;
      } else if (line.startsWith("Rss:")) {
        rss = kib(line);
      } else if (line.startsWith("Anonymous:")) {
        anonymous = kib(line);
      }
    }
    return new ResidentSplit(heapKib / 1024, anonymousKib / 1024, fileKib / 1024);
  }

  private static boolean isHex(String line, int from, int to) {
    for (int i = from; i < to; i++) {
      if (Character.digit(line.charAt(i), 16) < 0) {
        return false;
      }
    }
    return to > from;
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }
}
