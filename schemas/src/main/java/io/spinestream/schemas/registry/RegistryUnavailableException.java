package io.spinestream.schemas.registry;

/**
 * No registry answered within the configured retries: connection refused, timed out, or 5xx/429 each
 * time. Retriable: the caller may back off and try again later, unlike a {@link SchemaRegistryException}
 * with a 4xx status, which will not change by retrying.
 */
public class RegistryUnavailableException extends SchemaRegistryException {
  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public RegistryUnavailableException(String message, int httpStatus) {
    super(message, httpStatus, httpStatus);
  }
}
