package io.strata.server.op;

import io.strata.store.error.CorruptDataException;
import io.strata.store.fs.PathNames;

/**
 * Damage met reading a container's files, named as the user knows it: the store's message names the
 * pack, the offset and the chunk, but not which container (nor, for a read of one file, which file)
 * needed them. One line: {@code container c1: /data/r1: pack 00000001.pack offset N: ...}.
 */
final class ContainerDamage {
  private ContainerDamage() {}

  /** {@code e}, met in container {@code ref} (as the request named it) at a path it names. */
  static CorruptDataException in(String ref, CorruptDataException e) {
    return new CorruptDataException("container " + ref + ": " + e.getMessage(), e.resource(), e);
  }

  /** {@code e}, met reading file {@code path} of container {@code ref}. */
  static CorruptDataException at(String ref, String path, CorruptDataException e) {
    return new CorruptDataException(
        "container " + ref + ": " + PathNames.normalize(path) + ": " + e.getMessage(),
        e.resource(),
        e);
  }
}
