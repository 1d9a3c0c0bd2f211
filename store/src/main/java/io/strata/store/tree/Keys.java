package io.strata.store.tree;

import java.util.Arrays;

/** Tree keys are byte strings ordered as unsigned bytes, lexicographically. */
public final class Keys {
  private Keys() {}

  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }
}
