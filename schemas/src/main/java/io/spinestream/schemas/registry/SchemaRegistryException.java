package io.spinestream.schemas.registry;

/**
 * The schema registry answered with an error. {@link #errorCode()} is the Confluent REST error code
 * (for example 40401 subject not found, 40403 schema not found, 409 incompatible schema, 42201 invalid
 * schema), or the HTTP status when the registry sent none.
 */
public class SchemaRegistryException extends RuntimeException {
  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;

  private final int httpStatus;
  private final int errorCode;

  public SchemaRegistryException(String message, int httpStatus, int errorCode) {
    super(message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = -1;
    this.errorCode = -1;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public int errorCode() {
    return errorCode;
  }

  /** True for "not found" answers (unknown subject, version or schema). */
  public boolean isNotFound() {
    return httpStatus == 404;
  }
}
