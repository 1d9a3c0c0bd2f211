package io.strata.client.tar;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a local directory as a tar, the way {@code tar -C DIR -cf - .} records it: a {@code ./}
 * entry for the directory itself, then every entry below it with its mode (setuid, setgid and
 * sticky included), numeric owner, whole-second mtime, symlinks as links (never followed) and hard
 * links as link entries to the first path of their inode. Entries come in sorted order, depth
 * first, so the same tree always gives the same stream. Long names and large numbers use PAX
 * headers. Devices, FIFOs and sockets are refused, naming the file.
 */
public final class TreeTar {
  private final Path root;
  private final Map<Object, String> inodes = new HashMap<>();
  private TarArchiveOutputStream tar;

  private TreeTar(Path root) {
    this.root = root;
  }

  /** Writes directory {@code dir} as a tar to {@code out}; {@code out} stays open. */
  public static void write(Path dir, OutputStream out) throws IOException {
    new TreeTar(dir).run(out);
  }

  private void run(OutputStream out) throws IOException {
    tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    walk(root, "./");
    tar.finish(); // not close(): the caller's stream stays open
    tar.flush();
  }

  private void walk(Path dir, String name) throws IOException {
    add(dir, name);
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
      list.forEach(children::add);
    }
    children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    for (Path child : children) {
      String childName = name + child.getFileName();
      if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        walk(child, childName + "/");
      } else {
        add(child, childName);
      }
    }
  }

  private void add(Path file, String name) throws IOException {
    Map<String, Object> a = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    TarArchiveEntry e;
    boolean content = false;
    switch (mode & 0170000) {
      case 0040000 -> e = new TarArchiveEntry(name, TarConstants.LF_DIR);
      case 0120000 -> {
        e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(Files.readSymbolicLink(file).toString());
      }
      case 0100000 -> {
        Object inode = List.of(a.get("dev"), a.get("ino"));
        String first = (Integer) a.get("nlink") > 1 ? inodes.putIfAbsent(inode, name) : null;
        if (first != null) {
          e = new TarArchiveEntry(name, TarConstants.LF_LINK);
          e.setLinkName(first);
        } else {
          e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          e.setSize((Long) a.get("size"));
          content = true;
        }
      }
      default ->
          throw new IOException(
              "file "
                  + file
                  + " is a device, FIFO or socket; only files, directories and symlinks"
                  + " can be sent");
    }
    e.setMode(mode & 07777);
    e.setUserId(((Number) a.get("uid")).longValue());
    e.setGroupId(((Number) a.get("gid")).longValue());
    FileTime mtime = (FileTime) a.get("lastModifiedTime");
    e.setModTime(FileTime.fromMillis(Math.floorDiv(mtime.toMillis(), 1000) * 1000));
    tar.putArchiveEntry(e);
    if (content) {
      Files.copy(file, tar);
    }
    tar.closeArchiveEntry();
  }
}
