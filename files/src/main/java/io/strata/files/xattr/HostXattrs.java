package io.strata.files.xattr;

import io.strata.files.names.BadNameException;
import io.strata.files.names.HostNames;
import io.strata.files.names.Utf8Names;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * The extended attributes of this host's files, read and set through the C library's {@code
 * llistxattr}, {@code lgetxattr} and {@code lsetxattr} (never following a symlink). The JDK's
 * {@code UserDefinedFileAttributeView} sees the {@code user.*} namespace only, while a binary's
 * file capabilities are {@code security.capability}, and it opens the file (a FIFO would block).
 * One {@code llistxattr} per file is the cost for a file without any (most), in two reused native
 * buffers of the kernel's limits (64 KiB for a list and for a value).
 *
 * <p>Read are every namespace the kernel lists to this user ({@code user.*}, {@code security.*},
 * {@code trusted.*} for root), as {@code tar --xattrs} records them, except {@code system.*} (POSIX
 * ACLs and file-system internals: tar keeps ACLs apart, under {@code --acls}, and Strata's mounts
 * refuse them) and {@code security.selinux} (a label of this host's policy, which moby and tar
 * leave to {@code --selinux}). A name that is not valid UTF-8 is refused, naming the file, as a
 * file name is ({@link HostNames}). Values are bytes, never decoded.
 *
 * <p>Paths are given as their exact bytes, NUL-ended ({@link #bytes(byte[], Path, Path)}): the
 * JDK's string of a name that is not UTF-8 has U+FFFD for its bad bytes.
 */
public final class HostXattrs {
  private static final int EPERM = 1;
  private static final int ENODATA = 61;
  private static final int EOPNOTSUPP = 95;
  private static final int MAX = 64 << 10; // XATTR_LIST_MAX and XATTR_SIZE_MAX

  /** The calls, as the C library declares them (LP64: {@code size_t}, {@code ssize_t} 64 bits). */
  public interface LibC {
    @SaveError
    long llistxattr(@In byte[] path, Pointer list, long size);

    @SaveError
    long lgetxattr(@In byte[] path, @In byte[] name, Pointer value, long size);

    @SaveError
    int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, long size, int flags);

    String strerror(int errno);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final LibC c;
  private final Runtime runtime;
  private Pointer list;
  private Pointer value;

  private HostXattrs(LibC c) {
    this.c = c;
    this.runtime = Runtime.getRuntime(c);
  }

  /**
   * A reader and setter with its own buffers (one per walk: not for several threads). Throws a
   * {@link LinkageError} if the C library cannot be loaded: the caller says what it was doing.
   */
  public static HostXattrs open() {
    return new HostXattrs(Holder.LIBC);
  }

  /**
   * The attributes of the file at {@code path} (its exact bytes, NUL-ended), sorted by name; empty
   * on a file system without extended attributes. {@code file} names it in a message, as {@code
   * "file /a/b"}: asked only on a failure. A name that is not UTF-8 is a {@link BadNameException}.
   */
  public Map<String, byte[]> read(byte[] path, Supplier<String> file) throws IOException {
    if (list == null) {
      list = Memory.allocateDirect(runtime, MAX);
      value = Memory.allocateDirect(runtime, MAX);
    }
    long n = c.llistxattr(path, list, MAX);
    if (n < 0) {
      int errno = LastError.getLastError(runtime);
      if (errno == EOPNOTSUPP) {
        return Map.of();
      }
      throw new IOException(
          file.get() + ": listing its extended attributes failed: " + c.strerror(errno));
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
      if (!Utf8Names.isUtf8(name)) {
        throw new BadNameException(
            file.get()
                + ": the extended attribute name \""
                + Utf8Names.shown(name)
                + "\" is not valid UTF-8 (Strata keeps attribute names as UTF-8)");
      }
      long len = c.lgetxattr(path, withNul(name), value, MAX);
      if (len < 0) {
        int errno = LastError.getLastError(runtime);
        if (errno == ENODATA) {
          continue; // removed since the list was read
        }
        throw new IOException(
            file.get()
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

  /** Leaves out {@code system.*} and {@code security.selinux} (see the class comment). */
  private static boolean skipped(byte[] name) {
    return startsWith(name, "system.") || equalsAscii(name, "security.selinux");
  }

  /**
   * Sets attribute {@code name} of the file at {@code path} (its bytes, NUL-ended) to {@code v}.
   * Returns null when set, or why this user may not set it here ({@code EPERM}: a namespace only
   * root may write, or {@code user.*} on a symlink or device; {@code EOPNOTSUPP}: this file system
   * keeps no such attribute), as a non-root {@code tar -x} ends without them; any other failure is
   * thrown, naming {@code shown}.
   */
  public String set(byte[] path, String name, byte[] v, String shown) throws IOException {
    if (c.lsetxattr(path, withNul(name.getBytes(StandardCharsets.UTF_8)), v, v.length, 0) == 0) {
      return null;
    }
    int errno = LastError.getLastError(runtime);
    if (errno == EPERM || errno == EOPNOTSUPP) {
      return c.strerror(errno);
    }
    throw new IOException(
        shown + ": setting its extended attribute " + name + " failed: " + c.strerror(errno));
  }

  /**
   * The bytes of {@code p}, NUL-ended, for the calls: a path read from this host whose names were
   * checked to be UTF-8 below {@code base} ({@link HostNames#name}), whose own bytes {@code
   * baseBytes} gives ({@link #bytes(Path)}).
   */
  public static byte[] bytes(byte[] baseBytes, Path base, Path p) {
    String rel = base.relativize(p).toString();
    if (rel.isEmpty()) {
      return withNul(baseBytes);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(baseBytes.length + rel.length() + 2);
    out.writeBytes(baseBytes);
    if (baseBytes.length == 0 || baseBytes[baseBytes.length - 1] != '/') {
      out.write('/');
    }
    out.writeBytes(rel.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    return out.toByteArray();
  }

  /**
   * The exact bytes of the absolute path of {@code p}, whatever its names hold, not NUL-ended: the
   * base of {@link #bytes(byte[], Path, Path)}.
   */
  public static byte[] bytes(Path p) {
    return HostNames.pathBytes(p.toAbsolutePath());
  }

  private static byte[] withNul(byte[] b) {
    return Arrays.copyOf(b, b.length + 1);
  }

  private static boolean startsWith(byte[] b, String ascii) {
    if (b.length < ascii.length()) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (b[i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean equalsAscii(byte[] b, String ascii) {
    return b.length == ascii.length() && startsWith(b, ascii);
  }
}
