/**
 * The file system of a snapshot: inodes, directories, links, attributes and content, kept in a
 * copy-on-write tree; drivers plug in how file content is laid out ({@link
 * io.strata.store.fs.FileLayout}).
 */
package io.strata.store.fs;
