package io.spinestream.common.streams;

import io.spinestream.events.DeadLetter;

/**
 * A record value after decoding inside a topology: the value, or the dead letter that replaces a poison
 * record. Topologies read raw bytes and decode in a processor (not in the source's serde) so that a
 * poison record's dead letter is written in the same exactly-once transaction as everything else.
 */
public sealed interface Decoded<V> permits Decoded.Value, Decoded.Poison {

  record Value<V>(V value) implements Decoded<V> {}

  record Poison<V>(DeadLetter deadLetter) implements Decoded<V> {}
}
