package io.spinestream.common.kafka;

import java.util.Properties;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Turns the Kafka client's failures at start into one line that says what is wrong and which setting fixes it. The
 * client's own messages ("Authentication failed during authentication due to invalid credentials") name neither the
 * broker nor the settings involved.
 */
public final class KafkaErrors {
  private KafkaErrors() {}

  /** What went wrong talking to Kafka (the bootstrap servers of {@code properties}), with the fix when known. */
  public static String explain(Throwable error, Properties properties) {
    String servers = String.valueOf(properties.get("bootstrap.servers"));
    String protocol = String.valueOf(properties.getOrDefault("security.protocol", "PLAINTEXT"));
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SaslAuthenticationException) {
        return "Kafka at " + servers + " refused the login (authentication failed: " + t.getMessage() + "): check "
            + "kafka.sasl.username and kafka.sasl.password(.file), and that kafka.sasl.mechanism ("
            + properties.getOrDefault("sasl.mechanism", "unset") + ") is one the listener offers";
      }
      if (t instanceof SslAuthenticationException) {
        return "TLS handshake with Kafka at " + servers + " failed (" + root(t) + "): the broker's certificate is not "
            + "trusted or does not name the host: set kafka.ssl.truststore.location to a trust store holding its CA, "
            + "and connect by a name the certificate holds";
      }
      if (t instanceof AuthorizationException) {
        return "Kafka at " + servers + " does not allow this user to do it (" + t.getMessage() + "): the cluster's "
            + "administrator grants it with ACLs";
      }
      if (t instanceof java.util.concurrent.TimeoutException
          || t instanceof org.apache.kafka.common.errors.TimeoutException) {
        return "no answer from Kafka at " + servers + " (" + t.getMessage() + "): is it reachable, and does "
            + "kafka.security.protocol (" + protocol + ") match that listener's protocol?";
      }
    }
    return "Kafka at " + servers + ": " + error.getMessage();
  }

  private static String root(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
