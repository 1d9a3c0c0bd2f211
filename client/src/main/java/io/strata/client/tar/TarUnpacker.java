package io.strata.client.tar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Unpacks a tar of directories and regular files (an exported OCI layout) into a fresh directory.
 * Every entry must stay inside it: absolute names, {@code ..} components and any other entry type
 * (links, devices) are refused with a message naming the entry, so a hostile or damaged stream can
 * write nothing outside the directory.
 */
public final class TarUnpacker {
  private TarUnpacker() {}

  /** Unpacks {@code in} into the empty directory {@code dir}; {@code what} names the stream. */
  public static void unpack(InputStream in, Path dir, String what) throws IOException {
    Path base = dir.toAbsolutePath().normalize();
    TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8"); // the server's names
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      Path target = inside(base, e.getName(), what);
      if (e.isDirectory()) {
        Files.createDirectories(target);
      } else if (isRegularFile(e)) {
        Files.createDirectories(target.getParent());
        Files.copy(tar, target);
      } else {
        throw new IOException(
            what + ": entry " + e.getName() + " is neither a file nor a directory");
      }
    }
  }

  /** A plain file entry; commons-compress's {@code isFile()} also says yes to links. */
  static boolean isRegularFile(TarArchiveEntry e) {
    byte flag = e.getLinkFlag();
    return flag == TarConstants.LF_NORMAL
        || flag == TarConstants.LF_OLDNORM
        || flag == TarConstants.LF_CONTIG;
  }

  /**
   * Where entry {@code name} lands under {@code base}; refuses, naming the entry, an absolute name,
   * a NUL, a {@code ..} component, or a name this client cannot make as it is ({@link
   * ClientNames#checkMakeable}).
   */
  static Path inside(Path base, String name, String what) throws IOException {
    ClientNames.checkMakeable(name, what + ": entry " + name + ": the name");
    String clean = name.startsWith("./") ? name.substring(2) : name;
    if (clean.startsWith("/") || clean.contains("\0")) {
      throw new IOException(what + ": entry " + name + " has an absolute or invalid name");
    }
    for (String part : clean.split("/")) {
      if (part.equals("..")) {
        throw new IOException(what + ": entry " + name + " leaves the directory");
      }
    }
    Path target = base.resolve(clean).normalize();
    if (!target.startsWith(base)) {
      throw new IOException(what + ": entry " + name + " leaves the directory");
    }
    return target;
  }
}
