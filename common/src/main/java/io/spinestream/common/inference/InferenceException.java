package io.spinestream.common.inference;

/** A forward pass failed (the input, not the service, is usually at fault: dead-letter it). */
public class InferenceException extends RuntimeException {
  public InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
