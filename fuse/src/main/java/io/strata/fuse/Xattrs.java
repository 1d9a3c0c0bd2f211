package io.strata.fuse;

import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Extended attributes between the kernel's calls and the view: the XATTR_CREATE/REPLACE flags, the
 * size-query protocol (a zero size asks for the length), and the NUL-separated name list. Every
 * namespace is kept as given ({@code user.*}, {@code trusted.*}, {@code security.capability})
 * except POSIX ACLs.
 */
final class Xattrs {
  static final int XATTR_CREATE = 1;
  static final int XATTR_REPLACE = 2;

  /**
   * The kernel's limit on one value (XATTR_SIZE_MAX), checked before the value is read; the view's
   * own is lower ({@link io.strata.store.fs.TreeFileSystem#maxXattrValue}, about 4 KiB) and answers
   * E2BIG too.
   */
  static final int MAX_VALUE = 64 << 10;

  private final FileSystemView view;

  Xattrs(FileSystemView view) {
    this.view = view;
  }

  /**
   * Checks a set before its value is read: POSIX ACLs are refused with ENOTSUP, since FUSE 2 cannot
   * have the kernel enforce them, and so that cp -a and tar fall back to chmod instead of storing
   * an ACL that would stand in for the mode; values over the kernel's limit are E2BIG.
   */
  static int checkSet(String name, long size) {
    if (name.startsWith("system.posix_acl_")) {
      return Errno.ENOTSUP;
    }
    return size > MAX_VALUE ? Errno.E2BIG : 0;
  }

  void set(String path, String name, byte[] value, int flags) throws IOException {
    if ((flags & (XATTR_CREATE | XATTR_REPLACE)) != 0) {
      boolean exists = view.getXattr(path, name) != null;
      if ((flags & XATTR_CREATE) != 0 && exists) {
        throw new Refusal(Errno.EEXIST);
      }
      if ((flags & XATTR_REPLACE) != 0 && !exists) {
        throw new Refusal(Errno.ENODATA);
      }
    }
    view.setXattr(path, name, value);
  }

  /** The value of {@code name}; ENODATA when there is none. */
  byte[] get(String path, String name) throws IOException {
    byte[] v = view.getXattr(path, name);
    if (v == null) {
      throw new Refusal(Errno.ENODATA);
    }
    return v;
  }

  /** The names, each NUL-terminated, one after the other. */
  byte[] list(String path) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String n : view.listXattrs(path)) {
      byte[] b = n.getBytes(StandardCharsets.UTF_8);
      out.write(b, 0, b.length);
      out.write(0);
    }
    return out.toByteArray();
  }

  void remove(String path, String name) throws IOException {
    if (view.getXattr(path, name) == null) {
      throw new Refusal(Errno.ENODATA);
    }
    view.removeXattr(path, name);
  }
}
