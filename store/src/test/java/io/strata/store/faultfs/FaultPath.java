package io.strata.store.faultfs;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;

/**
 * A path of a {@link FaultFileSystem}. Its syntax is borrowed from a path of the default file
 * system (the delegate), which is never used to reach the disk: every file operation goes through
 * {@link #getFileSystem()}'s provider. Mixing it with a default-file-system path throws {@link
 * ProviderMismatchException}, so code that escapes the file system it was given fails loudly.
 */
final class FaultPath implements Path {
  private final FaultFileSystem fs;
  private final Path delegate;

  FaultPath(FaultFileSystem fs, Path delegate) {
    this.fs = fs;
    this.delegate = delegate;
  }

  private FaultPath wrap(Path p) {
    return p == null ? null : new FaultPath(fs, p);
  }

  private Path unwrap(Path other) {
    if (!(other instanceof FaultPath fp) || fp.fs != fs) {
      throw new ProviderMismatchException(
          other + " is not a path of fault file system " + fs.id() + " (it escaped)");
    }
    return fp.delegate;
  }

  /** The names from the root to this path, absolute and normalized. */
  List<String> names() {
    Path abs = toAbsolutePath().delegate.normalize();
    List<String> out = new ArrayList<>(abs.getNameCount());
    for (Path n : abs) {
      out.add(n.toString());
    }
    return out;
  }

  /** The absolute normalized form, for messages and traces. */
  String absolute() {
    return toAbsolutePath().delegate.normalize().toString();
  }

  @Override
  public FaultFileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return delegate.isAbsolute();
  }

  @Override
  public Path getRoot() {
    return wrap(delegate.getRoot());
  }

  @Override
  public Path getFileName() {
    return wrap(delegate.getFileName());
  }

  @Override
  public Path getParent() {
    return wrap(delegate.getParent());
  }

  @Override
  public int getNameCount() {
    return delegate.getNameCount();
  }

  @Override
  public Path getName(int index) {
    return wrap(delegate.getName(index));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return wrap(delegate.subpath(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    return other instanceof FaultPath fp && fp.fs == fs && delegate.startsWith(fp.delegate);
  }

  @Override
  public boolean endsWith(Path other) {
    return other instanceof FaultPath fp && fp.fs == fs && delegate.endsWith(fp.delegate);
  }

  @Override
  public Path normalize() {
    return wrap(delegate.normalize());
  }

  @Override
  public Path resolve(Path other) {
    return wrap(delegate.resolve(unwrap(other)));
  }

  @Override
  public Path relativize(Path other) {
    return wrap(delegate.relativize(unwrap(other)));
  }

  @Override
  public URI toUri() {
    try {
      return new URI(FaultProvider.SCHEME, fs.id(), absolute(), null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("path " + this + " has no URI", e);
    }
  }

  @Override
  public FaultPath toAbsolutePath() {
    if (delegate.isAbsolute()) {
      return this;
    }
    // The working directory of a fault file system is its root.
    return new FaultPath(fs, delegate.getFileSystem().getPath("/").resolve(delegate));
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    fs.provider().checkAccess(this);
    return wrap(toAbsolutePath().delegate.normalize());
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("the fault file system has no watch service");
  }

  @Override
  public int compareTo(Path other) {
    return delegate.compareTo(unwrap(other));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FaultPath fp && fp.fs == fs && fp.delegate.equals(delegate);
  }

  @Override
  public int hashCode() {
    return delegate.hashCode();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
