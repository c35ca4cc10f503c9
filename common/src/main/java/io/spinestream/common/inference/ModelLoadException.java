package io.spinestream.common.inference;

/**
 * A model cannot be started: missing or mismatching files, an invalid or unexpected model card, a model that
 * does not behave as its card says, or an engine/device that cannot run it. The message is one line that names
 * the file (or setting) and the fix; a service logs it and exits non-zero.
 */
public class ModelLoadException extends RuntimeException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
