package io.strata.store.tree;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A copy-on-write B+tree of byte-string keys and values whose nodes are chunks in the store, as
 * Btrfs keeps its metadata. A tree is named by its root node's digest, so a snapshot is that
 * digest: O(1) whatever the tree's size. A change copies only the nodes on the path from the
 * changed leaf to the root; they stay in memory until {@link #flush} stores them bottom-up, or
 * until they would take more heap than the cache's {@linkplain NodeCache#dirtyBytes dirty budget}:
 * then the tree flushes itself, so a tree changed by a million puts between two flushes holds no
 * more memory than one changed by a thousand. Such a spill writes nodes that a later change may
 * replace again (they become garbage for the next gc); it costs a few nodes per budget's worth of
 * change. The nodes a change replaces are reported to {@link NodeStore#released}, so reference sets
 * stay exact for metadata.
 *
 * <p>Threads: reads ({@link #get}, {@link #scan}, {@link #diff}, {@link #forEachNode}) may run on
 * several threads at once while no change runs: they change nothing but the shared {@link
 * NodeCache}, which is synchronized, and a node they load is complete before the cache publishes
 * it; stored nodes are never changed again. A change ({@link #put}, {@link #delete}, {@link
 * #flush}) needs the tree to itself: its owner's lock ({@link io.strata.store.fs.TreeFileSystem}'s
 * write lock) keeps reads out meanwhile.
 */
public final class CowTree {
  /** A node is split when its entries pass this many bytes: about a Btrfs node. */
  static final int MAX_NODE = 16 << 10;

  /**
   * The most bytes one entry's key and value take together: room for a symlink's inode with the
   * longest target Linux allows (4,095 bytes), while a split still leaves both halves under {@link
   * #MAX_NODE} (each holds half the node plus at most one entry).
   */
  public static final int MAX_ENTRY = 5 << 10;

  private static final byte[] LOW = new byte[0];

  private final NodeStore store;
  private final NodeCache cache;
  private Object root; // Digest (stored) or Node (dirty)
  private long dirtyNodes; // made since the last flush; an overcount when some were dropped

  // The savepoint (see #savepoint): the root then (null once a flush stored nodes since, which a
  // return to it could not undo). Dirty nodes of an earlier generation are never changed.
  private int generation;
  private Object savedRoot;
  private long savedDirtyNodes;

  /** The tree rooted at {@code rootDigest}; null for a new, empty tree. */
  public CowTree(NodeStore store, NodeCache cache, Digest rootDigest) {
    this.store = store;
    this.cache = cache;
    this.root = rootDigest != null ? rootDigest : Node.emptyLeaf();
  }

  /** One key and its value. */
  public record Entry(byte[] key, byte[] value) {}

  /** The value of {@code key}, or null. */
  public byte[] get(byte[] key) {
    Node n = node(root);
    while (!n.leaf) {
      n = node(n.children.get(n.childFor(key)));
    }
    int i = n.search(key);
    return i >= 0 ? n.values.get(i) : null;
  }

  /** Sets {@code key} to {@code value}. */
  public void put(byte[] key, byte[] value) {
    if (key.length > 0xFFFF || key.length + value.length > MAX_ENTRY) {
      throw new IllegalArgumentException(
          "tree entry of " + (key.length + value.length) + " bytes is too large");
    }
    Node r = mutable(root);
    root = r;
    Node right = insert(r, key, value);
    if (right != null) {
      List<byte[]> keys = List.of(LOW, right.keys.get(0));
      List<Object> children = List.of(r, right);
      root = fresh(Node.internal(keys, children));
      dirtyNodes++;
    }
    spillIfOverBudget();
  }

  /** Removes {@code key}; false if it was absent. */
  public boolean delete(byte[] key) {
    if (get(key) == null) {
      return false;
    }
    Node r = mutable(root);
    root = r;
    remove(r, key);
    while (!r.leaf && r.size() == 1) {
      r = mutable(r.children.get(0));
      root = r;
    }
    if (!r.leaf && r.size() == 0) {
      root = fresh(Node.emptyLeaf());
    }
    spillIfOverBudget();
    return true;
  }

  /** Bytes of heap the changed nodes held in memory take, about (an upper estimate). */
  public long dirtyBytes() {
    return dirtyNodes * Node.MAX_HEAP;
  }

  private void spillIfOverBudget() {
    if (dirtyBytes() > cache.dirtyBytes()) {
      flush();
    }
  }

  /** The entries with {@code from <= key < to}, in order; {@code to} null means no bound. */
  public Iterable<Entry> scan(byte[] from, byte[] to) {
    return () -> new Scan(from, to);
  }

  /** Whether changed nodes are held in memory, not yet stored. */
  public boolean dirty() {
    return root instanceof Node n && n.dirty;
  }

  /** Stores every changed node, bottom-up, and returns the new root's digest. */
  public Digest flush() {
    if (root instanceof Node n) {
      if (n.dirty) {
        savedRoot = null;
      }
      root = store(n);
    }
    dirtyNodes = 0;
    return (Digest) root;
  }

  /**
   * Marks the tree as it is now as the state {@link #rollbackToSavepoint} returns to: taken before
   * each change of a file system whose changes are held for a later flush, so that a change that
   * fails half-way undoes itself alone, not every change held with it. Costs nothing until the next
   * change, which then copies the few nodes on its path instead of changing them in place. If the
   * changed nodes are over the cache's budget, they are stored first (a spill), as a change would.
   */
  public void savepoint() {
    spillIfOverBudget();
    generation++;
    savedRoot = root;
    savedDirtyNodes = dirtyNodes;
  }

  /**
   * Returns to the last {@link #savepoint}; false, leaving the tree as it is, when there is none or
   * nodes were stored since (a spill in the change), which a return cannot undo: the caller then
   * rolls back further, to the last durable root.
   */
  public boolean rollbackToSavepoint() {
    if (savedRoot == null) {
      return false;
    }
    root = savedRoot;
    dirtyNodes = savedDirtyNodes;
    generation++; // the nodes the failed change made are dropped; no later change may reuse them
    return true;
  }

  /** The root's digest; the tree must be flushed. */
  public Digest rootDigest() {
    if (!(root instanceof Digest d)) {
      throw new IllegalStateException("tree has unflushed changes");
    }
    return d;
  }

  /**
   * Calls {@code visitor} for every key whose value differs between {@code a} and {@code b} (null:
   * absent on that side), in key order. Leaves both trees hold unchanged are skipped without being
   * read, so the cost follows the size of the change, not of the trees.
   */
  public static void diff(CowTree a, CowTree b, DiffVisitor visitor) {
    EntryCursor x = new EntryCursor(a);
    EntryCursor y = new EntryCursor(b);
    while (!x.done() || !y.done()) {
      if (x.atLeafStart() && y.atLeafStart() && x.leafDigest().equals(y.leafDigest())) {
        x.skipLeaf();
        y.skipLeaf();
        continue;
      }
      if (y.done() || (!x.done() && Keys.compare(x.key(), y.key()) < 0)) {
        visitor.changed(x.key(), x.value(), null);
        x.next();
      } else if (x.done() || Keys.compare(x.key(), y.key()) > 0) {
        visitor.changed(y.key(), null, y.value());
        y.next();
      } else {
        if (!java.util.Arrays.equals(x.value(), y.value())) {
          visitor.changed(x.key(), x.value(), y.value());
        }
        x.next();
        y.next();
      }
    }
  }

  /** Receives one difference found by {@link #diff}. */
  @FunctionalInterface
  public interface DiffVisitor {
    void changed(byte[] key, byte[] before, byte[] after);
  }

  /** Calls {@code visitor} with the digest of every node of the tree (flushed), root first. */
  public void forEachNode(java.util.function.Consumer<Digest> visitor) {
    Deque<Digest> todo = new ArrayDeque<>();
    todo.push(rootDigest());
    while (!todo.isEmpty()) {
      Digest d = todo.pop();
      visitor.accept(d);
      Node n = node(d);
      if (!n.leaf) {
        for (Object c : n.children) {
          todo.push((Digest) c);
        }
      }
    }
  }

  // ---- internals ----

  Node node(Object ref) {
    if (ref instanceof Node n) {
      return n;
    }
    Digest d = (Digest) ref;
    Node n = cache.get(d);
    if (n == null) {
      try {
        n = Node.decode(store.load(d), d);
      } catch (IOException e) {
        throw new UncheckedIOException("tree node " + d + ": cannot be read", e);
      }
      cache.put(d, n);
    }
    return n;
  }

  private Node mutable(Object ref) {
    Node n = node(ref);
    if (n.dirty && n.generation == generation) {
      return n;
    }
    if (n.dirty) {
      // changed before the savepoint: the savepoint keeps it as it is, this change gets a copy
      return fresh(n.mutableCopy());
    }
    if (n.digest != null) {
      store.released(n.digest);
    }
    dirtyNodes++;
    return fresh(n.mutableCopy());
  }

  /** {@code n}, a node just made, as one of this generation's (changed in place from now on). */
  private Node fresh(Node n) {
    n.generation = generation;
    return n;
  }

  private Node insert(Node n, byte[] key, byte[] value) {
    if (n.leaf) {
      int i = n.search(key);
      if (i >= 0) {
        n.setValue(i, value);
      } else {
        n.addEntry(-i - 1, key, value);
      }
    } else {
      int c = n.childFor(key);
      Node child = mutable(n.children.get(c));
      n.children.set(c, child);
      Node right = insert(child, key, value);
      if (right != null) {
        n.insertChild(c + 1, right.keys.get(0), right);
      }
    }
    return n.bytes > MAX_NODE ? split(n) : null;
  }

  /** Moves the upper half of {@code n}'s bytes into a new right sibling. */
  private Node split(Node n) {
    dirtyNodes++;
    int half = n.bytes / 2;
    int acc = 0;
    int at = 0;
    while (at < n.size() - 1 && acc < half) {
      acc +=
          n.leaf
              ? 6 + n.keys.get(at).length + n.values.get(at).length
              : 2 + n.keys.get(at).length + Digest.LENGTH;
      at++;
    }
    at = Math.max(1, at);
    Node right = fresh(n.leaf ? Node.emptyLeaf() : Node.internal(List.of(), List.of()));
    while (n.size() > at) {
      if (n.leaf) {
        right.addEntry(right.size(), n.keys.get(at), n.values.get(at));
        n.removeEntry(at);
      } else {
        right.addChild(n.keys.get(at), n.children.get(at));
        n.removeChild(at);
      }
    }
    return right;
  }

  private void remove(Node n, byte[] key) {
    if (n.leaf) {
      n.removeEntry(n.search(key));
      return;
    }
    int c = n.childFor(key);
    Node child = mutable(n.children.get(c));
    n.children.set(c, child);
    remove(child, key);
    if (child.size() == 0) {
      n.removeChild(c);
    }
  }

  private Digest store(Node n) {
    if (!n.dirty) {
      return n.digest;
    }
    if (!n.leaf) {
      for (int i = 0; i < n.children.size(); i++) {
        Object c = n.children.get(i);
        if (c instanceof Node child) {
          n.children.set(i, store(child));
        }
      }
    }
    Digest d;
    try {
      d = store.store(n.encode());
    } catch (IOException e) {
      // the cause's words are what the user needs ("Read-only file system", "the disk is full")
      throw new UncheckedIOException("tree node: cannot be stored (" + e.getMessage() + ")", e);
    }
    n.dirty = false;
    n.digest = d;
    cache.put(d, n);
    return d;
  }

  /** In-order iteration over a key range, with a stack of internal nodes. */
  private final class Scan implements Iterator<Entry> {
    private final byte[] to;
    private final Deque<int[]> positions = new ArrayDeque<>();
    private final Deque<Node> path = new ArrayDeque<>();
    private Node leaf;
    private int index;

    Scan(byte[] from, byte[] to) {
      this.to = to;
      Node n = node(root);
      while (!n.leaf) {
        int c = n.childFor(from);
        path.push(n);
        positions.push(new int[] {c});
        n = node(n.children.get(c));
      }
      leaf = n;
      int i = n.search(from);
      index = i >= 0 ? i : -i - 1;
      settle();
    }

    /** Moves to the next leaf while the current one is exhausted. */
    private void settle() {
      while (leaf != null && index >= leaf.size()) {
        leaf = null;
        while (!path.isEmpty()) {
          Node p = path.peek();
          int[] pos = positions.peek();
          if (++pos[0] < p.size()) {
            Node n = node(p.children.get(pos[0]));
            while (!n.leaf) {
              path.push(n);
              positions.push(new int[] {0});
              n = node(n.children.get(0));
            }
            leaf = n;
            index = 0;
            break;
          }
          path.pop();
          positions.pop();
        }
      }
    }

    @Override
    public boolean hasNext() {
      return leaf != null && (to == null || Keys.compare(leaf.keys.get(index), to) < 0);
    }

    @Override
    public Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Entry e = new Entry(leaf.keys.get(index), leaf.values.get(index));
      index++;
      settle();
      return e;
    }
  }

  /** Walks a flushed tree's leaves in order, reading a leaf only when its entries are needed. */
  private static final class EntryCursor {
    private final CowTree tree;
    private final List<Digest> leaves = new ArrayList<>();
    private int leafIndex;
    private Node leaf;
    private int index;

    EntryCursor(CowTree tree) {
      this.tree = tree;
      collect(tree.rootDigest());
    }

    private void collect(Digest d) {
      Node n = tree.node(d);
      if (n.leaf) {
        if (n.size() > 0) {
          leaves.add(d);
        }
        return;
      }
      for (Object c : n.children) {
        collect((Digest) c);
      }
    }

    boolean done() {
      return leafIndex >= leaves.size();
    }

    boolean atLeafStart() {
      return !done() && index == 0;
    }

    Digest leafDigest() {
      return leaves.get(leafIndex);
    }

    void skipLeaf() {
      leafIndex++;
      leaf = null;
      index = 0;
    }

    private Node current() {
      if (leaf == null) {
        leaf = tree.node(leaves.get(leafIndex));
      }
      return leaf;
    }

    byte[] key() {
      return current().keys.get(index);
    }

    byte[] value() {
      return current().values.get(index);
    }

    void next() {
      if (++index >= current().size()) {
        skipLeaf();
      }
    }
  }
}
