package io.strata.store.faultfs;

import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/** The basic attributes of a simulated file: its kind, its size and its inode as the key. */
record FaultAttributes(Node node, long size) implements BasicFileAttributes {
  private static final FileTime EPOCH = FileTime.fromMillis(0);

  @Override
  public FileTime lastModifiedTime() {
    return EPOCH;
  }

  @Override
  public FileTime lastAccessTime() {
    return EPOCH;
  }

  @Override
  public FileTime creationTime() {
    return EPOCH;
  }

  @Override
  public boolean isRegularFile() {
    return node instanceof Node.FileNode;
  }

  @Override
  public boolean isDirectory() {
    return node instanceof Node.DirNode;
  }

  @Override
  public boolean isSymbolicLink() {
    return false;
  }

  @Override
  public boolean isOther() {
    return false;
  }

  @Override
  public Object fileKey() {
    return node;
  }
}
