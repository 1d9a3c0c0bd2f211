package io.strata.store.tree;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of a {@link CowTree}: a leaf of sorted key/value pairs, or an internal node of sorted
 * separator keys and children. A node read from the store is shared and never changed; a mutation
 * works on a copy ({@link #mutableCopy}), which stays in memory, dirty, until the tree is flushed.
 *
 * <pre>
 * node     := u8 version(=1) u8 kind (0 leaf, 1 internal) u32 count entry{count}
 * leaf     := u16 keyLength key u32 valueLength value
 * internal := u16 keyLength key byte[32] childDigest
 * </pre>
 */
final class Node {
  static final int VERSION = 1;

  /**
   * The heap a full node takes, about: its {@link CowTree#MAX_NODE} bytes of entries plus, for each
   * entry of the smallest a file system makes (about 30 bytes), two array headers and references.
   */
  static final int MAX_HEAP = 3 * CowTree.MAX_NODE;

  final boolean leaf;
  final List<byte[]> keys;
  final List<byte[]> values; // leaf only
  final List<Object> children; // internal only: Digest (stored) or Node (dirty)
  int bytes; // serialized size of the entries
  boolean dirty;
  Digest digest; // set once stored; a stored node is never changed again
  // The tree's savepoint generation this dirty node was made in: changed in place only in that
  // generation; a dirty node of an earlier one belongs to the savepoint too and is copied instead.
  int generation;

  private Node(boolean leaf, int capacity) {
    this.leaf = leaf;
    this.keys = new ArrayList<>(capacity);
    this.values = leaf ? new ArrayList<>(capacity) : null;
    this.children = leaf ? null : new ArrayList<>(capacity);
  }

  static Node emptyLeaf() {
    Node n = new Node(true, 8);
    n.dirty = true;
    return n;
  }

  static Node internal(List<byte[]> keys, List<Object> children) {
    Node n = new Node(false, keys.size() + 1);
    for (int i = 0; i < keys.size(); i++) {
      n.addChild(keys.get(i), children.get(i));
    }
    n.dirty = true;
    return n;
  }

  /** A private, dirty copy to change. */
  Node mutableCopy() {
    Node n = new Node(leaf, keys.size() + 1);
    n.keys.addAll(keys);
    if (leaf) {
      n.values.addAll(values);
    } else {
      n.children.addAll(children);
    }
    n.bytes = bytes;
    n.dirty = true;
    return n;
  }

  int size() {
    return keys.size();
  }

  /**
   * The heap this node takes, about: its entries' bytes, and per entry the headers of its arrays
   * and the references to them (a child's digest is an object around an array).
   */
  long heapBytes() {
    return 160 + bytes + (long) keys.size() * (leaf ? 48 : 72);
  }

  void addEntry(int at, byte[] key, byte[] value) {
    keys.add(at, key);
    values.add(at, value);
    bytes += 6 + key.length + value.length;
  }

  void setValue(int at, byte[] value) {
    bytes += value.length - values.get(at).length;
    values.set(at, value);
  }

  void removeEntry(int at) {
    bytes -= 6 + keys.get(at).length + values.get(at).length;
    keys.remove(at);
    values.remove(at);
  }

  void addChild(byte[] key, Object child) {
    keys.add(key);
    children.add(child);
    bytes += 2 + key.length + Digest.LENGTH;
  }

  void insertChild(int at, byte[] key, Object child) {
    keys.add(at, key);
    children.add(at, child);
    bytes += 2 + key.length + Digest.LENGTH;
  }

  void removeChild(int at) {
    bytes -= 2 + keys.get(at).length + Digest.LENGTH;
    keys.remove(at);
    children.remove(at);
  }

  /** In a leaf: the index of {@code key}, or {@code -(insertion point) - 1}. */
  int search(byte[] key) {
    int lo = 0;
    int hi = keys.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Keys.compare(keys.get(mid), key);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }

  /** In an internal node: the child whose range holds {@code key}. */
  int childFor(byte[] key) {
    int i = search(key);
    return i >= 0 ? i : Math.max(0, -i - 2);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(bytes + 6);
      DataOutputStream out = new DataOutputStream(buf);
      out.writeByte(VERSION);
      out.writeByte(leaf ? 0 : 1);
      out.writeInt(keys.size());
      for (int i = 0; i < keys.size(); i++) {
        byte[] k = keys.get(i);
        out.writeShort(k.length);
        out.write(k);
        if (leaf) {
          out.writeInt(values.get(i).length);
          out.write(values.get(i));
        } else {
          out.write(((Digest) children.get(i)).bytes());
        }
      }
      return buf.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Node decode(byte[] b, Digest d) {
    String where = "tree node " + d;
    try {
      ByteBuffer in = ByteBuffer.wrap(b);
      if (in.get() != VERSION) {
        throw new CorruptDataException(where + ": unknown node version", d.toString());
      }
      boolean leaf = in.get() == 0;
      int n = in.getInt();
      if (n < 0 || n > b.length) {
        throw new CorruptDataException(where + ": impossible entry count " + n, d.toString());
      }
      Node node = new Node(leaf, n);
      for (int i = 0; i < n; i++) {
        byte[] k = new byte[in.getShort() & 0xFFFF];
        in.get(k);
        if (leaf) {
          byte[] v = new byte[in.getInt()];
          in.get(v);
          node.addEntry(i, k, v);
        } else {
          byte[] c = new byte[Digest.LENGTH];
          in.get(c);
          node.addChild(k, Digest.of(c));
        }
      }
      node.digest = d;
      return node;
    } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
      throw new CorruptDataException(where + ": cut short", d.toString(), e);
    }
  }
}
