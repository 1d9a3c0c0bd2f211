package io.strata.store.image.archive;

import io.strata.files.names.BadNameException;
import io.strata.files.names.HostNames;
import io.strata.files.xattr.HostXattrs;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileNames;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.layer.EntryPath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * Copies a directory of the server's host into a snapshot: modes, owners, whole-second times,
 * symlinks as symlinks (never followed; a relative target above the root is refused), hard links as
 * links, FIFOs and character and block devices as nodes with their numbers (a debootstrap tree's
 * {@code /dev}). Sockets are left out, as {@code tar} and Docker leave them out. A name or symlink
 * target that is not valid UTF-8 is refused, naming it ({@link FileNames}): the JDK's string of it
 * has U+FFFD for each bad byte, and two such names would be one. Extended attributes (file
 * capabilities, {@code user.*}, ...; {@link HostXattrs}) are copied byte for byte, as the client's
 * tar of a directory carries them; the root's are not, as the layer's tar has no entry for it.
 */
public final class HostTree {
  private HostTree() {}

  /** Copies directory {@code root} of this host into {@code fs}. */
  public static void copy(Path root, FileSystemView fs) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new InvalidArgumentException("directory " + root + " does not exist");
    }
    Map<Object, String> links = new HashMap<>();
    Xattrs xattrs = Xattrs.below(root);
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a)
              throws IOException {
            if (!dir.equals(root)) {
              checkName(root, dir);
            }
            String path = pathOf(root, dir);
            Map<String, Object> u = unix(dir);
            if (!path.equals("/")) {
              fs.mkdir(path, mode(u));
              copyXattrs(xattrs, dir, fs, path);
            } else {
              fs.chmod(path, mode(u));
            }
            fs.chown(path, (Integer) u.get("uid"), (Integer) u.get("gid"));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            long t = seconds(Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
            fs.setTimes(pathOf(root, dir), t, t);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
            checkName(root, file);
            String path = pathOf(root, file);
            Map<String, Object> u = unix(file);
            int uid = (Integer) u.get("uid");
            int gid = (Integer) u.get("gid");
            long t = seconds((FileTime) u.get("lastModifiedTime"));
            if (a.isSymbolicLink()) {
              String target = linkTarget(root, file);
              EntryPath.checkSymlink(file.toString(), path, target);
              fs.symlink(target, path);
              copyXattrs(xattrs, file, fs, path);
              fs.chown(path, uid, gid);
              fs.setTimes(path, t, t);
            } else if (a.isRegularFile()) {
              Object key = a.fileKey();
              String first = key != null && (Integer) u.get("nlink") > 1 ? links.get(key) : null;
              if (first != null) {
                fs.link(first, path);
              } else {
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                  fs.writeFile(path, in, mode(u), uid, gid, t);
                }
                copyXattrs(xattrs, file, fs, path);
                if (key != null && (Integer) u.get("nlink") > 1) {
                  links.put(key, path);
                }
              }
            } else if (!isSocket(u)) {
              Object key = a.fileKey();
              String first = key != null && (Integer) u.get("nlink") > 1 ? links.get(key) : null;
              if (first != null) {
                fs.link(first, path);
              } else {
                int type = (Integer) u.get("mode") & FileStat.S_IFMT;
                fs.mknod(path, type | mode(u), (Long) u.get("rdev"));
                copyXattrs(xattrs, file, fs, path);
                fs.chown(path, uid, gid);
                fs.setTimes(path, t, t);
                if (key != null && (Integer) u.get("nlink") > 1) {
                  links.put(key, path);
                }
              }
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Sets on {@code path} of {@code fs} the extended attributes host file {@code p} has. */
  private static void copyXattrs(Xattrs xattrs, Path p, FileSystemView fs, String path)
      throws IOException {
    for (Map.Entry<String, byte[]> x : xattrs.read(p).entrySet()) {
      fs.setXattr(path, x.getKey(), x.getValue());
    }
  }

  /** Refuses {@code p} below {@code root} if its name is not valid UTF-8. */
  private static void checkName(Path root, Path p) {
    try {
      FileNames.HOST.name(root, p);
    } catch (BadNameException e) {
      throw invalid(e);
    }
  }

  /** The target of symlink {@code link}, refused if it is not valid UTF-8. */
  private static String linkTarget(Path root, Path link) throws IOException {
    try {
      return FileNames.HOST.linkTarget(root, link, Files.readSymbolicLink(link));
    } catch (BadNameException e) {
      throw invalid(e);
    }
  }

  /** A name Strata cannot keep is the caller's bad input (exit 2), not a failure of the disk. */
  private static InvalidArgumentException invalid(BadNameException e) {
    return new InvalidArgumentException(e.getMessage());
  }

  /** The extended attributes of the files below {@code root} ({@link HostXattrs}; one walk). */
  private static final class Xattrs {
    private final HostXattrs host;
    private final Path root;
    private final byte[] rootBytes;

    private Xattrs(HostXattrs host, Path root) {
      this.host = host;
      this.root = root;
      this.rootBytes = HostXattrs.bytes(root);
    }

    static Xattrs below(Path root) throws IOException {
      try {
        return new Xattrs(HostXattrs.open(), root);
      } catch (LinkageError e) {
        throw new IOException(
            "directory " + root + ": the C library to read extended attributes could not be loaded",
            e);
      }
    }

    /** The attributes of {@code file} below the root (its names checked), sorted by name. */
    Map<String, byte[]> read(Path file) throws IOException {
      try {
        return host.read(
            HostXattrs.bytes(rootBytes, root, file),
            () ->
                "directory " + root + ": file \"" + HostNames.shown(root.relativize(file)) + "\"");
      } catch (BadNameException e) {
        throw invalid(e);
      }
    }
  }

  private static Map<String, Object> unix(Path p) throws IOException {
    return Files.readAttributes(
        p, "unix:mode,uid,gid,nlink,rdev,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
  }

  private static boolean isSocket(Map<String, Object> u) {
    return ((Integer) u.get("mode") & FileStat.S_IFMT) == FileStat.S_IFSOCK;
  }

  private static int mode(Map<String, Object> u) {
    return (Integer) u.get("mode") & 07777;
  }

  private static long seconds(FileTime t) {
    return Math.floorDiv(t.toMillis(), 1000L) * 1_000_000_000L;
  }

  private static String pathOf(Path root, Path p) {
    String rel = root.relativize(p).toString();
    return rel.isEmpty() ? "/" : "/" + rel;
  }
}
