package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.image.ImportResult;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * What this host answers as the other host of a push or pull: its cut, a plan of one of its images
 * and the records of the chunks a puller lacks; a pushed plan offered (its present chunks pinned at
 * once), its batches of records verified and pinned as they land, and the image made once they are
 * all here. Plans and lists arrive decoded: the caller decides how a malformed one is answered.
 */
public final class TransferEndpoint {
  private final TransferHost host;

  /** Also unpins the chunks of transfers given up on (see {@link TransferHost#dropIdlePins}). */
  public TransferEndpoint(TransferHost host) throws IOException {
    this.host = host;
    host.dropIdlePins();
  }

  /** How this host cuts files: what a sender's plan must use. */
  public ContentCut cut() {
    return host.images().contentCut();
  }

  /** The encoded plan of image {@code image}, its files cut by {@code cut}. */
  public byte[] plan(String image, ContentCut cut) throws IOException {
    return host.images().transferPlan(image, cut).encode();
  }

  /**
   * The records of the chunks {@code wanted} of image {@code image} (its files cut by {@code cut}),
   * spooled: the caller sends them and closes the spool.
   */
  public SpooledRecords records(String image, ContentCut cut, Map<Digest, Integer> wanted)
      throws IOException {
    String id = host.images().resolve(image);
    return host.spoolRecords(id, cut, wanted);
  }

  /**
   * The chunks of an offered plan this host lacks, in plan order, and the plan's id; the chunks it
   * has are pinned under the plan until it is applied.
   *
   * @param planId what later requests name the plan by
   * @param missing what this host lacks
   * @param all the plan's distinct chunks
   */
  public record Offer(Digest planId, Map<Digest, Integer> missing, Map<Digest, Integer> all) {
    /** {@link #missing} as a chunk list. */
    public byte[] list() {
      return ChunkLists.encode(missing);
    }

    public long missingBytes() {
      return TransferHost.bytes(missing);
    }

    public long allBytes() {
      return TransferHost.bytes(all);
    }
  }

  /** Takes an offered plan: pins it and the chunks of it this host has. */
  public Offer offer(TransferPlan plan) throws IOException {
    host.dropIdlePins();
    Map<Digest, Integer> missing = host.images().missing(plan);
    try (ChunkIntake intake = new ChunkIntake(host.chunks(), plan)) { // pinned for put, apply
      intake.pinPresent(TransferHost.present(plan, missing));
    }
    return new Offer(plan.id(), missing, plan.chunks());
  }

  /** The plan offered under {@code id}; NOT_FOUND if none (or applied already). */
  public TransferPlan offered(Digest id) throws IOException {
    return ChunkIntake.offered(host.chunks(), id);
  }

  /**
   * Stores the chunk records {@code records} of the offered {@code plan}, each verified against its
   * digest and pinned; the records before a bad one are kept. Returns the chunks and their bytes
   * taken ({@code bytes} of the counts is {@code recordBytes}, as the caller counted them).
   */
  public RecordCounts put(TransferPlan plan, InputStream records, long recordBytes)
      throws IOException {
    try (ChunkIntake intake = new ChunkIntake(host.chunks(), plan)) {
      intake.accept(records, plan.chunks(), "the sending host");
      return new RecordCounts(intake.chunks(), intake.bytes(), recordBytes);
    }
  }

  /** Makes the image of the offered {@code plan}, whose chunks have all arrived, and unpins it. */
  public ImportResult apply(TransferPlan plan) throws IOException {
    return host.images().receive(plan);
  }
}
