package io.strata.store.fs;

import io.strata.store.error.NotFoundException;

/**
 * Where a path leads: its parent directory, its last name, and the inode there or -1 when nothing
 * has that name yet (what a create needs).
 *
 * @param parent the directory the last name is looked up in
 * @param name the last name
 * @param ino the inode, or -1
 */
record Resolved(long parent, String name, long ino) {
  /** The inode, which must exist ({@code path} names it in the error). */
  long existing(String path) {
    if (ino < 0) {
      throw new NotFoundException("path " + path + " not found");
    }
    return ino;
  }
}
