package io.strata.store.hosts;

import io.strata.store.transfer.ContentCut;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The other host of a push or pull, as the transfer needs it. A call the other host refuses or
 * fails throws an exception whose message names that host (the server's adapter keeps the other
 * host's status); {@link #put} and {@link #apply} throw {@link PlanNotOfferedException} when the
 * other host does not know the plan (any more), which a push answers by offering it again.
 */
public interface TransferPeer {
  /** The other host as messages name it ({@code stratad at HOST:PORT}). */
  String name();

  /** How the other host cuts files ({@link ContentCut#text()}), for a plan made to its cut. */
  String cut() throws IOException;

  /**
   * Writes the plan of the other host's image {@code image}, its files cut by {@code cut}, to
   * {@code out}; returns the plan's bytes.
   */
  long plan(String image, ContentCut cut, OutputStream out) throws IOException;

  /**
   * Asks for the chunks the chunk list {@code list} names, of the other host's image {@code
   * imageId}; their records go to {@code records} as they arrive. Returns the records' bytes.
   */
  long chunks(String imageId, ContentCut cut, byte[] list, OutputStream records) throws IOException;

  /**
   * Offers the encoded plan {@code plan}; the chunk list of what the other host lacks goes to
   * {@code missing}. Returns the plan's id as the other host knows it.
   */
  String offer(byte[] plan, OutputStream missing) throws IOException;

  /** Sends a batch of chunk records of the offered plan {@code planId}; returns what it took. */
  RecordCounts put(String planId, SpooledRecords records) throws IOException;

  /** Has the other host make the image of the offered plan {@code planId}, its chunks all sent. */
  void apply(String planId) throws IOException;
}
