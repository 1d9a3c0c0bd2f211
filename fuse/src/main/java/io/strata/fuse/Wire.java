package io.strata.fuse;

/**
 * The numbers of the kernel's FUSE protocol (include/uapi/linux/fuse.h) that this package speaks:
 * opcodes, INIT flags, SETATTR bits and the sizes of the fixed parts of requests and replies. All
 * integers on the wire are in the machine's byte order (little-endian on x86_64 and arm64).
 */
final class Wire {
  private Wire() {}

  /** The protocol version answered to INIT: 7.31 has every feature negotiated here. */
  static final int MAJOR = 7;

  static final int MINOR = 31;

  /** The node id of the root directory, fixed by the protocol. */
  static final long ROOT_ID = 1;

  // ---- opcodes ----
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  static final int INTERRUPT = 36;
  static final int DESTROY = 38;
  static final int BATCH_FORGET = 42;
  static final int READDIRPLUS = 44;
  static final int RENAME2 = 45;
  static final int LSEEK = 46;
  static final int TMPFILE = 51;

  /** {@code lseek}'s whence values the kernel hands on (the others it answers itself). */
  static final int SEEK_DATA = 3;

  static final int SEEK_HOLE = 4;

  /** The highest opcode counted by name (the kernel's last is STATX, 52). */
  static final int MAX_OPCODE = 63;

  /** A readable name for {@code opcode} (counters, logs). */
  static String name(int opcode) {
    return switch (opcode) {
      case LOOKUP -> "LOOKUP";
      case FORGET -> "FORGET";
      case GETATTR -> "GETATTR";
      case SETATTR -> "SETATTR";
      case READLINK -> "READLINK";
      case SYMLINK -> "SYMLINK";
      case MKNOD -> "MKNOD";
      case MKDIR -> "MKDIR";
      case UNLINK -> "UNLINK";
      case RMDIR -> "RMDIR";
      case RENAME -> "RENAME";
      case LINK -> "LINK";
      case OPEN -> "OPEN";
      case READ -> "READ";
      case WRITE -> "WRITE";
      case STATFS -> "STATFS";
      case RELEASE -> "RELEASE";
      case FSYNC -> "FSYNC";
      case SETXATTR -> "SETXATTR";
      case GETXATTR -> "GETXATTR";
      case LISTXATTR -> "LISTXATTR";
      case REMOVEXATTR -> "REMOVEXATTR";
      case FLUSH -> "FLUSH";
      case INIT -> "INIT";
      case OPENDIR -> "OPENDIR";
      case READDIR -> "READDIR";
      case RELEASEDIR -> "RELEASEDIR";
      case FSYNCDIR -> "FSYNCDIR";
      case ACCESS -> "ACCESS";
      case CREATE -> "CREATE";
      case INTERRUPT -> "INTERRUPT";
      case DESTROY -> "DESTROY";
      case BATCH_FORGET -> "BATCH_FORGET";
      case READDIRPLUS -> "READDIRPLUS";
      case RENAME2 -> "RENAME2";
      case LSEEK -> "LSEEK";
      case TMPFILE -> "TMPFILE";
      default -> "OP" + opcode;
    };
  }

  // ---- INIT flags ----
  static final int ASYNC_READ = 1;
  static final int ATOMIC_O_TRUNC = 1 << 3;
  static final int BIG_WRITES = 1 << 5;
  static final int AUTO_INVAL_DATA = 1 << 12;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int READDIRPLUS_AUTO = 1 << 14;
  static final int NO_OPEN_SUPPORT = 1 << 17;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int MAX_PAGES = 1 << 22;
  static final int CACHE_SYMLINKS = 1 << 23;
  static final int NO_OPENDIR_SUPPORT = 1 << 24;

  // ---- SETATTR valid bits ----
  static final int FATTR_MODE = 1;
  static final int FATTR_UID = 1 << 1;
  static final int FATTR_GID = 1 << 2;
  static final int FATTR_SIZE = 1 << 3;
  static final int FATTR_ATIME = 1 << 4;
  static final int FATTR_MTIME = 1 << 5;
  static final int FATTR_ATIME_NOW = 1 << 7;
  static final int FATTR_MTIME_NOW = 1 << 8;

  // ---- open reply flags ----
  static final int FOPEN_KEEP_CACHE = 1 << 1;
  static final int FOPEN_CACHE_DIR = 1 << 3;

  // ---- RENAME2 flags ----
  static final int RENAME_NOREPLACE = 1;
  static final int RENAME_EXCHANGE = 2;

  // ---- sizes ----
  static final int IN_HEADER = 40;
  static final int OUT_HEADER = 16;
  static final int ATTR = 88;
  static final int ENTRY_OUT = 40 + ATTR;
  static final int ATTR_OUT = 16 + ATTR;
  static final int OPEN_OUT = 16;
  static final int INIT_OUT = 64;
  static final int STATFS_OUT = 80;
  static final int DIRENT_HEADER = 24;
}
