package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.FileItem;
import io.strata.protocol.message.FsChangeArgs;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.ListEnd;
import io.strata.protocol.message.PathArgs;
import io.strata.protocol.message.PathReply;
import io.strata.protocol.message.ReadArgs;
import io.strata.protocol.message.WriteArgs;
import io.strata.protocol.message.WriteReply;
import io.strata.store.container.ContainerStore;
import io.strata.store.container.ContainerView;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.HeldUnlinked;
import io.strata.store.fs.PathNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * {@code fs.stat|ls|read|write|change}: file operations inside a container's view, where paths
 * under a mount target reach the volume or bind source and every other path the writable layer. A
 * write is spooled whole before it touches the container, and each write or change is one group of
 * changes ({@link ContainerStore#change}), so an interrupted upload or a failure half-way leaves
 * the file as it was.
 */
final class FileOperations {
  /** Bytes read from the spool per positional write: big enough to amortize, small to hold. */
  private static final int WRITE_PIECE = 1 << 20;

  private final ContainerStore containers;
  private final Path tmp;

  FileOperations(ContainerStore containers, Path tmp) {
    this.containers = containers;
    this.tmp = tmp;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.FS_STAT, this::stat);
    into.put(Opcode.FS_LIST, this::list);
    into.put(Opcode.FS_READ, this::read);
    into.put(Opcode.FS_WRITE, this::write);
    into.put(Opcode.FS_CHANGE, this::change);
  }

  private Outcome stat(byte[] json) throws IOException {
    PathArgs args = Arguments.read(json, PathArgs.class, Opcode.FS_STAT);
    String path = path(args.path(), Opcode.FS_STAT);
    ContainerView view =
        containers.view(ContainerOperations.required(args.container(), Opcode.FS_STAT));
    return new Outcome.Reply(item(name(path), view.stat(path)));
  }

  private Outcome list(byte[] json) throws IOException {
    PathArgs args = Arguments.read(json, PathArgs.class, Opcode.FS_LIST);
    String path = path(args.path(), Opcode.FS_LIST);
    ContainerView view =
        containers.view(ContainerOperations.required(args.container(), Opcode.FS_LIST));
    // a trailing slash (or /.) follows a link, as the kernel does before it: `ls link/` lists
    // the directory the link leads to, and one leading nowhere is not found (AH2)
    String normal = PathNames.normalize(path);
    String dir = slashed(path) ? view.followLinks(normal) : normal;
    FileStat st = view.stat(dir);
    requireDirectoryIfSlashed(path, st);
    JsonLinesStream lines =
        new JsonLinesStream(
            st.isDirectory()
                ? view.list(dir).stream()
                    // removed files a mount keeps open are no content of the container
                    .filter(e -> !HeldUnlinked.is(view, PathNames.child(dir, e.name())))
                    .map(e -> item(e.name(), e.stat()))
                    .iterator()
                : java.util.List.of(item(name(path), st)).iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome read(byte[] json) throws IOException {
    ReadArgs args = Arguments.read(json, ReadArgs.class, Opcode.FS_READ);
    String path = path(args.path(), Opcode.FS_READ);
    if (args.offset() < 0 || (args.length() != null && args.length() < 0)) {
      throw new InvalidArgumentException("fs.read: offset and length must not be negative");
    }
    String ref = ContainerOperations.required(args.container(), Opcode.FS_READ);
    ContainerView view = containers.view(ref);
    requireFile(view, ref, path);
    // links resolved in the container's names, as cp -L resolves them (a volume's link to the
    // container's /etc/passwd reads that file); one that leads nowhere says where it leads
    String file = view.followLinks(PathNames.normalize(path));
    FileStat st = view.stat(file);
    if (st.isDirectory()) {
      throw new ConflictException("path " + path + " is a directory");
    }
    requireDirectoryIfSlashed(path, st);
    CountingStream data =
        new CountingStream(
            new FileRangeStream(
                ref, view, file, args.offset(), args.length() == null ? -1 : args.length()));
    return new Outcome.Download(data, () -> new GetEnd(data.count()));
  }

  private Outcome write(byte[] json) throws IOException {
    WriteArgs args = Arguments.read(json, WriteArgs.class, Opcode.FS_WRITE);
    String path = path(args.path(), Opcode.FS_WRITE);
    String ref = ContainerOperations.required(args.container(), Opcode.FS_WRITE);
    if (args.offset() != null && args.offset() < 0) {
      throw new InvalidArgumentException("fs.write: offset " + args.offset() + " is negative");
    }
    String id = containers.inspect(ref).id();
    ContainerView view = containers.view(id);
    if (view.readOnly()) {
      throw new ConflictException("container " + ref + " is read-only");
    }
    Spool spool = Spool.create(tmp, null, "write");
    return new Outcome.Upload(
        new SpoolSink(
            spool,
            s -> {
              try (s) {
                long bytes = Files.size(s.file());
                if (args.size() != null && args.size() != bytes) {
                  throw new InvalidArgumentException(
                      "fs.write "
                          + path
                          + ": the client announced "
                          + args.size()
                          + " bytes but sent "
                          + bytes);
                }
                long size =
                    containers.change(
                        id,
                        v -> {
                          if (args.offset() == null) {
                            replace(v, path, s.file());
                          } else {
                            writeAt(v, path, args.offset(), s.file());
                          }
                          return v.stat(path).size();
                        });
                return new Outcome.Reply(new WriteReply(PathNames.normalize(path), bytes, size));
              }
            }));
  }

  /**
   * Replaces the file's content in place, as {@code cat F > PATH}: the inode, its mode and owner
   * stay, and every hard link of the file sees the new bytes.
   */
  private static void replace(ContainerView view, String path, Path content) throws IOException {
    try (InputStream in = Files.newInputStream(content)) {
      view.overwrite(path, in, nowNanos());
    }
  }

  /** Writes the content at {@code offset}, leaving the rest of the file as it is. */
  private static void writeAt(ContainerView view, String path, long offset, Path content)
      throws IOException {
    byte[] piece = new byte[(int) Math.min(WRITE_PIECE, Math.max(1, Files.size(content)))];
    long pos = offset;
    try (InputStream in = Files.newInputStream(content)) {
      int n;
      boolean wrote = false;
      while ((n = in.readNBytes(piece, 0, piece.length)) > 0) {
        view.write(path, pos, piece, 0, n);
        pos += n;
        wrote = true;
      }
      if (!wrote) {
        view.write(path, offset, piece, 0, 0);
      }
    }
  }

  private Outcome change(byte[] json) throws IOException {
    FsChangeArgs a = Arguments.read(json, FsChangeArgs.class, Opcode.FS_CHANGE);
    String path = path(a.path(), Opcode.FS_CHANGE);
    String ref = ContainerOperations.required(a.container(), Opcode.FS_CHANGE);
    if (a.op() == null) {
      throw new InvalidArgumentException("fs.change: the argument op is missing");
    }
    String id = containers.inspect(ref).id();
    containers.change(
        id,
        view -> {
          switch (a.op()) {
            case FsChangeArgs.RM -> {
              // as rm(1): a directory, even an empty one, goes only with -r
              if (!a.recursive() && view.stat(path).isDirectory()) {
                throw new ConflictException("fs rm " + path + ": is a directory (give -r)");
              }
              view.remove(path, a.recursive());
            }
            case FsChangeArgs.MKDIR -> mkdir(view, path, a);
            case FsChangeArgs.MV -> view.rename(path, target(a));
            case FsChangeArgs.LN -> {
              if (a.symbolic()) {
                view.symlink(target(a), path);
              } else {
                view.link(target(a), path);
              }
            }
            case FsChangeArgs.CHMOD -> view.chmod(path, mode(a, null));
            case FsChangeArgs.TRUNCATE -> {
              if (a.size() == null || a.size() < 0) {
                throw new InvalidArgumentException(
                    "fs.change truncate " + path + ": a size of zero or more is required");
              }
              view.truncate(path, a.size());
            }
            default ->
                throw new InvalidArgumentException(
                    "fs.change: op "
                        + a.op()
                        + " is unknown (expected rm, mkdir, mv, ln, chmod or truncate)");
          }
          return null;
        });
    return new Outcome.Reply(new PathReply(PathNames.normalize(path)));
  }

  private static void mkdir(ContainerView view, String path, FsChangeArgs a) throws IOException {
    int mode = mode(a, 0755);
    if (a.parents()) {
      view.mkdirs(path, mode);
    } else {
      view.mkdir(path, mode);
    }
  }

  private static int mode(FsChangeArgs a, Integer fallback) {
    Integer m = a.mode() != null ? a.mode() : fallback;
    if (m == null || m < 0 || m > 07777) {
      throw new InvalidArgumentException(
          "fs.change " + a.op() + " " + a.path() + ": a mode between 0 and 07777 is required");
    }
    return m;
  }

  private static String target(FsChangeArgs a) {
    if (a.target() == null || a.target().isEmpty()) {
      throw new InvalidArgumentException(
          "fs.change " + a.op() + " " + a.path() + ": the argument target is missing");
    }
    return a.target();
  }

  static FileItem item(String name, FileStat st) {
    String type =
        st.isRegular()
            ? FileItem.FILE
            : st.isDirectory() ? FileItem.DIR : st.isSymlink() ? FileItem.SYMLINK : FileItem.OTHER;
    Instant mtime =
        Instant.ofEpochSecond(
            Math.floorDiv(st.mtimeNanos(), 1_000_000_000L),
            Math.floorMod(st.mtimeNanos(), 1_000_000_000L));
    return new FileItem(
        name,
        type,
        st.permissions(),
        Integer.toUnsignedLong(st.uid()),
        Integer.toUnsignedLong(st.gid()),
        st.size(),
        st.nlink(),
        mtime.toString(),
        st.linkTarget());
  }

  private static String name(String path) {
    String p = PathNames.normalize(path);
    return p.equals("/") ? "/" : p.substring(p.lastIndexOf('/') + 1);
  }

  private static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /**
   * NOT_FOUND in docker's words when container {@code ref} has nothing at {@code path} (a final
   * link not followed): {@code Could not find the file PATH in container C}, naming the container
   * as the request did, which a script reading several needs. A path that exists but leads nowhere
   * (a dangling link followed) is left to the read, which names where it led.
   */
  static void requireFile(ContainerView view, String ref, String path) throws IOException {
    if (!view.exists(PathNames.normalize(path))) {
      throw new NotFoundException("Could not find the file " + path + " in container " + ref);
    }
  }

  /**
   * A path that ends in {@code /} or {@code /.} names a directory, as the kernel reads it ({@code
   * cat file/} is ENOTDIR): refused when {@code st} is not one, rather than the slash dropped.
   */
  /** Whether {@code path} ends in a slash or {@code /.}: it must lead to a directory. */
  static boolean slashed(String path) {
    return (path.endsWith("/") || path.endsWith("/.")) && !path.equals("/");
  }

  static void requireDirectoryIfSlashed(String path, FileStat st) {
    if (slashed(path) && !st.isDirectory()) {
      throw new ConflictException("path " + path + ": not a directory");
    }
  }

  static String path(String path, Opcode op) {
    if (path == null || path.isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument path is missing");
    }
    return path;
  }
}
