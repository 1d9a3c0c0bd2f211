package io.strata.client.tar;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Tells a plain tar of a file tree from an image archive before it is sent, the way the server
 * tells them apart: an archive has a regular file {@code manifest.json} (docker save) or {@code
 * index.json} (OCI layout) at its top. A plain tar can then be imported while it streams (the
 * server need not spool it whole to look for those names, which a docker save archive writes last).
 *
 * <p>A tar file is checked by its headers alone: content is skipped by position, never read, so the
 * check costs one small read per entry. Whatever the check cannot read for sure (a compressed or
 * damaged tar) is reported as not plain, and the server decides by content as before.
 */
public final class ImageArchiveCheck {
  private static final Set<String> MARKERS = Set.of("manifest.json", "index.json");
  private static final int BLOCK = TarHeader.BLOCK;

  /** PAX and GNU long names above this length are not markers, and are not read. */
  private static final int MAX_NAME_RECORD = 1 << 20;

  private ImageArchiveCheck() {}

  /** Whether directory {@code dir} is a plain tree: no regular file marker at its top. */
  public static boolean plainDirectory(Path dir) {
    for (String m : MARKERS) {
      if (Files.isRegularFile(dir.resolve(m), LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code file} is an uncompressed tar whose headers can all be read and which has no
   * regular file marker at its top.
   */
  public static boolean plainTar(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer header = ByteBuffer.allocate(BLOCK);
      long pos = 0;
      String longName = null;
      while (true) {
        header.clear();
        if (pos < 0 || pos + BLOCK > size || readFully(ch, header, pos) < BLOCK) {
          return false; // truncated, or not a tar (compressed input lands here too)
        }
        byte[] h = header.array();
        if (TarHeader.isEnd(h)) {
          return pos > 0; // the end-of-archive block; an empty file is not a tar
        }
        if (!TarHeader.checksumMatches(h)) {
          return false;
        }
        long contentSize = TarHeader.size(h);
        long next = TarHeader.next(pos, contentSize, size);
        if (next < 0) {
          return false; // a size past the file's end: cut short, or no tar
        }
        byte type = h[156];
        if (type == 'x' || type == 'L') {
          if (contentSize > MAX_NAME_RECORD || pos + BLOCK + contentSize > size) {
            return false;
          }
          ByteBuffer body = ByteBuffer.allocate((int) contentSize);
          readFully(ch, body, pos + BLOCK);
          String name =
              type == 'L' ? cString(body.array(), 0, body.limit()) : paxPath(body.array());
          if (name != null) {
            longName = name; // names the next entry
          }
        } else if (type != 'g' && type != 'K') {
          String name = longName != null ? longName : ustarName(h);
          longName = null;
          // the server counts every entry but a directory as a file here
          if (type != '5' && !name.endsWith("/") && isMarker(name)) {
            return false;
          }
        }
        pos = next;
      }
    }
  }

  private static int readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    int total = 0;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private static String ustarName(byte[] h) {
    String name = cString(h, 0, 100);
    boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a';
    String prefix = ustar ? cString(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  /** The {@code path} value of a PAX extended header ({@code "LEN path=VALUE\n"} records). */
  private static String paxPath(byte[] body) {
    String path = null;
    int at = 0;
    while (at < body.length) {
      int space = at;
      while (space < body.length && body[space] != ' ') {
        space++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(body, at, space - at, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        return MARKERS.iterator().next();
      }
      if (len <= space - at || at + len > body.length) {
        return MARKERS.iterator().next(); // unreadable: taken for a marker, the server decides
      }
      String record = new String(body, space + 1, at + len - space - 2, StandardCharsets.UTF_8);
      if (record.startsWith("path=")) {
        path = record.substring(5);
      }
      at += len;
    }
    return path;
  }

  /**
   * Whether {@code name} is a marker at the tar's top ({@code ./manifest.json} and {@code
   * /index.json} are). A name with {@code ..} is none: the server refuses it.
   */
  private static boolean isMarker(String name) {
    String last = null;
    int parts = 0;
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        return false;
      }
      parts++;
      last = p;
    }
    return parts == 1 && MARKERS.contains(last);
  }
}
