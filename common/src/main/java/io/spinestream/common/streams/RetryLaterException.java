package io.spinestream.common.streams;

/**
 * A failure of something outside the record (registry or broker unreachable): the record is fine and must
 * be processed again, not dead-lettered. Thrown out of a processor it stops the stream thread, which
 * {@link StreamsRunner} replaces; the task resumes from its last committed offsets.
 */
public class RetryLaterException extends RuntimeException {
  public RetryLaterException(String message, Throwable cause) {
    super(message, cause);
  }
}
