package io.strata.store.fs;

import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.error.CorruptDataException;
import io.strata.store.tree.CowTree;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One regular file's content as its {@link FileLayout} sees it: the file's DATA items in the tree
 * and the chunk store they point into. Made per call, for the inode as it is then.
 *
 * <p>Reads ({@link #item}, {@link #items}, {@link #readChunk}) run under {@link TreeFileSystem}'s
 * read lock, several at once; the rest only within a change, under its write lock.
 */
final class TreeFileData implements FileData {
  private final DurableTree tree;
  private final long ino;
  private final Inode inode;

  TreeFileData(DurableTree tree, long ino, Inode inode) {
    this.tree = tree;
    this.ino = ino;
    this.inode = inode;
  }

  @Override
  public long ino() {
    return ino;
  }

  @Override
  public long size() {
    return inode.size();
  }

  @Override
  public byte[] item(long key) {
    return tree.get(FsKeys.key(ino, FsKeys.DATA, key));
  }

  @Override
  public List<Item> items(long from, long to) {
    List<Item> out = new ArrayList<>();
    byte[] end =
        to == Long.MAX_VALUE ? FsKeys.end(ino, FsKeys.DATA) : FsKeys.key(ino, FsKeys.DATA, to);
    for (CowTree.Entry e : tree.scan(FsKeys.key(ino, FsKeys.DATA, from), end)) {
      out.add(new Item(FsKeys.suffixLong(e.key()), e.value()));
    }
    return out;
  }

  @Override
  public Iterable<Item> scan(long from, long to) {
    byte[] end =
        to == Long.MAX_VALUE ? FsKeys.end(ino, FsKeys.DATA) : FsKeys.key(ino, FsKeys.DATA, to);
    Iterable<CowTree.Entry> entries = tree.scan(FsKeys.key(ino, FsKeys.DATA, from), end);
    return () -> {
      java.util.Iterator<CowTree.Entry> it = entries.iterator();
      return new java.util.Iterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Item next() {
          CowTree.Entry e = it.next();
          return new Item(FsKeys.suffixLong(e.key()), e.value());
        }
      };
    };
  }

  @Override
  public void putItem(long key, byte[] value) {
    tree.put(FsKeys.key(ino, FsKeys.DATA, key), value);
  }

  @Override
  public void deleteItem(long key) {
    tree.delete(FsKeys.key(ino, FsKeys.DATA, key));
  }

  @Override
  public Digest putChunk(byte[] b, int off, int len) throws IOException {
    return putChunk(b, off, len, null);
  }

  @Override
  public Digest putChunk(byte[] b, int off, int len, Compression compression) throws IOException {
    ChunkAccess chunks = tree.chunks();
    ChunkStore.Stored s = chunks.putChunk(tree.session(), b, off, len, compression);
    tree.dataAdded(s.id());
    Digest d = chunks.digest(s.id());
    if (d == null) {
      // The chunk this write shared was given up meanwhile by another write that failed (a full
      // disk): a failure of this write to retry, not an extent naming no chunk (AT1: a
      // NullPointerException far from here).
      throw new IOException(
          "inode "
              + ino
              + ": a chunk of this write was given up by a write that failed meanwhile; retry");
    }
    return d;
  }

  @Override
  public io.strata.store.chunk.ChunkerParams chunkerParams() {
    return tree.chunks().chunkerParams();
  }

  @Override
  public List<Piece> putStream(InputStream in) throws IOException {
    ObjectWriter w = tree.session().newUndigestedObject();
    w.writeAll(in);
    Recipe recipe = w.finish().recipe();
    List<Piece> out = new ArrayList<>(recipe.count());
    for (int i = 0; i < recipe.count(); i++) {
      tree.dataAdded(recipe.id(i));
      out.add(new Piece(tree.chunks().digest(recipe.id(i)), recipe.length(i)));
    }
    return out;
  }

  @Override
  public int readChunk(Digest d, byte[] dst) throws IOException {
    int id = tree.chunks().readableIdOf(d);
    if (id < 0) {
      throw new CorruptDataException(
          "chunk " + d + " of inode " + ino + " is missing", d.toString());
    }
    return tree.chunks().read(id, dst);
  }
}
