package io.strata.server.op;

import io.strata.fuse.FuseMount;
import io.strata.fuse.FuseMounts;
import io.strata.protocol.Opcode;
import io.strata.protocol.message.ContainerRemoveArgs;
import io.strata.protocol.message.MountArgs;
import io.strata.protocol.message.MountReply;
import io.strata.store.container.ContainerConfig;
import io.strata.store.container.ContainerStore;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code container.mount|umount}: a container's file system served at a directory of the server's
 * host through FUSE ({@link FuseMounts}), for people and their tools. Mount points follow the rule
 * bind sources follow: the server touches host paths only under an {@code --allow-bind} directory,
 * and never inside its data root.
 */
final class MountOperations {
  private static final System.Logger LOG = System.getLogger(MountOperations.class.getName());
  private final ContainerStore containers;
  private final Path dataRoot;
  private final List<Path> allowed;
  private final FuseMounts mounts;
  private final Map<Path, ContainerConfig> mounted = new ConcurrentHashMap<>();

  MountOperations(ContainerStore containers, Path dataRoot, List<Path> allowedRoots) {
    this.containers = containers;
    this.dataRoot = real(dataRoot);
    this.allowed = new ArrayList<>();
    for (Path p : allowedRoots) {
      allowed.add(real(p));
    }
    // closed by the server's stop, which serves busy mounts for its grace (no exit hook of theirs)
    this.mounts = new FuseMounts(dataRoot, false);
    // Mounts a killed server left answer ENOTCONN until someone detaches them: this server does.
    for (Path root : allowed) {
      try {
        FuseMounts.detachStaleBelow(root);
      } catch (IOException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "stale mounts under {0} were not detached: {1}",
            root,
            e.getMessage());
      }
    }
  }

  /**
   * Registers the two opcodes, and guards {@code container.rm} (registered before) so that a
   * mounted container is not removed from under its mount.
   */
  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.CONTAINER_MOUNT, this::mount);
    into.put(Opcode.CONTAINER_UMOUNT, this::umount);
    // What reads or changes a container's content beside its mount first gets what the mount's
    // processes wrote (docs/MOUNTS.md, "Reading a mounted container"): a reader sees it, and a
    // change lands after it, in the order the user made them, not undone by held writes the
    // mount settled later (docs/ADVERSARIAL.md, M1).
    for (Opcode reader :
        List.of(
            Opcode.CONTAINER_COMMIT,
            Opcode.CONTAINER_DIFF,
            Opcode.CONTAINER_EXPORT,
            Opcode.CONTAINER_COPY_OUT,
            Opcode.CONTAINER_COPY_IN,
            Opcode.FS_STAT,
            Opcode.FS_LIST,
            Opcode.FS_READ,
            Opcode.FS_WRITE,
            Opcode.FS_CHANGE)) {
      Operation read = into.get(reader);
      if (read != null) {
        into.put(
            reader,
            json -> {
              flushIfMounted(json, reader);
              return read.start(json);
            });
      }
    }
    Operation remove = into.get(Opcode.CONTAINER_REMOVE);
    if (remove != null) {
      into.put(
          Opcode.CONTAINER_REMOVE,
          json -> {
            refuseIfMounted(json);
            return remove.start(json);
          });
    }
  }

  private void refuseIfMounted(byte[] json) {
    ContainerRemoveArgs args =
        Arguments.read(json, ContainerRemoveArgs.class, Opcode.CONTAINER_REMOVE);
    if (args.container() == null || args.container().isEmpty()) {
      return;
    }
    Path at = mountedAt(containers.inspect(args.container()).id());
    if (at != null) {
      throw new ConflictException(
          "container " + args.container() + " is mounted at " + at + "; run strata umount " + at);
    }
  }

  /** Flushes the mount of the container the request names, if it is mounted. */
  private void flushIfMounted(byte[] json, Opcode op) throws IOException {
    String ref = Arguments.field(json, "container", op);
    if (ref == null || ref.isEmpty() || mounted.isEmpty()) {
      return;
    }
    Path at;
    try {
      at = mountedAt(containers.inspect(ref).id());
    } catch (NotFoundException e) {
      return; // the operation itself says so
    }
    FuseMount m = at == null ? null : mounts.find(at);
    if (m != null) {
      m.flush();
    }
  }

  /** Whether container {@code id} is mounted now ({@code container.prune} leaves it). */
  boolean mounted(String id) {
    return mountedAt(id) != null;
  }

  /** Where container {@code id} is mounted now, or null. */
  private Path mountedAt(String id) {
    // A mount a plain umount ended is no longer served: its entry goes (N7).
    mounted.keySet().removeIf(at -> mounts.find(at) == null);
    for (Map.Entry<Path, ContainerConfig> e : mounted.entrySet()) {
      if (e.getValue().id().equals(id) && mounts.find(e.getKey()) != null) {
        return e.getKey();
      }
    }
    return null;
  }

  private Outcome mount(byte[] json) throws IOException {
    MountArgs args = Arguments.read(json, MountArgs.class, Opcode.CONTAINER_MOUNT);
    if (args.container() == null || args.container().isEmpty()) {
      throw new InvalidArgumentException("container.mount: the argument container is missing");
    }
    Path dir = mountPoint(args, Opcode.CONTAINER_MOUNT);
    ContainerConfig c = containers.inspect(args.container());
    // One mount per container: two would each hold changes of the one view for their own syncs.
    Path at = mountedAt(c.id());
    if (at != null) {
      throw new ConflictException("container " + args.container() + " is already mounted at " + at);
    }
    FuseMount m = mounts.mount(containers.view(c.id()), dir, false);
    mounted.put(m.mountPoint(), c);
    return new Outcome.Reply(new MountReply(c.id(), c.name(), m.mountPoint().toString()));
  }

  private Outcome umount(byte[] json) throws IOException {
    MountArgs args = Arguments.read(json, MountArgs.class, Opcode.CONTAINER_UMOUNT);
    Path dir = mountPoint(args, Opcode.CONTAINER_UMOUNT);
    FuseMount m = mounts.find(dir);
    if (m == null) {
      if (FuseMounts.detachIfStale(dir)) {
        // a mount of a server that was killed: nothing to write back, only the mount point to free
        return new Outcome.Reply(new MountReply(null, null, dir.toString()));
      }
      throw new NotFoundException("nothing is mounted at " + dir + " by this stratad");
    }
    m.close();
    ContainerConfig c = mounted.remove(m.mountPoint());
    return new Outcome.Reply(
        new MountReply(
            c == null ? null : c.id(), c == null ? null : c.name(), m.mountPoint().toString()));
  }

  /** The mount point, checked: absolute, under an --allow-bind directory, not in the data root. */
  private Path mountPoint(MountArgs args, Opcode op) {
    if (args.dir() == null || args.dir().isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument dir is missing");
    }
    Path dir = Path.of(args.dir());
    if (!dir.isAbsolute()) {
      throw new InvalidArgumentException(
          op.label() + ": mount point " + args.dir() + " is not an absolute path");
    }
    dir = dir.normalize();
    if (dir.getParent() == null) {
      throw new InvalidArgumentException(op.label() + ": / cannot be a mount point");
    }
    // The parent's real path: the directory itself may be a mount whose server is gone.
    Path at = real(dir.getParent()).resolve(dir.getFileName());
    if (at.startsWith(dataRoot)) {
      throw new ConflictException("mount point " + dir + " is inside the data root " + dataRoot);
    }
    for (Path root : allowed) {
      if (at.startsWith(root)) {
        return at;
      }
    }
    throw new ConflictException(
        "mount point "
            + dir
            + " is not under an --allow-bind directory of this stratad (allowed: "
            + (allowed.isEmpty() ? "none" : allowed)
            + ")");
  }

  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  /**
   * Unmounts every container mount, each after making its changes durable; one still in use is
   * served until it is released or {@code busyDeadline} ({@link System#nanoTime}) passes.
   */
  void close(long busyDeadline) throws IOException {
    mounts.close(busyDeadline);
  }
}
