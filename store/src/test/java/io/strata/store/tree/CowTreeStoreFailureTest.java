package io.strata.store.tree;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node the store refuses: the failure names the store's reason, which is what users act on. */
@Timeout(10)
class CowTreeStoreFailureTest {
  @Test
  void aRefusedNodeSaysWhy() {
    NodeStore readOnly =
        new NodeStore() {
          @Override
          public byte[] load(Digest d) throws IOException {
            throw new IOException("nothing stored");
          }

          @Override
          public Digest store(byte[] node) throws IOException {
            throw new IOException("/data/chunks/packs/00000004.pack: Read-only file system");
          }
        };
    CowTree tree = new CowTree(readOnly, new NodeCache(1 << 20), null);
    tree.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(tree::flush)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(
            "tree node: cannot be stored (/data/chunks/packs/00000004.pack: Read-only file"
                + " system)");
  }
}
