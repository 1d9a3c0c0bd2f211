package io.strata.store.image.archive;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * The extended attributes of files of this host that {@link HostTree} copies, read through the C
 * library's {@code llistxattr} and {@code lgetxattr} (never following a symlink): the JDK's {@code
 * UserDefinedFileAttributeView} sees {@code user.*} only, while file capabilities are {@code
 * security.capability}. One {@code llistxattr} per file is the cost for a file without any, into
 * reused native buffers of the kernel's limits (64 KiB).
 *
 * <p>Every namespace the kernel lists is read, as {@code tar --xattrs} records them, except {@code
 * system.*} (POSIX ACLs and file-system internals: tar keeps ACLs apart under {@code --acls}, and
 * Strata's mounts refuse them) and {@code security.selinux} (a label of this host's policy, left to
 * {@code --selinux} by tar and moby). A name that is not valid UTF-8 is refused, naming the file,
 * as a file name is ({@link FileNames}). The client reads its host the same way ({@code
 * io.strata.client.tar.HostXattrs}).
 */
final class HostXattrs {
  private static final int ENODATA = 61;
  private static final int EOPNOTSUPP = 95;
  private static final int MAX = 64 << 10; // XATTR_LIST_MAX and XATTR_SIZE_MAX

  /** The calls, as the C library declares them (LP64: {@code size_t}, {@code ssize_t} 64 bits). */
  public interface LibC {
    @SaveError
    long llistxattr(@In byte[] path, Pointer list, long size);

    @SaveError
    long lgetxattr(@In byte[] path, @In byte[] name, Pointer value, long size);

    String strerror(int errno);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final LibC c;
  private final Runtime runtime;
  private final Path root;
  private final byte[] rootBytes;
  private final Pointer list;
  private final Pointer value;

  private HostXattrs(LibC c, Path root) {
    this.c = c;
    this.runtime = Runtime.getRuntime(c);
    this.root = root;
    this.rootBytes = FileNames.pathBytes(root.toAbsolutePath());
    this.list = Memory.allocateDirect(runtime, MAX);
    this.value = Memory.allocateDirect(runtime, MAX);
  }

  /** A reader of the files below directory {@code root} (one walk: not for several threads). */
  static HostXattrs below(Path root) throws IOException {
    try {
      return new HostXattrs(Holder.LIBC, root);
    } catch (LinkageError e) {
      throw new IOException(
          "directory " + root + ": the C library to read extended attributes could not be loaded",
          e);
    }
  }

  /**
   * The attributes of {@code file} below the root (its names checked to be UTF-8), sorted by name;
   * empty on a file system without extended attributes.
   */
  Map<String, byte[]> read(Path file) throws IOException {
    byte[] path = bytes(file);
    long n = c.llistxattr(path, list, MAX);
    if (n < 0) {
      int errno = LastError.getLastError(runtime);
      if (errno == EOPNOTSUPP) {
        return Map.of();
      }
      throw new IOException(
          shown(file) + ": listing its extended attributes failed: " + c.strerror(errno));
    }
    if (n == 0) {
      return Map.of();
    }
    byte[] names = new byte[(int) n];
    list.get(0, names, 0, names.length);
    Map<String, byte[]> out = new TreeMap<>();
    int start = 0;
    for (int i = 0; i < names.length; i++) {
      if (names[i] != 0) {
        continue;
      }
      byte[] name = Arrays.copyOfRange(names, start, i);
      start = i + 1;
      if (name.length == 0 || skipped(name)) {
        continue;
      }
      if (!FileNames.isUtf8(name, 0, name.length)) {
        throw new InvalidArgumentException(
            shown(file)
                + ": the extended attribute name \""
                + FileNames.shown(name)
                + "\" is not valid UTF-8 (Strata keeps attribute names as UTF-8)");
      }
      long len = c.lgetxattr(path, Arrays.copyOf(name, name.length + 1), value, MAX);
      if (len < 0) {
        int errno = LastError.getLastError(runtime);
        if (errno == ENODATA) {
          continue; // removed since the list was read
        }
        throw new IOException(
            shown(file)
                + ": reading its extended attribute "
                + new String(name, StandardCharsets.UTF_8)
                + " failed: "
                + c.strerror(errno));
      }
      byte[] v = new byte[(int) len];
      value.get(0, v, 0, v.length);
      out.put(new String(name, StandardCharsets.UTF_8), v);
    }
    return out;
  }

  private String shown(Path file) {
    return "directory " + root + ": file \"" + FileNames.shown(root.relativize(file)) + "\"";
  }

  /** {@code file}'s exact bytes, NUL-ended: the root's, then its UTF-8 names below it. */
  private byte[] bytes(Path file) {
    String rel = root.relativize(file).toString();
    ByteArrayOutputStream out = new ByteArrayOutputStream(rootBytes.length + rel.length() + 2);
    out.writeBytes(rootBytes);
    if (!rel.isEmpty()) {
      if (rootBytes[rootBytes.length - 1] != '/') {
        out.write('/');
      }
      out.writeBytes(rel.getBytes(StandardCharsets.UTF_8));
    }
    out.write(0);
    return out.toByteArray();
  }

  /** Leaves out {@code system.*} and {@code security.selinux} (see the class comment). */
  private static boolean skipped(byte[] name) {
    String ascii = new String(name, 0, Math.min(name.length, 17), StandardCharsets.ISO_8859_1);
    return ascii.startsWith("system.") || (name.length == 16 && ascii.equals("security.selinux"));
  }
}
