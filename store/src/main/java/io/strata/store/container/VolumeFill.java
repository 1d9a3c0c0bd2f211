package io.strata.store.container;

import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldUnlinked;
import io.strata.store.volume.HostDirectory;
import io.strata.store.volume.VolumeStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Copies a directory of a container's image into a new volume's staged content, as Docker copies
 * the image's files into a new, empty volume mounted over them: directories, files (content, mode
 * with setuid, setgid and sticky bits, times), symlinks (their targets as they are), hard links
 * within the directory (one file, several names), FIFOs and devices (with their numbers). Owners
 * are kept when the server runs as root, as Docker's daemon does; otherwise every host file is the
 * server's user's (docs/CONTAINERS.md). Extended attributes are not copied: host directories keep
 * none.
 *
 * <p>It writes only into a staged directory nobody else sees ({@link VolumeStore#stage}), so a copy
 * that fails or is cut by a crash leaves no volume half filled.
 */
final class VolumeFill {
  private final FileSystemView image;
  private final HostDirectory to;
  private final boolean owners;
  // the inode of each file seen with more than one name, and where its first name was copied
  private final Map<Long, String> linked = new HashMap<>();

  private VolumeFill(FileSystemView image, HostDirectory to, boolean owners) {
    this.image = image;
    this.to = to;
    this.owners = owners;
  }

  /**
   * Whether {@code path} of {@code fs} is a directory: only a directory is copied into a volume.
   */
  static boolean isDirectory(FileSystemView fs, String path) throws IOException {
    return fs.exists(path) && fs.stat(path).isDirectory();
  }

  /** Copies directory {@code dir} of {@code image}, with everything in it, into {@code into}. */
  static void copy(FileSystemView image, String dir, VolumeStore.Staged into) throws IOException {
    Path root = into.dataPath();
    // The staged directory was just made by this process: its owner is the server's user.
    boolean root0 =
        ((Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS)) == 0;
    new VolumeFill(image, into.data(), root0).children(dir, "");
    // The volume's own directory takes the image directory's mode, owner and times too.
    FileStat st = image.stat(dir);
    if (root0) {
      Files.setAttribute(root, "unix:uid", st.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(root, "unix:gid", st.gid(), LinkOption.NOFOLLOW_LINKS);
    }
    Files.setAttribute(root, "unix:mode", st.mode() & 07777, LinkOption.NOFOLLOW_LINKS);
    Files.setLastModifiedTime(root, FileTime.from(st.mtimeNanos(), TimeUnit.NANOSECONDS));
  }

  private void children(String from, String at) throws IOException {
    for (DirEntry d : image.list(from)) {
      String src = from.equals("/") ? "/" + d.name() : from + "/" + d.name();
      if (HeldUnlinked.is(image, src)) {
        continue; // removed: a mount keeps it for a process that has it open
      }
      entry(src, at + "/" + d.name());
    }
  }

  private void entry(String src, String dst) throws IOException {
    FileStat st = image.stat(src);
    int mode = st.mode() & 07777;
    if (st.isDirectory()) {
      to.mkdir(dst, 0700); // writable by us while it fills, whatever its own mode
      children(src, dst);
    } else if (st.isSymlink()) {
      to.symlink(image.readlink(src), dst);
      return; // owner and times are the link's own: the host calls would follow it
    } else if (st.isRegular()) {
      if (st.nlink() > 1) {
        String first = linked.putIfAbsent(st.ino(), dst);
        if (first != null) {
          to.link(first, dst);
          return;
        }
      }
      try (InputStream in = image.open(src)) {
        to.writeFile(dst, in, mode, st.uid(), st.gid(), st.mtimeNanos());
      }
    } else {
      to.mknod(dst, st.mode(), st.rdev());
    }
    if (owners) {
      to.chown(dst, st.uid(), st.gid());
    }
    to.chmod(dst, mode); // after chown, which clears setuid and setgid
    to.setTimes(dst, st.mtimeNanos(), st.atimeNanos());
  }
}
