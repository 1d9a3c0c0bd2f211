package io.strata.store.container;

import io.strata.store.driver.Change;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldUnlinked;
import io.strata.store.image.layer.CheckedTarInputStream;
import io.strata.store.image.layer.LayerTarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Tars of a container's files, streamed: a whole tree ({@code export}, {@code cp} out), a change
 * set with OCI whiteouts ({@code commit}), both in {@link LayerTarWriter}'s form, and the reverse,
 * a tar unpacked into a container ({@code cp} in).
 */
final class TreeTar {
  private TreeTar() {}

  /**
   * Writes {@code path} of {@code fs} (a directory with everything under it) to {@code out}, its
   * entry named {@code name}; an empty name leaves the directory itself out and names its content
   * from the top ({@code etc/}, {@code etc/hosts}).
   */
  static void tree(FileSystemView fs, String path, String name, OutputStream out)
      throws IOException {
    LayerTarWriter tar = new LayerTarWriter(fs, out);
    walk(fs, tar, path, name);
    tar.finish();
  }

  /**
   * Writes {@code changes} of {@code fs} as an OCI layer ({@link LayerTarWriter#changes}). The root
   * directory comes first, so even an empty change set is a tar with one entry.
   */
  static void changes(FileSystemView fs, Iterable<Change> changes, OutputStream out)
      throws IOException {
    LayerTarWriter tar = new LayerTarWriter(fs, out);
    tar.entry("/", "./");
    tar.changes(changes);
    tar.finish();
  }

  private static void walk(FileSystemView fs, LayerTarWriter tar, String path, String name)
      throws IOException {
    // stat through fs, not the listing: in a container view a mount point's stat is the mount's
    FileStat st = fs.stat(path);
    if (!name.isEmpty()) {
      try {
        tar.entry(path, st, name);
      } catch (CorruptDataException e) {
        // The store names the pack and the chunk; the user needs the file too, in the container's
        // names, since a tar of a directory reads many.
        throw new CorruptDataException(path + ": " + e.getMessage(), e.resource(), e);
      }
    }
    if (st.isDirectory()) {
      for (DirEntry d : fs.list(path)) {
        String child = path.equals("/") ? "/" + d.name() : path + "/" + d.name();
        if (HeldUnlinked.is(fs, child)) {
          continue; // removed: a mount keeps it for a process that has it open
        }
        walk(fs, tar, child, name.isEmpty() ? d.name() : name + "/" + d.name());
      }
    }
  }

  /**
   * Unpacks {@code in} into directory {@code dir} of {@code fs}, as {@code docker cp} does; with
   * {@code rename} not null, the tar's top-level name becomes {@code rename} (copying to a path
   * that does not exist yet), and with {@code rename} empty it is dropped: the top directory's
   * content goes straight into {@code dir} ({@code cp SRC/. DIR}), the directory itself, like
   * docker's {@code .} entry, leaving {@code dir} as it is. Directories, regular files, symlinks,
   * hard links within the tar, FIFOs and character and block devices (with their numbers); names
   * that are absolute or hold {@code ..} and other entry types are refused.
   */
  static void extract(FileSystemView fs, InputStream in, String dir, String rename)
      throws IOException {
    CheckedTarInputStream tar = new CheckedTarInputStream(in, "the tar copied in");
    TarArchiveEntry e;
    while ((e = tar.nextEntry()) != null) {
      try {
        extractEntry(fs, tar, e, dir, rename);
        xattrs(fs, tar, e, dir, rename);
      } catch (NotFoundException missing) {
        // a path through a symlink that leads nowhere: the tar's fault, not a lookup's
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": cannot be placed (" + missing.getMessage() + ")",
            missing);
      }
    }
  }

  private static void extractEntry(
      FileSystemView fs, CheckedTarInputStream tar, TarArchiveEntry e, String dir, String rename)
      throws IOException {
    String path = place(e.getName(), dir, rename);
    if ("".equals(rename) && path.equals(dir)) {
      if (!e.isDirectory()) {
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": the content of a directory was to be copied");
      }
      return; // the top directory stands for dir, which exists
    }
    long mtime = e.getLastModifiedTime().to(TimeUnit.NANOSECONDS);
    int mode = e.getMode() & 07777;
    if (e.isDirectory()) {
      if (!fs.exists(path)) {
        fs.mkdirs(path, mode);
      } else {
        fs.chmod(path, mode);
      }
      return;
    }
    if (fs.exists(path) && !fs.stat(path).isDirectory()) {
      fs.remove(path, false);
    }
    if (e.isSymbolicLink()) {
      fs.symlink(e.getLinkName(), path);
    } else if (e.isLink()) {
      fs.link(place(e.getLinkName(), dir, rename), path);
    } else if (e.isFIFO()) {
      node(fs, path, FileStat.S_IFIFO | mode, 0, e, mtime);
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      if (e.getDevMajor() < 0 || e.getDevMinor() < 0) {
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": device number out of range");
      }
      int type = e.isCharacterDevice() ? FileStat.S_IFCHR : FileStat.S_IFBLK;
      node(fs, path, type | mode, FileStat.makedev(e.getDevMajor(), e.getDevMinor()), e, mtime);
    } else if (e.isFile()) { // true for device entries too: they are handled above
      fs.writeFile(path, tar, mode, (int) e.getLongUserId(), (int) e.getLongGroupId(), mtime);
    } else {
      throw new InvalidArgumentException(
          "tar entry "
              + e.getName()
              + ": only directories, files, links, FIFOs and devices can be copied in");
    }
  }

  /**
   * Sets the extended attributes of entry {@code e} (file capabilities, {@code user.*}, ...) byte
   * for byte ({@link CheckedTarInputStream#exactXattrs}) on what it made, as {@code docker cp}
   * does; a hard link's are its file's, set with its first name. A file of a host-directory volume
   * keeps none ({@link FileSystemView#keepsXattrs}): they are dropped there, as Docker drops what
   * the destination does not support.
   */
  private static void xattrs(
      FileSystemView fs, CheckedTarInputStream tar, TarArchiveEntry e, String dir, String rename)
      throws IOException {
    Map<String, byte[]> x = tar.exactXattrs();
    if (x.isEmpty() || e.isLink()) {
      return;
    }
    String path = place(e.getName(), dir, rename);
    if (!fs.keepsXattrs(path)) {
      return;
    }
    for (Map.Entry<String, byte[]> a : new TreeMap<>(x).entrySet()) {
      if (a.getKey().isEmpty()) {
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": a SCHILY.xattr. record names no extended attribute");
      }
      fs.setXattr(path, a.getKey(), a.getValue());
    }
  }

  /**
   * Reads {@code in} through, refusing what {@link #extract} would refuse by the tar alone: a cut
   * or damaged tar, an absolute or {@code ..} name or link name, an entry type that cannot be
   * copied in, a device number or owner id out of range. Nothing is written. Returns the name every
   * entry is under, the one top entry a copy to a new name renames (empty for an empty tar); null
   * if there is none: several, or an entry {@code ./}.
   */
  static String check(InputStream in) throws IOException {
    CheckedTarInputStream tar = new CheckedTarInputStream(in, "the tar copied in");
    TarArchiveEntry e;
    String top = null;
    boolean one = true;
    while ((e = tar.nextEntry()) != null) {
      String t = topName(e.getName());
      one = one && !t.isEmpty() && (top == null || top.equals(t));
      top = t;
      place(e.getName(), "/", null);
      if (e.isLink()) {
        place(e.getLinkName(), "/", null);
      }
      boolean copied =
          e.isDirectory()
              || e.isSymbolicLink()
              || e.isLink()
              || e.isFIFO()
              || e.isCharacterDevice()
              || e.isBlockDevice()
              || e.isFile();
      if (!copied) {
        throw new InvalidArgumentException(
            "tar entry "
                + e.getName()
                + ": only directories, files, links, FIFOs and devices can be copied in");
      }
      if (tar.exactXattrs().containsKey("")) {
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": a SCHILY.xattr. record names no extended attribute");
      }
      if ((e.isCharacterDevice() || e.isBlockDevice())
          && (e.getDevMajor() < 0 || e.getDevMinor() < 0)) {
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": device number out of range");
      }
      for (long id : new long[] {e.getLongUserId(), e.getLongGroupId()}) {
        if (id < 0 || id > Integer.MAX_VALUE) {
          throw new InvalidArgumentException(
              "tar entry " + e.getName() + ": owner id " + id + " is beyond 2147483647");
        }
      }
    }
    return !one ? null : top == null ? "" : top;
  }

  private static void node(
      FileSystemView fs, String path, int mode, long rdev, TarArchiveEntry e, long mtime)
      throws IOException {
    fs.mknod(path, mode, rdev);
    fs.chown(path, (int) e.getLongUserId(), (int) e.getLongGroupId());
    fs.setTimes(path, mtime, mtime);
  }

  /** The first name of tar entry {@code name}, {@code ./} skipped; empty if it has none. */
  private static String topName(String name) {
    for (String part : name.split("/")) {
      if (!part.isEmpty() && !part.equals(".")) {
        return part;
      }
    }
    return "";
  }

  /**
   * The container path of entry {@code name} unpacked in {@code dir}, top renamed to {@code rename}
   * (empty: dropped).
   */
  private static String place(String name, String dir, String rename) {
    if (name.startsWith("/")) {
      throw new InvalidArgumentException("tar entry " + name + ": absolute names are refused");
    }
    StringBuilder out = new StringBuilder(dir.equals("/") ? "" : dir);
    boolean top = true;
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new InvalidArgumentException("tar entry " + name + ": '..' is refused");
      }
      if (!(top && "".equals(rename))) {
        out.append('/').append(top && rename != null ? rename : part);
      }
      top = false;
    }
    return out.length() == 0 ? "/" : out.toString();
  }
}
