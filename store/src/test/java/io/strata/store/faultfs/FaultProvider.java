package io.strata.store.faultfs;

import io.strata.store.faultfs.Node.DirNode;
import io.strata.store.faultfs.Node.FileNode;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The provider of one {@link FaultFileSystem}: path operations on its {@link SimulatedDisk}. Each
 * call that creates, renames or deletes is numbered (and may be failed) only once it is known to
 * reach the disk: a mkdir of an existing directory or an open of an existing file without
 * truncation is an {@link OpKind#OPEN} or a {@link OpKind#LOOKUP}, not a mutation.
 */
final class FaultProvider extends FileSystemProvider {
  static final String SCHEME = "faultfs";

  private final FaultFileSystem fs;
  private final SimulatedDisk disk;

  FaultProvider(FaultFileSystem fs, SimulatedDisk disk) {
    this.fs = fs;
    this.disk = disk;
  }

  private FaultPath check(Path p) {
    if (!(p instanceof FaultPath fp) || fp.getFileSystem() != fs) {
      throw new ProviderMismatchException(p + " is not a path of fault file system " + fs.id());
    }
    return fp;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException(
        "create fault file systems with FaultFileSystem.create");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    throw new UnsupportedOperationException("fault file systems are not registered by URI");
  }

  @Override
  public Path getPath(URI uri) {
    throw new UnsupportedOperationException("fault file systems are not registered by URI");
  }

  @Override
  public FileChannel newFileChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    FaultPath p = check(path);
    String where = p.absolute();
    boolean append = options.contains(StandardOpenOption.APPEND);
    boolean writable = options.contains(StandardOpenOption.WRITE) || append;
    boolean readable = options.contains(StandardOpenOption.READ) || !writable;
    boolean create =
        writable
            && (options.contains(StandardOpenOption.CREATE)
                || options.contains(StandardOpenOption.CREATE_NEW));
    synchronized (disk) {
      List<String> names = p.names();
      Node n = disk.find(names);
      if (n == null) {
        if (!create) {
          disk.enter(OpKind.OPEN, where, true);
          throw new NoSuchFileException(where);
        }
        DirNode parent = disk.parent(names, where);
        disk.enter(OpKind.CREATE, where, true);
        n = new FileNode();
        parent.entries.put(names.get(names.size() - 1), n);
        return new FaultChannel(disk, n, where, readable, writable, append);
      }
      if (writable && options.contains(StandardOpenOption.CREATE_NEW)) {
        throw new FileAlreadyExistsException(where);
      }
      if (n instanceof DirNode && writable) {
        throw new FileSystemException(where, null, "Is a directory");
      }
      if (n instanceof FileNode f
          && writable
          && options.contains(StandardOpenOption.TRUNCATE_EXISTING)
          && f.size > 0) {
        disk.enter(OpKind.TRUNCATE, where, true);
        disk.truncate(f, 0);
      } else {
        disk.enter(OpKind.OPEN, where, true);
      }
      return new FaultChannel(disk, n, where, readable, writable, append);
    }
  }

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    FaultPath p = check(dir);
    List<String> names;
    synchronized (disk) {
      disk.enter(OpKind.LOOKUP, p.absolute(), true);
      Node n = disk.find(p.names());
      if (n == null) {
        throw new NoSuchFileException(p.absolute());
      }
      if (!(n instanceof DirNode d)) {
        throw new NotDirectoryException(p.absolute());
      }
      names = List.copyOf(d.entries.keySet());
    }
    return new DirectoryStream<>() {
      private boolean iterated;

      @Override
      public Iterator<Path> iterator() {
        if (iterated) {
          throw new IllegalStateException("a directory stream iterates once");
        }
        iterated = true;
        Iterator<String> it = names.iterator();
        return new Iterator<>() {
          private Path next;

          @Override
          public boolean hasNext() {
            while (next == null && it.hasNext()) {
              Path candidate = dir.resolve(it.next());
              try {
                if (filter.accept(candidate)) {
                  next = candidate;
                }
              } catch (IOException e) {
                throw new DirectoryIteratorException(e);
              }
            }
            return next != null;
          }

          @Override
          public Path next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            Path p = next;
            next = null;
            return p;
          }
        };
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    FaultPath p = check(dir);
    String where = p.absolute();
    synchronized (disk) {
      List<String> names = p.names();
      if (disk.find(names) != null) {
        throw new FileAlreadyExistsException(where);
      }
      DirNode parent = disk.parent(names, where);
      disk.enter(OpKind.MKDIR, where, true);
      parent.entries.put(names.get(names.size() - 1), new DirNode());
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    FaultPath p = check(path);
    String where = p.absolute();
    synchronized (disk) {
      List<String> names = p.names();
      Node n = disk.find(names);
      if (n == null || names.isEmpty()) {
        disk.enter(OpKind.LOOKUP, where, true);
        throw new NoSuchFileException(where);
      }
      if (n instanceof DirNode d && !d.entries.isEmpty()) {
        throw new DirectoryNotEmptyException(where);
      }
      disk.enter(OpKind.DELETE, where, true);
      disk.parent(names, where).entries.remove(names.get(names.size() - 1));
      disk.unlinked(n);
    }
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    FaultPath s = check(source);
    check(target);
    byte[] content;
    synchronized (disk) {
      disk.enter(OpKind.OPEN, s.absolute(), true);
      Node n = disk.find(s.names());
      if (!(n instanceof FileNode f)) {
        throw new FileSystemException(s.absolute(), null, "only files can be copied here");
      }
      content = f.content();
    }
    boolean replace = Arrays.asList(options).contains(StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel out =
        newFileChannel(
            target,
            replace
                ? Set.of(
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)
                : Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
      ByteBuffer bb = ByteBuffer.wrap(content);
      while (bb.hasRemaining()) {
        out.write(bb);
      }
    }
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    FaultPath s = check(source);
    FaultPath t = check(target);
    String where = s.absolute() + " -> " + t.absolute();
    List<CopyOption> opts = Arrays.asList(options);
    boolean replace =
        opts.contains(StandardCopyOption.ATOMIC_MOVE)
            || opts.contains(StandardCopyOption.REPLACE_EXISTING);
    synchronized (disk) {
      List<String> from = s.names();
      List<String> to = t.names();
      Node n = disk.find(from);
      if (n == null || from.isEmpty()) {
        disk.enter(OpKind.LOOKUP, s.absolute(), true);
        throw new NoSuchFileException(s.absolute());
      }
      DirNode fromDir = disk.parent(from, s.absolute());
      DirNode toDir = disk.parent(to, t.absolute());
      Node existing = disk.find(to);
      if (existing == n) {
        return;
      }
      if (existing != null) {
        if (!replace) {
          throw new FileAlreadyExistsException(t.absolute());
        }
        if (existing instanceof DirNode d && !d.entries.isEmpty()) {
          throw new DirectoryNotEmptyException(t.absolute());
        }
      }
      disk.enter(OpKind.RENAME, where, true);
      fromDir.entries.remove(from.get(from.size() - 1));
      if (existing != null) {
        disk.unlinked(existing);
      }
      toDir.entries.put(to.get(to.size() - 1), n);
    }
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    FaultPath a = check(path);
    if (!(path2 instanceof FaultPath b) || b.getFileSystem() != fs) {
      return false;
    }
    synchronized (disk) {
      Node na = disk.find(a.names());
      return na != null && na == disk.find(b.names());
    }
  }

  @Override
  public boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException("the fault file system has no file stores");
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    attributes(check(path));
  }

  private FaultAttributes attributes(FaultPath p) throws IOException {
    synchronized (disk) {
      disk.enter(OpKind.LOOKUP, p.absolute(), true);
      Node n = disk.find(p.names());
      if (n == null) {
        throw new NoSuchFileException(p.absolute());
      }
      return new FaultAttributes(n, n instanceof FileNode f ? f.size : 0);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    FaultPath p = check(path);
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    return (V)
        new BasicFileAttributeView() {
          @Override
          public String name() {
            return "basic";
          }

          @Override
          public BasicFileAttributes readAttributes() throws IOException {
            return attributes(p);
          }

          @Override
          public void setTimes(FileTime modified, FileTime access, FileTime create) {
            throw new UnsupportedOperationException("the fault file system keeps no times");
          }
        };
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    if (type != BasicFileAttributes.class) {
      throw new UnsupportedOperationException("the fault file system has only basic attributes");
    }
    return (A) attributes(check(path));
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    FaultAttributes a = attributes(check(path));
    Map<String, Object> out = new HashMap<>();
    out.put("size", a.size());
    out.put("isDirectory", a.isDirectory());
    out.put("isRegularFile", a.isRegularFile());
    out.put("isSymbolicLink", false);
    out.put("isOther", false);
    out.put("lastModifiedTime", a.lastModifiedTime());
    out.put("lastAccessTime", a.lastAccessTime());
    out.put("creationTime", a.creationTime());
    out.put("fileKey", a.fileKey());
    return out;
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    throw new UnsupportedOperationException("the fault file system keeps no attributes");
  }
}
