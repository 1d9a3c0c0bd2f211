package io.strata.server.metrics;

import io.strata.store.engine.FsckReport;

/**
 * What a damaged object of an fsck report is, for {@code strata_fsck_damaged}'s {@code kind} label.
 * The report names each object in words only ({@link FsckReport.Damage#chunk}): its kind is read
 * from the name's first words, as the store writes them.
 */
enum DamageKind {
  /** A chunk: its digest ({@code sha256:…}) or, when that is lost, {@code chunk #id}. */
  CHUNK,
  /** A pack file ({@code pack 0000000a.pack}). */
  PACK,
  /** A compression dictionary file ({@code dictionary …}). */
  DICTIONARY,
  /** A snapshot's tree ({@code tree …}). */
  TREE,
  /** A registry blob still staged ({@code staged blob sha256:…}). */
  BLOB,
  /** Anything a newer store names otherwise: still counted. */
  OTHER;

  static DamageKind of(FsckReport.Damage d) {
    String name = d.chunk();
    if (name.startsWith("sha256:") || name.startsWith("chunk #")) {
      return CHUNK;
    }
    if (name.startsWith("pack ")) {
      return PACK;
    }
    if (name.startsWith("dictionary ")) {
      return DICTIONARY;
    }
    if (name.startsWith("tree ")) {
      return TREE;
    }
    if (name.startsWith("staged blob ")) {
      return BLOB;
    }
    return OTHER;
  }
}
