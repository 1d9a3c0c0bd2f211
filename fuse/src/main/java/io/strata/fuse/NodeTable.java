package io.strata.fuse;

import io.strata.store.fs.FileStat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes the kernel holds: node id to (parent node, name) and lookup count, so that the path a
 * {@link io.strata.store.fs.FileSystemView} needs is computed from the table, and a rename moves
 * one entry (the children of a renamed directory follow, since they name their parent by id).
 *
 * <p>Identity. For an inode number {@code byInode} accepts, one node stands for one inode of the
 * view: a hard-linked file is one kernel inode under all its names, so attributes cached for one
 * name hold for every name, and a write through one is seen through all (an O_APPEND through any
 * name lands at the file's end). That needs inode numbers that name one object in the whole view,
 * as a snapshot's tree gives, and a container's view for its layer's files ({@link
 * io.strata.store.fs.FileSystemView#inodeNamesOneFile}). Other files (a volume's or bind mount's
 * host files, whose numbers the view keeps 48 bits of) are served by name: one node per (parent,
 * name), as libfuse's path API does, and the caller keeps no attributes of one with several names.
 *
 * <p>Node ids are handed out from a counter and never reused within a mount, so the generation is
 * always 0. All methods are synchronized: two reader threads serve the kernel.
 */
final class NodeTable {
  /** One name of a node: the directory's node id and the name in it. */
  record Name(long parent, String name) {}

  /** A node the kernel knows. */
  static final class Node {
    final long id;
    final long ino;
    final int mode;
    long lookups;

    /** Its known names; the first is the one paths go through. Empty once every name is gone. */
    final List<Name> names = new ArrayList<>(1);

    /**
     * A path of the file the kernel never looked up, for when every known name is gone but the file
     * has others (an open hard-linked file whose name was removed): paths go through it then.
     */
    String elsewhere;

    Node(long id, long ino, int mode) {
      this.id = id;
      this.ino = ino;
      this.mode = mode;
    }

    boolean isDirectory() {
      return (mode & FileStat.S_IFMT) == FileStat.S_IFDIR;
    }
  }

  /** The most names kept for one node: enough to find a path when some of them are removed. */
  private static final int MAX_NAMES = 8;

  private final java.util.function.LongPredicate byInode;
  private final Map<Long, Node> byId = new HashMap<>();
  private final Map<Long, Node> byIno = new HashMap<>();
  private final Map<Name, Node> byName = new HashMap<>();
  private long nextId = Wire.ROOT_ID + 1;

  NodeTable(java.util.function.LongPredicate byInode, FileStat root) {
    this.byInode = byInode;
    Node r = new Node(Wire.ROOT_ID, root.ino(), root.mode());
    r.lookups = 1;
    byId.put(r.id, r);
    if (byInode.test(r.ino)) {
      byIno.put(r.ino, r);
    }
  }

  /** Whether one node stands for inode {@code ino} under all its names (else one per name). */
  boolean byInode(long ino) {
    return byInode.test(ino);
  }

  synchronized Node get(long id) {
    return byId.get(id);
  }

  /** How many nodes the kernel holds now (the root included). */
  synchronized int size() {
    return byId.size();
  }

  /**
   * The node for {@code name} in {@code parent}, which {@code st} describes, with one more lookup:
   * what a LOOKUP, CREATE, MKNOD, MKDIR, SYMLINK, LINK or READDIRPLUS entry hands the kernel.
   */
  synchronized Node lookedUp(long parent, String name, FileStat st) {
    Name n = new Name(parent, name);
    boolean identity = byInode.test(st.ino());
    Node node = identity ? byIno.get(st.ino()) : byName.get(n);
    if (node != null && (node.ino != st.ino() || !sameType(node.mode, st.mode()))) {
      // Replaced behind the kernel's back (another writer of the view): a new object, a new node.
      unname(node, n);
      node = null;
    }
    if (node == null) {
      node = new Node(nextId++, st.ino(), st.mode());
      byId.put(node.id, node);
      if (identity) {
        byIno.put(node.ino, node);
      }
    }
    Node before = byName.get(n);
    if (before != node) {
      if (before != null) {
        before.names.remove(n);
      }
      byName.put(n, node);
      node.names.remove(n);
      node.names.add(0, n);
      if (node.names.size() > MAX_NAMES) {
        byName.remove(node.names.remove(node.names.size() - 1), node);
      }
    } else if (node.names.indexOf(n) > 0) {
      node.names.remove(n);
      node.names.add(0, n);
    }
    node.lookups++;
    return node;
  }

  private static boolean sameType(int a, int b) {
    return (a & FileStat.S_IFMT) == (b & FileStat.S_IFMT);
  }

  /** The kernel dropped {@code n} lookups of node {@code id}; at zero the node is gone. */
  synchronized Node forget(long id, long n) {
    Node node = byId.get(id);
    if (node == null || id == Wire.ROOT_ID) {
      return null;
    }
    node.lookups -= n;
    if (node.lookups > 0) {
      return null;
    }
    byId.remove(id);
    if (byInode.test(node.ino)) {
      byIno.remove(node.ino, node);
    }
    for (Name name : node.names) {
      byName.remove(name, node);
    }
    return node;
  }

  /**
   * LINK made {@code name} in {@code parent}, which {@code st} describes, a new name of node {@code
   * oldId}'s file: the node for it, with one more lookup. Served by name too, that is the old node
   * (one kernel inode for both names, as served by inode), so that a change through either name is
   * what the other shows: with a kernel inode per name, a truncate through the new name left the
   * old one's size stale, and an append through the old name landed at its old end.
   */
  synchronized Node linked(long oldId, long parent, String name, FileStat st) {
    Node node = byId.get(oldId);
    if (byInode.test(st.ino())
        || node == null
        || node.ino != st.ino()
        || !sameType(node.mode, st.mode())) {
      return lookedUp(parent, name, st);
    }
    Name n = new Name(parent, name);
    Node before = byName.get(n);
    if (before != null && before != node) {
      before.names.remove(n);
    }
    byName.put(n, node);
    node.names.remove(n);
    node.names.add(n); // after the others: paths go on through the name they went through
    if (node.names.size() > MAX_NAMES) {
      byName.remove(node.names.remove(node.names.size() - 1), node);
    }
    node.lookups++;
    return node;
  }

  /** The node known under {@code name} in {@code parent}, or null. */
  synchronized Node at(long parent, String name) {
    return byName.get(new Name(parent, name));
  }

  /** The name is gone from the view (unlink, rmdir): the node keeps its other names. */
  synchronized void removed(long parent, String name) {
    removed(parent, name, null);
  }

  /**
   * As {@link #removed(long, String)}; {@code elsewhere}, if not null, is another path of the file,
   * which paths go through once the node has no known name left.
   */
  synchronized void removed(long parent, String name, String elsewhere) {
    Name n = new Name(parent, name);
    Node node = byName.remove(n);
    if (node != null) {
      node.names.remove(n);
      if (node.names.isEmpty() && elsewhere != null) {
        node.elsewhere = elsewhere;
      }
    }
  }

  private void unname(Node node, Name n) {
    byName.remove(n, node);
    node.names.remove(n);
  }

  /** {@code from} was renamed to {@code to}; whatever {@code to} named before is unnamed. */
  synchronized void renamed(Name from, Name to) {
    renamed(from, to, null);
  }

  /**
   * As {@link #renamed(Name, Name)}; {@code replacedElsewhere}, if not null, is another path of the
   * file {@code to} named before (see {@link #removed(long, String, String)}).
   */
  synchronized void renamed(Name from, Name to, String replacedElsewhere) {
    removed(to.parent(), to.name(), replacedElsewhere);
    Node node = byName.remove(from);
    if (node == null) {
      return;
    }
    int i = node.names.indexOf(from);
    node.names.set(i, to);
    byName.put(to, node);
  }

  /**
   * The view's path of node {@code id} ("/" for the root), or null when some node on the way has no
   * name left (removed while the kernel still holds it).
   */
  synchronized String path(long id) {
    if (id == Wire.ROOT_ID) {
      return "/";
    }
    StringBuilder b = new StringBuilder();
    List<String> parts = new ArrayList<>();
    long at = id;
    int depth = 0;
    while (at != Wire.ROOT_ID) {
      Node node = byId.get(at);
      if (node != null && node.names.isEmpty() && node.elsewhere != null && parts.isEmpty()) {
        return node.elsewhere;
      }
      if (node == null || node.names.isEmpty() || ++depth > 4096) {
        return null;
      }
      Name n = node.names.get(0);
      parts.add(n.name());
      at = n.parent();
    }
    for (int i = parts.size() - 1; i >= 0; i--) {
      b.append('/').append(parts.get(i));
    }
    return b.toString();
  }

  /** The path of {@code name} in directory node {@code parent}, or null (see {@link #path}). */
  synchronized String child(long parent, String name) {
    String p = path(parent);
    if (p == null) {
      return null;
    }
    return p.equals("/") ? "/" + name : p + "/" + name;
  }
}
