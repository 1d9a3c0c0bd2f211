package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.store.Engine;
import io.strata.store.container.ContainerStore;
import io.strata.store.engine.GcResult;
import io.strata.store.image.ImageStore;
import io.strata.store.registry.RegistryStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The opcodes this server serves and the operation for each. An opcode without an entry (one this
 * build knows but does not serve yet, or one it does not know at all) is answered UNIMPLEMENTED by
 * the dispatcher.
 */
public final class Operations {
  private final Map<Opcode, Operation> byOpcode;
  private final ProducerThreads producers;
  private final MountOperations mounts;
  private final ImageStore images;
  private final Predicate<String> imageInUse;
  private final Path dataRoot;
  // the engine's full-disk listeners (the registry's blob cache gives its space back)
  private final Consumer<String> diskFull;
  // The fleet's images, when the chunk store shares a bucket; else null.
  private io.strata.store.fleet.Catalogue catalogue;
  private io.strata.store.fleet.FleetGc fleetGc;

  private Operations(
      Map<Opcode, Operation> byOpcode,
      ProducerThreads producers,
      MountOperations mounts,
      ImageStore images,
      Predicate<String> imageInUse,
      Path dataRoot,
      Consumer<String> diskFull) {
    this.byOpcode = byOpcode;
    this.dataRoot = dataRoot;
    this.diskFull = diskFull;
    this.producers = producers;
    this.mounts = mounts;
    this.images = images;
    this.imageInUse = imageInUse;
  }

  /** Whether a container uses the image with that id (what an image removal must respect). */
  public Predicate<String> imageInUse() {
    return imageInUse;
  }

  /** The data root the operations work on: what a failure for a full disk names. */
  public Path dataRoot() {
    return dataRoot;
  }

  /** A request met a full disk ({@code why}): tells the engine's full-disk listeners. */
  public void diskFull(String why) {
    diskFull.accept(why);
  }

  /** The data root's images, which the registry endpoint shares. */
  public ImageStore images() {
    return images;
  }

  /**
   * The operations over {@code engine}; {@code gcListener} hears of every finished gc; bind mounts
   * may have their sources under {@code allowedBindRoots} only. Opens the data root's images and
   * containers, which repairs what a crash cut short.
   */
  public static Operations over(
      Engine engine, Consumer<GcResult> gcListener, List<Path> allowedBindRoots)
      throws IOException {
    return over(engine, gcListener, FsckListener.NONE, allowedBindRoots);
  }

  /** As {@link #over(Engine, Consumer, List)}; {@code fsckListener} hears how every fsck ended. */
  public static Operations over(
      Engine engine,
      Consumer<GcResult> gcListener,
      FsckListener fsckListener,
      List<Path> allowedBindRoots)
      throws IOException {
    Map<Opcode, Operation> m = new EnumMap<>(Opcode.class);
    Path tmp = engine.dataRoot().resolve("tmp");
    ProducerThreads producers = new ProducerThreads();
    // The fleet's gc first: gc --forget-node goes through it.
    io.strata.store.fleet.FleetGc fleetGc =
        engine.chunks().shared() == null
            ? null
            : io.strata.store.fleet.FleetGc.join(engine.chunks());
    new BlobOperations(engine.blobs(), tmp).register(m);
    new DriverOperations(engine).register(m);
    ImageStore images = ImageStore.open(engine);
    ContainerStore containers = ContainerStore.open(engine, images, allowedBindRoots);
    new StoreOperations(engine, images, containers, gcListener, fsckListener, fleetGc).register(m);
    BuildPins pins = new BuildPins();
    ImageUse use = pins.guarding(containers::imageUsers);
    new ImageOperations(images, use, tag -> RegistryStore.servesAsPushed(engine.chunks(), tag))
        .register(m);
    new ImageTarOperations(
            images, tmp, producers, new BuildPulls(images, engine.chunks(), tmp, pins))
        .register(m);
    new HostTransferOperations(images, engine.chunks(), tmp, producers).register(m);
    new ContainerOperations(images, containers).register(m);
    new DiskUsageOperations(engine.chunks(), images, containers).register(m);
    new ContainerTarOperations(containers, producers, tmp).register(m);
    new FileOperations(containers, tmp).register(m);
    new VolumeOperations(containers.volumes()).register(m);
    MountOperations mounts = new MountOperations(containers, engine.dataRoot(), allowedBindRoots);
    mounts.register(m);
    new ContainerPruneOperation(containers, mounts::mounted).register(m);
    Operations ops =
        new Operations(
            m, producers, mounts, images, use::inUse, engine.dataRoot(), engine::diskFull);
    if (engine.chunks().shared() != null) {
      ops.catalogue = io.strata.store.fleet.Catalogue.start(engine.chunks(), images);
      ops.fleetGc = fleetGc;
    }
    return ops;
  }

  /** The operation of wire opcode {@code code}, or null when it is not served. */
  public Operation find(int code) {
    Opcode op = Opcode.of(code);
    return op == null ? null : byOpcode.get(op);
  }

  /** As {@link #shutdown(Duration, long)}, serving no busy mount any longer. */
  public boolean shutdown(Duration wait) throws InterruptedException {
    return shutdown(wait, System.nanoTime());
  }

  /**
   * Stops the threads that produce exports, copies, build logs and transfers, once the requests are
   * answered; waits up to twice {@code wait} for those still running to notice, and says whether
   * they all stopped. Then unmounts every container mount (each made durable first), before the
   * engine closes; one a process still uses is served until it is released or {@code
   * mountsBusyDeadline} ({@link System#nanoTime}) passes.
   */
  public boolean shutdown(Duration wait, long mountsBusyDeadline) throws InterruptedException {
    boolean stopped = producers.shutdown(wait);
    if (catalogue != null) {
      catalogue.close(); // publishes what is queued; the next start publishes what is not
      fleetGc.close();
    }
    try {
      mounts.close(mountsBusyDeadline);
    } catch (IOException e) {
      System.getLogger(Operations.class.getName())
          .log(System.Logger.Level.WARNING, "unmounting at stop: {0}", e.toString());
    }
    return stopped;
  }
}
