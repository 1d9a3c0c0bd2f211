package io.strata.store.fs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The records of an {@link IntentLog}: one per change of a {@link TreeFileSystem}, naming the call
 * and its arguments, and the clock readings it made ({@link LoggedClock}). Replaying a record makes
 * the same call, so that the log needs no format of its own for what a change does to the tree: the
 * same calls on the same committed tree with the same times make the same tree.
 *
 * <pre>
 * body   := u8 op argument* u32 readings i64*
 * string := u32 length utf8     bytes := u32 length byte*
 * </pre>
 */
final class IntentRecords {
  /** The calls a record can name, by the code that stands first in its body. */
  enum Op {
    WRITE(1, "write"),
    TRUNCATE(2, "truncate"),
    MKDIR(3, "mkdir"),
    MKDIRS(4, "mkdirs"),
    REMOVE(5, "remove"),
    RENAME(6, "rename"),
    MKNOD(7, "mknod"),
    SYMLINK(8, "symlink"),
    LINK(9, "link"),
    CHMOD(10, "chmod"),
    CHOWN(11, "chown"),
    SET_TIMES(12, "set times"),
    SET_XATTR(13, "set xattr"),
    REMOVE_XATTR(14, "remove xattr");

    final int code;
    final String label;

    Op(int code, String label) {
      this.code = code;
      this.label = label;
    }

    /** The op coded {@code code}, or null. */
    static Op of(int code) {
      for (Op o : values()) {
        if (o.code == code) {
          return o;
        }
      }
      return null;
    }
  }

  private IntentRecords() {}

  /** A record being written. */
  static final class Builder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteBuffer word = ByteBuffer.allocate(8);

    Builder(Op op) {
      out.write(op.code);
    }

    Builder string(String s) {
      return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    Builder bytes(byte[] b) {
      return bytes(b, 0, b.length);
    }

    Builder bytes(byte[] b, int off, int len) {
      u32(len);
      out.write(b, off, len);
      return this;
    }

    Builder u32(int v) {
      out.write(word.putInt(0, v).array(), 0, 4);
      return this;
    }

    Builder i64(long v) {
      out.write(word.putLong(0, v).array(), 0, 8);
      return this;
    }

    Builder flag(boolean v) {
      out.write(v ? 1 : 0);
      return this;
    }

    /** The record with the change's clock readings. */
    byte[] with(long[] readings) {
      u32(readings.length);
      for (long r : readings) {
        i64(r);
      }
      return out.toByteArray();
    }
  }

  static Builder of(Op op) {
    return new Builder(op);
  }

  /** Makes the call {@code body} records on {@code fs}, with its clock readings. */
  static void replay(TreeFileSystem fs, byte[] body) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(body);
    int code = b.get() & 0xFF;
    Op op = Op.of(code);
    if (op == null) {
      throw new IOException("unknown change " + code);
    }
    switch (op) {
      case WRITE -> {
        String path = string(b);
        long offset = b.getLong();
        byte[] data = bytes(b);
        fs.replayed(readings(b), () -> fs.write(path, offset, data, 0, data.length));
      }
      case TRUNCATE -> {
        String path = string(b);
        long size = b.getLong();
        fs.replayed(readings(b), () -> fs.truncate(path, size));
      }
      case MKDIR -> {
        String path = string(b);
        int mode = b.getInt();
        fs.replayed(readings(b), () -> fs.mkdir(path, mode));
      }
      case MKDIRS -> {
        String path = string(b);
        int mode = b.getInt();
        fs.replayed(readings(b), () -> fs.mkdirs(path, mode));
      }
      case REMOVE -> {
        String path = string(b);
        boolean recursive = b.get() != 0;
        fs.replayed(readings(b), () -> fs.remove(path, recursive));
      }
      case RENAME -> {
        String from = string(b);
        String to = string(b);
        fs.replayed(readings(b), () -> fs.rename(from, to));
      }
      case MKNOD -> {
        String path = string(b);
        int mode = b.getInt();
        long rdev = b.getLong();
        fs.replayed(readings(b), () -> fs.mknod(path, mode, rdev));
      }
      case SYMLINK -> {
        String target = string(b);
        String path = string(b);
        fs.replayed(readings(b), () -> fs.symlink(target, path));
      }
      case LINK -> {
        String existing = string(b);
        String path = string(b);
        fs.replayed(readings(b), () -> fs.link(existing, path));
      }
      case CHMOD -> {
        String path = string(b);
        int mode = b.getInt();
        fs.replayed(readings(b), () -> fs.chmod(path, mode));
      }
      case CHOWN -> {
        String path = string(b);
        int uid = b.getInt();
        int gid = b.getInt();
        fs.replayed(readings(b), () -> fs.chown(path, uid, gid));
      }
      case SET_TIMES -> {
        String path = string(b);
        long mtime = b.getLong();
        long atime = b.getLong();
        fs.replayed(readings(b), () -> fs.setTimes(path, mtime, atime));
      }
      case SET_XATTR -> {
        String path = string(b);
        String name = string(b);
        byte[] value = bytes(b);
        fs.replayed(readings(b), () -> fs.setXattr(path, name, value));
      }
      case REMOVE_XATTR -> {
        String path = string(b);
        String name = string(b);
        fs.replayed(readings(b), () -> fs.removeXattr(path, name));
      }
    }
  }

  /** The name of {@code body}'s call, for messages. */
  static String name(byte[] body) {
    int code = body.length == 0 ? -1 : body[0] & 0xFF;
    Op op = Op.of(code);
    return op == null ? "change " + code : op.label;
  }

  private static String string(ByteBuffer b) {
    return new String(bytes(b), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.getInt()];
    b.get(out);
    return out;
  }

  private static long[] readings(ByteBuffer b) {
    long[] out = new long[b.getInt()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getLong();
    }
    return out;
  }
}
