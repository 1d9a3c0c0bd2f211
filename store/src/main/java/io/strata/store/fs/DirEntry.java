package io.strata.store.fs;

/**
 * One name in a directory.
 *
 * @param name the name
 * @param stat what it names
 */
public record DirEntry(String name, FileStat stat) {}
