/**
 * The file system of a snapshot: inodes, directories, links, attributes and content, kept in a
 * copy-on-write tree; drivers plug in how file content is laid out ({@link
 * io.strata.store.fs.FileLayout}). {@link io.strata.store.fs.TreeFileSystem} orders the operations
 * and holds the read/write lock (its Javadoc says what each guards); lookup, the file model and the
 * storage in the tree are classes of their own, as jimfs keeps them.
 */
package io.strata.store.fs;
