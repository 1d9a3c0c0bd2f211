package io.strata.store.fs;

import java.io.IOException;

/**
 * The changes a view held for its next sync ({@link FileSystemView#deferSync}) were dropped: a
 * change failed after it stored part of itself, or a full disk left them no room. Its own type so
 * that whoever reports it again (a mount, naming itself) says "were lost" once, with {@link
 * #reason}, rather than around this message.
 */
public final class HeldChangesLost extends IOException {
  private final String reason;

  public HeldChangesLost(Throwable cause) {
    super("changes held since the last sync were lost: " + cause.getMessage(), cause);
    this.reason = cause.getMessage();
  }

  /** Why they were lost: the failure's own message, without "were lost". */
  public String reason() {
    return reason;
  }

  /** Why {@code e} lost changes: {@link #reason} when it is one of these, else its message. */
  public static String reasonOf(Throwable e) {
    return e instanceof HeldChangesLost h ? h.reason() : e.getMessage();
  }
}
