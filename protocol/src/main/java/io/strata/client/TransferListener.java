package io.strata.client;

/** Told how a streamed payload advances, for progress bars. */
@FunctionalInterface
public interface TransferListener {
  /** Does nothing. */
  TransferListener NONE = bytes -> {};

  /** {@code bytes} more payload bytes have been sent or received. */
  void transferred(long bytes);
}
