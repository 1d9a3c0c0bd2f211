package io.strata.client.tar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Rewrites a plain tar file as the server's canonical layer tar, the tar {@link TreeTar#writeLayer}
 * makes of a directory: names without {@code ./}, entries sorted depth first, a file's second and
 * later names as hard links to the first in that order, numeric owners, whole-second times. The
 * server hashes a tar in that form as it arrives; any other (GNU tar's, in directory order) it
 * describes by reading the imported tree back from the store, decoding every chunk and hashing the
 * whole tree a second time (docs/perf/HISTORY.md, "Plain tars sent in the canonical form"). The
 * file is read twice: its headers, then each file's data where it lies.
 *
 * <p>Only a tar whose tree the rewrite keeps exactly is rewritten: every entry a directory, a
 * regular file, a symlink, a hard link to an earlier file, a device or a FIFO; no entry twice; no
 * root entry ({@code ./}), whose mode and times the canonical form leaves out; every parent a
 * directory entry of the tar (the server would make a missing one with its own mode and time); no
 * whiteout, sparse file, extended attribute or other PAX record the canonical form does not write;
 * ASCII names; owners that fit an int; whole-second times; at most {@link #MAX_ENTRIES} entries.
 * Anything else is sent as it is. The decision is made from the headers before a byte is written. A
 * field the server ignores (a symlink's mode, a user name) may differ from what it would describe:
 * then the server reads the tree back as before, with the same tree.
 */
public final class LayerTarRewrite {
  /**
   * The most entries a tar may have to be rewritten: the index of its headers (about half a
   * kilobyte an entry) is all the rewrite holds, so this bounds its memory to about 100 MB.
   */
  static final int MAX_ENTRIES = 200_000;

  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  /** One path of the tar, placed in its parent directory. */
  private static final class Node {
    final String name;
    final TarArchiveEntry header;

    /** The entry whose file a hard link names (the node itself for anything else). */
    Node file;

    /** On a file's own node: how many names it has (itself and the hard links to it). */
    int names = 1;

    /** On a file's own node with several names: the first written, which the others link to. */
    String written;

    /** A directory's entries by name, in the order {@link TreeTar} writes them; else null. */
    TreeMap<String, Node> children;

    Node(String name, TarArchiveEntry header) {
      this.name = name;
      this.header = header;
      this.file = this;
    }
  }

  private final byte[] copyBuffer = new byte[128 << 10];
  private final TarFile tar;
  private final TarArchiveOutputStream out;

  private LayerTarRewrite(TarFile tar, OutputStream out) {
    this.tar = tar;
    this.out = TreeTar.layerStream(out);
  }

  /**
   * Writes the tar {@code file} to {@code out} in the canonical layer form and returns true; or,
   * when it cannot be rewritten without changing its tree, writes nothing and returns false. {@code
   * out} stays open.
   */
  public static boolean write(Path file, OutputStream out) throws IOException {
    long headers = headers(file);
    if (headers == 0 || headers > MAX_ENTRIES) {
      return false; // nothing to sort (or not a tar at all), or too many to index
    }
    TarFile tar;
    try {
      // ASCII, strictly: a name with any other byte fails here and the tar is sent as it is (the
      // rewrite keeps ASCII names only). Decoded as UTF-8, a byte that is not would be a '?', an
      // ASCII name of another file the server never saw.
      tar = new TarFile(file, "US-ASCII");
    } catch (IOException | RuntimeException e) {
      return false; // not a tar the rewrite can read: the server reads it and says what is wrong
    }
    try (tar) {
      Node root = tar.getEntries().isEmpty() ? null : index(tar.getEntries());
      if (root == null) {
        return false;
      }
      LayerTarRewrite w = new LayerTarRewrite(tar, out);
      for (Node child : root.children.values()) {
        w.write(child, child.name);
      }
      w.out.finish(); // not close(): the caller's stream stays open
      w.out.flush();
      return true;
    }
  }

  /**
   * The tar's header records, counted from the size fields alone (every record of a PAX or long
   * name counts too), stopping past {@link #MAX_ENTRIES}; 0 when a header's checksum does not match
   * or its content runs past the file ({@link TarHeader}): such a tar is sent as it is, for the
   * server to refuse, never rewritten into a valid one.
   */
  static long headers(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      ByteBuffer block = ByteBuffer.allocate(TarHeader.BLOCK);
      long pos = 0;
      long count = 0;
      while (count <= MAX_ENTRIES) {
        block.clear();
        while (block.hasRemaining() && ch.read(block, pos + block.position()) > 0) {
          // a short read is followed by another
        }
        byte[] h = block.array();
        if (block.hasRemaining()) {
          return count > 0 && block.position() == 0 ? count : 0; // ends at a header, or cut short
        }
        if (TarHeader.isEnd(h)) {
          return count;
        }
        if (!TarHeader.checksumMatches(h)) {
          return 0;
        }
        pos = TarHeader.next(pos, TarHeader.size(h), fileSize);
        if (pos < 0) {
          return 0;
        }
        count++;
      }
      return count;
    }
  }

  /**
   * The tar's tree, rooted at a node with no header; null when the rewrite would not keep it (see
   * the class comment).
   */
  private static Node index(List<TarArchiveEntry> entries) {
    Node root = new Node("", null);
    root.children = new TreeMap<>();
    Map<String, Node> byPath = new HashMap<>();
    byPath.put("", root);
    List<String> parents = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    for (TarArchiveEntry e : entries) {
      String path = normalize(e.getName());
      if (path == null || path.isEmpty() || byPath.containsKey(path) || !keeps(e)) {
        return null;
      }
      int slash = path.lastIndexOf('/');
      Node node = new Node(path.substring(slash + 1), e);
      if (e.isDirectory()) {
        node.children = new TreeMap<>();
      } else if (e.isLink()) {
        // As the server applies it: a new name of the file an earlier entry made.
        String target = normalize(e.getLinkName());
        Node file = target == null ? null : byPath.get(target);
        if (file == null || file.header == null) {
          return null;
        }
        TarArchiveEntry t = file.file.header;
        if (t.isDirectory() || t.isSymbolicLink()) {
          return null;
        }
        node.file = file.file;
        node.file.names++;
      }
      byPath.put(path, node);
      nodes.add(node);
      parents.add(slash < 0 ? "" : path.substring(0, slash));
    }
    // After every entry: a tar may list a directory after what it holds.
    for (int i = 0; i < nodes.size(); i++) {
      Node parent = byPath.get(parents.get(i));
      if (parent == null || parent.children == null) {
        return null;
      }
      parent.children.put(nodes.get(i).name, nodes.get(i));
    }
    return root;
  }

  /**
   * Whether the canonical form keeps everything the server takes from entry {@code e}: its type,
   * permission bits, owner, whole-second time, link target and device number.
   */
  private static boolean keeps(TarArchiveEntry e) {
    if (e.isSparse() || !e.getExtraPaxHeaders().isEmpty()) {
      return false;
    }
    if (!(e.isDirectory()
        || e.isSymbolicLink()
        || e.isLink()
        || e.isCharacterDevice()
        || e.isBlockDevice()
        || e.isFIFO()
        || e.isFile())) {
      return false;
    }
    if (e.isSymbolicLink() && !ascii(e.getLinkName())) {
      return false;
    }
    long uid = e.getLongUserId();
    long gid = e.getLongGroupId();
    if (uid < 0 || uid > Integer.MAX_VALUE || gid < 0 || gid > Integer.MAX_VALUE) {
      return false;
    }
    if (e.isCharacterDevice() || e.isBlockDevice()) {
      if (e.getDevMajor() < 0 || e.getDevMinor() < 0) {
        return false;
      }
    }
    return e.getLastModifiedTime() != null
        && e.getLastModifiedTime().to(TimeUnit.NANOSECONDS) % NANOS_PER_SECOND == 0;
  }

  /**
   * The entry's path as the server places it ({@code a/b}; empty for the root): {@code .} and empty
   * components dropped. Null for what the rewrite leaves to the server: an absolute name, {@code
   * ..}, a NUL byte, a non-ASCII name, a whiteout.
   */
  static String normalize(String name) {
    if (name == null || name.startsWith("/") || !ascii(name)) {
      return null;
    }
    StringBuilder out = new StringBuilder(name.length());
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..") || part.indexOf('\0') >= 0 || part.startsWith(".wh.")) {
        return null;
      }
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(part);
    }
    return out.toString();
  }

  private static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** Writes {@code n} as {@code name}, as {@link TreeTar} writes what a directory holds. */
  private void write(Node n, String name) throws IOException {
    TarArchiveEntry h = n.header;
    TarArchiveEntry e;
    boolean content = false;
    if (h.isDirectory()) {
      e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
    } else if (h.isSymbolicLink()) {
      e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(h.getLinkName());
    } else {
      // A file, device or FIFO, or a hard link to one: what is written is the file's.
      Node file = n.file;
      h = file.header;
      if (file.written != null) {
        e = new TarArchiveEntry(name, TarConstants.LF_LINK);
        e.setLinkName(file.written);
      } else {
        if (file.names > 1) {
          file.written = name;
        }
        if (h.isFIFO()) {
          e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
        } else if (h.isCharacterDevice() || h.isBlockDevice()) {
          e =
              new TarArchiveEntry(
                  name, h.isCharacterDevice() ? TarConstants.LF_CHR : TarConstants.LF_BLK);
          e.setDevMajor(h.getDevMajor());
          e.setDevMinor(h.getDevMinor());
        } else {
          e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          e.setSize(h.getSize());
          content = true;
        }
      }
    }
    TreeTar.setAttributes(
        e, h.getMode(), h.getLongUserId(), h.getLongGroupId(), h.getLastModifiedTime().toMillis());
    out.putArchiveEntry(e);
    if (content) {
      try (InputStream in = tar.getInputStream(h)) {
        int r;
        while ((r = in.read(copyBuffer)) >= 0) {
          out.write(copyBuffer, 0, r);
        }
      }
    }
    out.closeArchiveEntry();
    if (n.children != null) {
      for (Node child : n.children.values()) {
        write(child, name + "/" + child.name);
      }
    }
  }
}
