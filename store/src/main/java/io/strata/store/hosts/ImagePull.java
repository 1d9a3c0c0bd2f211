package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.RejectedException;
import io.strata.store.image.ImageRef;
import io.strata.store.image.ImportResult;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fetches an image from another host: its plan, made to this host's cut, then only the chunks this
 * host lacks, in batches of at most 32 MiB, each verified and pinned as it lands (a pull that
 * breaks off resumes from the last batch that arrived, and keeps the whole chunks of the one that
 * broke), then the image is made from the plan.
 */
public final class ImagePull {
  private static final System.Logger LOG = System.getLogger(ImagePull.class.getName());

  private final TransferHost host;

  public ImagePull(TransferHost host) {
    this.host = host;
  }

  /** Pulls {@code image} (a name or id on {@code peer}), telling {@code progress} how far it is. */
  public TransferSummary run(String image, TransferPeer peer, ProgressListener progress)
      throws IOException {
    String where = peer.name();
    ContentCut cut = host.images().contentCut();
    ByteArrayOutputStream planBytes = new ByteArrayOutputStream();
    long wire =
        peer.plan(
            image,
            cut,
            new CappedOutputStream(
                planBytes, TransferHost.MAX_LIST_BYTES, "the plan from " + where));
    TransferPlan plan =
        RejectedException.ofContent(
            () ->
                TransferPlan.decode(
                    new ByteArrayInputStream(planBytes.toByteArray()), "the plan from " + where));
    String id = plan.imageId().toString();
    checkAsked(plan, id, image, where);
    Map<Digest, Integer> all = plan.chunks();
    host.dropIdlePins();
    Map<Digest, Integer> missing = host.images().missing(plan);
    progress.start(TransferHost.bytes(missing));
    long chunksSent;
    long bytesSent;
    try (ChunkIntake intake = new ChunkIntake(host.chunks(), plan)) {
      intake.pinPresent(TransferHost.present(plan, missing));
      for (Map<Digest, Integer> batch : TransferHost.batches(missing)) {
        wire += fetch(peer, id, cut, batch, intake, all);
        progress.sent(TransferHost.bytes(batch));
      }
      chunksSent = intake.chunks();
      bytesSent = intake.bytes();
    }
    ImportResult r = RejectedException.ofContent(() -> host.images().receive(plan));
    return TransferSummary.of(r.images().get(0).id(), plan, chunksSent, bytesSent, wire);
  }

  /**
   * Fetches one batch into {@code intake}; returns the bytes it put on the wire. What arrived of a
   * batch that broke off is kept, so that the next try skips it.
   */
  private long fetch(
      TransferPeer peer,
      String id,
      ContentCut cut,
      Map<Digest, Integer> batch,
      ChunkIntake intake,
      Map<Digest, Integer> all)
      throws IOException {
    String where = peer.name();
    byte[] list = ChunkLists.encode(batch);
    Path spool = host.spoolFile("fetch-");
    try {
      long records;
      // A batch's records cannot exceed its chunks' bytes by more than their headers and what
      // compression adds to incompressible data.
      long most = 2 * TransferHost.bytes(batch) + 64L * batch.size();
      try (OutputStream out =
          new CappedOutputStream(
              new BufferedOutputStream(Files.newOutputStream(spool)),
              most,
              "the chunks from " + where)) {
        records = peer.chunks(id, cut, list, out);
      } catch (IOException | RuntimeException e) {
        keepWhatArrived(spool, intake, all, where);
        throw e;
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(spool))) {
        RejectedException.ofContent(() -> intake.accept(in, all, where));
      }
      return list.length + records;
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  private static void keepWhatArrived(
      Path spool, ChunkIntake intake, Map<Digest, Integer> all, String where) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(spool))) {
      intake.accept(in, all, where);
    } catch (IOException | InvalidArgumentException | CorruptDataException e) {
      LOG.log(
          System.Logger.Level.DEBUG, "kept the whole chunks of a broken batch: {0}", e.toString());
    }
  }

  /**
   * Refuses a plan the other host sent for another image than the one asked for: named otherwise
   * than the name asked for, or (asked by id) with another id.
   */
  private static void checkAsked(TransferPlan plan, String id, String asked, String where) {
    String hex = asked.startsWith("sha256:") ? asked.substring(7) : asked;
    boolean byId = hex.length() >= 4 && hex.matches("[0-9a-f]+") && id.substring(7).startsWith(hex);
    boolean byName = !plan.name().isEmpty() && plan.name().equals(normalized(asked));
    if (!byId && !byName) {
      throw new RejectedException(
          where + " answered for " + asked + " with image " + id + " named '" + plan.name() + "'");
    }
  }

  private static String normalized(String ref) {
    try {
      return ImageRef.parse(ref).toString();
    } catch (InvalidArgumentException e) {
      return ref;
    }
  }
}
