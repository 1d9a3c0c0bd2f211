package io.strata.client.tar;

import io.strata.files.xattr.HostXattrs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Unpacks a tar of a file tree, the kind {@link TreeTar} writes and {@code strata cp} receives,
 * into a fresh directory: directories, regular files, symlinks, hard links, FIFOs and device nodes,
 * with their modes (setuid, setgid and sticky included, as far as chmod lets this user set them)
 * and mtimes (owners are left to the local user, as a non-root {@code tar -x} does).
 *
 * <p>The stream comes from a server, so nothing in it may write outside the directory: absolute
 * names and {@code ..} components are refused, an entry whose path passes through a symlink or a
 * file is refused (symlinks are created as they are, never followed), and a hard link must name a
 * regular file unpacked before it. FIFOs and device nodes are made with their numbers and modes
 * ({@link SpecialFiles}; a device node needs root). Each refusal names the entry.
 *
 * <p>Extended attributes ({@code SCHILY.xattr.*}, byte for byte: {@link XattrTarInputStream}) are
 * set on what each entry made, never following a symlink, as {@code tar --xattrs
 * --xattrs-include='*' -xp} and {@code docker cp} set them: root keeps every one (file capabilities
 * included); another user keeps what the kernel lets it set ({@code user.*} on its files and
 * directories), and the ones refused as not permitted, or not kept by the destination's file
 * system, are returned, for the caller to name in a warning. A file's attributes are set after its
 * content (a write drops {@code security.capability}) and before its mode (a read-only mode would
 * refuse {@code user.*} to its non-root owner).
 */
public final class TreeUnpacker {
  private final Path base;
  private final String what;
  private final List<Directory> directories = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();
  private HostXattrs xattrs;
  private byte[] baseBytes;

  /** A directory whose mode and mtime are set last, once nothing more is written into it. */
  private record Directory(Path path, int mode, FileTime mtime) {}

  private TreeUnpacker(Path base, String what) {
    this.base = base;
    this.what = what;
  }

  /**
   * Unpacks {@code in} into the empty directory {@code dir}; {@code what} names the stream. Returns
   * the extended attributes this user could not set here, one {@code ENTRY: NAME (WHY)} each.
   */
  public static List<String> unpack(InputStream in, Path dir, String what) throws IOException {
    TreeUnpacker u = new TreeUnpacker(dir.toAbsolutePath().normalize(), what);
    u.run(in);
    return u.skipped;
  }

  private void run(InputStream in) throws IOException {
    XattrTarInputStream tar = new XattrTarInputStream(in, what);
    TarArchiveEntry e;
    while ((e = next(tar)) != null) {
      Path target = TarUnpacker.inside(base, e.getName(), what);
      if (target.equals(base)) {
        continue; // the "./" entry of the directory itself: it exists already
      }
      parents(target, e.getName(), true);
      if (e.isDirectory()) {
        directory(target, e, tar.xattrs());
      } else if (TarUnpacker.isRegularFile(e)) {
        clear(target, e.getName());
        Files.copy(tar, target);
        setXattrs(target, e, tar.xattrs());
        chmod(target, e.getMode());
        Files.setLastModifiedTime(target, e.getLastModifiedTime());
      } else if (e.isSymbolicLink()) {
        clear(target, e.getName());
        ClientNames.checkMakeable(
            e.getLinkName(),
            what + ": entry " + e.getName() + ": the link target " + e.getLinkName());
        Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        setXattrs(target, e, tar.xattrs());
      } else if (e.isLink()) {
        Path source = TarUnpacker.inside(base, e.getLinkName(), what);
        parents(source, e.getName(), false);
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException(
              what
                  + ": entry "
                  + e.getName()
                  + " links to "
                  + e.getLinkName()
                  + ", which is not a file unpacked before it");
        }
        clear(target, e.getName());
        Files.createLink(target, source); // its attributes are the file's, set with its first name
      } else if (SpecialFiles.isSpecial(e)) {
        clear(target, e.getName());
        SpecialFiles.make(target, e, what);
        setXattrs(target, e, tar.xattrs());
      } else {
        throw new IOException(
            what + ": entry " + e.getName() + " has a type this copy cannot make: " + typeOf(e));
      }
    }
    for (int i = directories.size() - 1; i >= 0; i--) {
      Directory d = directories.get(i);
      chmod(d.path(), d.mode());
      Files.setLastModifiedTime(d.path(), d.mtime());
    }
  }

  /**
   * Checks that every directory between the base and {@code path} is a real directory, never a
   * symlink or a file, making missing ones when {@code create} (a tar may omit them).
   */
  private void parents(Path path, String entry, boolean create) throws IOException {
    Path dir = base;
    for (Path part : base.relativize(path.getParent())) {
      dir = dir.resolve(part);
      BasicFileAttributes a = attributes(dir);
      if (a == null && create) {
        Files.createDirectory(dir);
      } else if (a == null || !a.isDirectory()) {
        throw new IOException(
            what
                + ": entry "
                + entry
                + " passes through "
                + base.relativize(dir)
                + ", which is not a directory");
      }
    }
  }

  private void directory(Path target, TarArchiveEntry e, Map<String, byte[]> x) throws IOException {
    BasicFileAttributes a = attributes(target);
    if (a != null && !a.isDirectory()) {
      Files.delete(target);
      a = null;
    }
    if (a == null) {
      Files.createDirectory(target);
    }
    setXattrs(target, e, x);
    directories.add(new Directory(target, e.getMode(), e.getLastModifiedTime()));
  }

  private TarArchiveEntry next(XattrTarInputStream tar) throws IOException {
    try {
      return tar.getNextEntry();
    } catch (IllegalStateException tooLarge) {
      throw new IOException(tooLarge.getMessage(), tooLarge);
    }
  }

  /** Sets entry {@code e}'s extended attributes {@code x} on {@code target}, which it made. */
  private void setXattrs(Path target, TarArchiveEntry e, Map<String, byte[]> x) throws IOException {
    if (x.isEmpty()) {
      return;
    }
    if (xattrs == null) {
      xattrs = TreeTar.openXattrs();
      baseBytes = HostXattrs.bytes(base);
    }
    byte[] path = HostXattrs.bytes(baseBytes, base, target);
    for (Map.Entry<String, byte[]> a : new TreeMap<>(x).entrySet()) {
      String why = xattrs.set(path, a.getKey(), a.getValue(), what + ": entry " + e.getName());
      if (why != null) {
        skipped.add(e.getName() + ": " + a.getKey() + " (" + why + ")");
      }
    }
  }

  /**
   * Removes what an earlier entry of the same name left, as tar does; never a directory's content.
   */
  private void clear(Path target, String entry) throws IOException {
    BasicFileAttributes a = attributes(target);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      throw new IOException(what + ": entry " + entry + " would replace a directory");
    }
    Files.delete(target);
  }

  private static String typeOf(TarArchiveEntry e) {
    return "'" + (char) e.getLinkFlag() + "'";
  }

  private static BasicFileAttributes attributes(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Gives {@code path} the entry's permission bits with its setuid, setgid and sticky bits, as
   * {@code docker cp} and {@code tar -xp} do: one chmod(2) with the 12 bits ({@code unix:mode};
   * {@code PosixFilePermission} has no name for the upper three). The kernel keeps what the caller
   * may set: root everything; another user, who owns every file it unpacked, keeps setuid and
   * sticky, while setgid on a file of a group it is not in is cleared, as a non-root {@code tar -x}
   * ends. Set after the content is written: a write by an unprivileged process clears setuid.
   */
  private static void chmod(Path path, int mode) throws IOException {
    Files.setAttribute(path, "unix:mode", mode & 07777);
  }
}
