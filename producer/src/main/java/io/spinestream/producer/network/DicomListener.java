package io.spinestream.producer.network;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts DICOM associations and decides, before PixelMed sees a byte, whether to serve them: the calling AE title
 * must be on the allow-list (when there is one), no more than {@code maxAssociations} are served at once, and what a
 * peer sends is read through a {@link PduGuardStream} (bounded PDUs and objects). A refused association gets the
 * standard A-ASSOCIATE-RJ, a peer that breaks a limit an A-ABORT; both are logged with the calling AE title and the
 * peer's address, and the listener goes on accepting.
 */
public final class DicomListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DicomListener.class);
  /** A peer has this long to send its A-ASSOCIATE-RQ (the ARTIM timer of PS3.8 plays this role). */
  private static final int ASSOCIATE_REQUEST_TIMEOUT_MS = 30_000;

  /**
   * @param allowedCallingAeTitles calling AE titles served; empty = any
   * @param maxAssociations associations served at once; more are rejected (transient, local limit exceeded)
   * @param maxPduBytes longest PDU read (the receiver offers 16 KiB; 1 MiB leaves room for any A-ASSOCIATE-RQ)
   * @param maxObjectBytes largest object (data set) received over one presentation context
   */
  public record Limits(Set<String> allowedCallingAeTitles, int maxAssociations, int maxPduBytes, long maxObjectBytes) {
    public Limits {
      allowedCallingAeTitles = Set.copyOf(allowedCallingAeTitles);
    }
  }

  /** What the listener refused, for metrics and dead letters. */
  public interface Events {
    /** An association refused or aborted: {@code reason} is a stable code, {@code detail} for people. */
    void refused(String reason, String callingAeTitle, String peer, String detail);

    /** An object larger than the limit was aborted mid-transfer: it never reaches the spool. */
    void objectTooLarge(String callingAeTitle, String peer, long bytesReceived, long limit);
  }

  /** Serves one admitted association (PixelMed's Storage SCP) on the guarded socket; returns when it ends. */
  public interface AssociationHandler {
    void serve(Socket socket, String callingAeTitle) throws Exception;
  }

  private final int port;
  private final Limits limits;
  private final Events events;
  private final AssociationHandler handler;
  private final Semaphore slots;
  private final AtomicInteger threadNumber = new AtomicInteger();
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "cstore-association-" + threadNumber.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });
  private ServerSocket server;
  private Thread acceptor;
  private volatile boolean closed;

  public DicomListener(int port, Limits limits, Events events, AssociationHandler handler) {
    this.port = port;
    this.limits = limits;
    this.events = events;
    this.handler = handler;
    this.slots = new Semaphore(limits.maxAssociations());
  }

  /** Binds the port (all interfaces, as DICOM peers expect) and starts accepting. */
  public void start() throws IOException {
    server = new ServerSocket(port);
    acceptor = new Thread(this::acceptLoop, "cstore-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.error("C-STORE receiver stopped accepting on port {}: {}", port, e.toString());
        }
        return;
      }
      if (!slots.tryAcquire()) {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        LOG.warn("refused an association from {}: already serving {} (producer.scp.max.associations)", peer,
            limits.maxAssociations());
        events.refused("TOO_MANY_ASSOCIATIONS", null, peer, "already serving " + limits.maxAssociations());
        answerAndClose(socket, Pdus.associateReject(Pdus.Rejection.LOCAL_LIMIT_EXCEEDED));
        continue;
      }
      workers.execute(() -> {
        try {
          admit(socket);
        } finally {
          slots.release();
        }
      });
    }
  }

  /** Reads the A-ASSOCIATE-RQ, checks the calling AE title, then lets PixelMed serve the association. */
  private void admit(Socket socket) {
    String peer = String.valueOf(socket.getRemoteSocketAddress());
    String[] calling = {null};
    try (socket) {
      PduGuardStream pdus = new PduGuardStream(socket.getInputStream(), limits.maxPduBytes(), limits.maxObjectBytes(),
          violation -> aborted(socket, calling[0], peer, violation));
      socket.setSoTimeout(ASSOCIATE_REQUEST_TIMEOUT_MS);
      byte[] request = pdus.firstPdu();
      if (Pdus.type(request) != Pdus.ASSOCIATE_RQ) {
        LOG.warn("aborted a connection from {}: it began with PDU type 0x{}, not an A-ASSOCIATE-RQ", peer,
            Integer.toHexString(Pdus.type(request)));
        events.refused("NOT_AN_ASSOCIATION", null, peer, "first PDU type 0x" + Integer.toHexString(Pdus.type(request)));
        answerAndClose(socket, Pdus.abortInvalidParameter());
        return;
      }
      calling[0] = Pdus.callingAeTitle(request);
      if (!allowed(calling[0])) {
        LOG.warn("rejected an association from calling AE title '{}' at {}: not in producer.scp.allowed.calling.ae.titles",
            Pdus.printable(calling[0]), peer);
        events.refused("CALLING_AE_NOT_ALLOWED", Pdus.printable(calling[0]), peer,
            "calling AE title not in producer.scp.allowed.calling.ae.titles");
        answerAndClose(socket, Pdus.associateReject(Pdus.Rejection.CALLING_AE_NOT_RECOGNIZED));
        return;
      }
      socket.setSoTimeout(0);
      handler.serve(new GuardedSocket(socket, pdus), calling[0]);
    } catch (PduGuardStream.Violation e) {
      // aborted() has answered and logged; PixelMed's own report of the failed read adds nothing.
      LOG.debug("association from {} ended by a violation: {}", peer, e.getMessage());
    } catch (Exception e) {
      if (!closed) {
        LOG.warn("association from '{}' at {} failed: {}", Pdus.printable(calling[0]), peer, e.toString());
      }
    }
  }

  private boolean allowed(String callingAeTitle) {
    if (limits.allowedCallingAeTitles().isEmpty()) {
      return true;
    }
    // AE titles are case-sensitive in the standard, but scanners are configured by hand: an allow-list entry
    // differing only in case is far more likely a typo than a different device.
    return callingAeTitle != null && limits.allowedCallingAeTitles().stream()
        .anyMatch(t -> t.toUpperCase(Locale.ROOT).equals(callingAeTitle.toUpperCase(Locale.ROOT)));
  }

  private void aborted(Socket socket, String callingAeTitle, String peer, PduGuardStream.Violation violation) {
    LOG.warn("aborted the association from '{}' at {}: {}", Pdus.printable(callingAeTitle), peer,
        violation.getMessage());
    if (violation.objectTooLarge()) {
      events.objectTooLarge(Pdus.printable(callingAeTitle), peer, violation.bytes(), limits.maxObjectBytes());
    } else {
      events.refused("PDU_TOO_LARGE", Pdus.printable(callingAeTitle), peer, violation.getMessage());
    }
    answerAndClose(socket, Pdus.abortInvalidParameter());
  }

  private static void answerAndClose(Socket socket, byte[] pdu) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(pdu);
      out.flush();
      socket.shutdownOutput();
    } catch (IOException e) {
      LOG.debug("could not answer {}: {}", socket.getRemoteSocketAddress(), e.toString());
    } finally {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a socket that failed: nothing left to do
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      LOG.debug("closing the C-STORE port: {}", e.toString());
    }
    // Associations in progress finish (their objects are spooled and acknowledged); no new ones start.
    workers.shutdown();
  }
}
