package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.DamageItem;
import io.strata.protocol.message.FsckEnd;
import io.strata.protocol.message.GcArgs;
import io.strata.protocol.message.GcReply;
import io.strata.protocol.message.GzipRecipeCount;
import io.strata.protocol.message.InfoReply;
import io.strata.store.Engine;
import io.strata.store.container.ContainerStore;
import io.strata.store.engine.FsckReport;
import io.strata.store.engine.GcResult;
import io.strata.store.engine.StoreInfo;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fleet.FleetGc;
import io.strata.store.gzip.RegenerationStats;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** {@code info}, {@code gc} and {@code fsck}: the store as a whole. */
final class StoreOperations {
  private static final System.Logger LOG = System.getLogger(StoreOperations.class.getName());

  private final Engine engine;
  private final ImageStore images;
  private final ContainerStore containers;
  private final Consumer<GcResult> gcListener;
  private final FsckListener fsckListener;
  private final FleetGc fleetGc;

  /**
   * {@code fleetGc}: the fleet's gc when the store is shared, else null; {@code images} and {@code
   * containers} name what damage affects.
   */
  StoreOperations(
      Engine engine,
      ImageStore images,
      ContainerStore containers,
      Consumer<GcResult> gcListener,
      FsckListener fsckListener,
      FleetGc fleetGc) {
    this.engine = engine;
    this.images = images;
    this.containers = containers;
    this.gcListener = gcListener;
    this.fsckListener = fsckListener;
    this.fleetGc = fleetGc;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.INFO, this::info);
    into.put(Opcode.GC, this::gc);
    into.put(Opcode.FSCK, this::fsck);
  }

  private Outcome info(byte[] json) throws IOException {
    Arguments.read(json, Object.class, Opcode.INFO);
    return new Outcome.Reply(reply(engine.info(), engine.blobs().regeneration()));
  }

  /** The wire form of the engine's figures. */
  static InfoReply reply(StoreInfo i, RegenerationStats gzip) {
    List<GzipRecipeCount> recipes = new ArrayList<>();
    gzip.snapshot()
        .forEach((family, f) -> recipes.add(new GzipRecipeCount(family, f.seen(), f.reproduced())));
    return new InfoReply(
        i.version(),
        io.strata.protocol.BuildInfo.CURRENT.commit(),
        io.strata.protocol.BuildInfo.CURRENT.committed(),
        i.driver(),
        i.dataRoot().toString(),
        i.compression(),
        i.chunks(),
        i.logicalBytes(),
        i.storedBytes(),
        i.indexBytes(),
        i.indexRamBytes(),
        i.uniqueBytes(),
        i.compressedBytes(),
        i.dedupRatio(),
        i.compressionRatio(),
        recipes,
        i.registryStagedBytes(),
        shared(i.shared()));
  }

  private static InfoReply.Shared shared(io.strata.store.remote.SharedStore.Stats s) {
    return s == null
        ? null
        : new InfoReply.Shared(
            s.location(),
            s.node(),
            s.bucketPacks(),
            s.bucketBytes(),
            s.pendingUploads(),
            s.cacheBytes(),
            s.cacheBudget(),
            s.cacheHits(),
            s.cacheMisses(),
            s.fetchedBytes(),
            s.uploadedBytes());
  }

  private Outcome gc(byte[] json) throws IOException {
    GcArgs args = Arguments.read(json, GcArgs.class, Opcode.GC);
    if (!args.forgetNodes().isEmpty()) {
      if (fleetGc == null) {
        throw new InvalidArgumentException(
            "gc --forget-node: "
                + engine.dataRoot()
                + " is not a shared store (stratad --store s3://...): it has no fleet");
      }
      fleetGc.forget(args.forgetNodes());
    }
    GcResult r = engine.gc();
    gcListener.accept(r);
    // A local gc's answer keeps its two keys; a fleet's adds how it emptied the packs it deleted.
    GcReply.Fleet fleet =
        r.fleet()
            ? new GcReply.Fleet(r.duplicatesDropped(), r.chunksRepacked(), r.packsDeleted())
            : null;
    return new Outcome.Reply(new GcReply(r.chunksRemoved(), r.bytesReclaimed(), fleet));
  }

  private Outcome fsck(byte[] json) throws IOException {
    Arguments.read(json, Object.class, Opcode.FSCK);
    FsckReport report;
    try {
      report = engine.fsck();
    } catch (IOException | RuntimeException e) {
      fsckListener.failed();
      throw e;
    }
    fsckListener.completed(report);
    // Named after the check, as the images and containers are now: the roots' names mean nothing
    // to a user.
    DamageUsers users =
        report.damaged().isEmpty()
            ? new DamageUsers(List.of())
            : DamageUsers.of(engine, images, containers);
    if (!report.damaged().isEmpty()) {
      // the request itself succeeds (OK): said here and by the listener's metrics, or the log
      // and metrics showed an fsck that found damage as any other (W2)
      var first = report.damaged().get(0);
      LOG.log(
          System.Logger.Level.WARNING,
          "fsck found {0} damaged chunks of {1} checked; the first: {2} ({3}), used by {4}",
          report.damaged().size(),
          report.chunksChecked(),
          first.chunk(),
          first.problem(),
          users.of(first.usedBy()));
    }
    JsonLinesStream lines =
        new JsonLinesStream(
            report.damaged().stream()
                .map(d -> new DamageItem(d.chunk(), d.problem(), users.of(d.usedBy())))
                .iterator());
    return new Outcome.Download(
        lines, () -> new FsckEnd(report.chunksChecked(), report.damaged().size(), report.notes()));
  }
}
