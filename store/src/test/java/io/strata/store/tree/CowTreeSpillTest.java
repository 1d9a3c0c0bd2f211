package io.strata.store.tree;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/** A tree changed far beyond its dirty budget between two flushes stores nodes as it goes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CowTreeSpillTest {
  @TempDir Path dir;

  private static byte[] key(int k) {
    return String.format("k%07d", k).getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void changesBeyondTheBudgetAreStoredAsTheyComeAndReadBackWhole() throws Exception {
    try (ChunkStore store = ChunkStore.open(dir, ChunkStore.Options.defaults());
        WriteSession session = store.session()) {
      ChunkNodeStore nodes = new ChunkNodeStore(store, session);
      NodeCache cache = new NodeCache(1 << 20, 0); // the smallest dirty budget there is
      CowTree tree = new CowTree(nodes, cache, null);
      TreeMap<byte[], byte[]> model = new TreeMap<>(Keys::compare);
      SplittableRandom r = new SplittableRandom(7);
      int spills = 0;
      long before = 0;
      long most = 0;
      for (int i = 0; i < 60_000; i++) {
        byte[] k = key(r.nextInt(30_000));
        if (r.nextInt(4) == 0) {
          assertThat(tree.delete(k)).isEqualTo(model.remove(k) != null);
        } else {
          byte[] v = new byte[50 + r.nextInt(150)];
          r.nextBytes(v);
          tree.put(k, v);
          model.put(k, v);
        }
        most = Math.max(most, tree.dirtyBytes());
        if (tree.dirtyBytes() < before) {
          spills++;
        }
        before = tree.dirtyBytes();
      }
      assertThat(most).isLessThanOrEqualTo(cache.dirtyBytes());
      // About 60,000 changes of ~150 bytes over 64 full nodes' worth of budget: several spills.
      assertThat(spills).isGreaterThanOrEqualTo(3);

      Digest root = tree.flush();
      CowTree reread = new CowTree(nodes, new NodeCache(1 << 20), root);
      List<byte[]> keys = new ArrayList<>();
      for (CowTree.Entry e : reread.scan(new byte[0], null)) {
        keys.add(e.key());
        assertThat(e.value()).isEqualTo(model.get(e.key()));
      }
      assertThat(keys).containsExactlyElementsOf(model.keySet());

      // The reference delta stays exact: every node of the final tree is in what was added, and
      // nothing it holds was reported released (a spilled node replaced later was).
      RoaringBitmap added = nodes.drainAdded();
      RoaringBitmap released = nodes.drainReleased();
      RoaringBitmap live = new RoaringBitmap();
      reread.forEachNode(d -> live.add(store.idOf(d)));
      assertThat(RoaringBitmap.andNot(live, added).isEmpty()).isTrue();
      assertThat(RoaringBitmap.and(live, released).isEmpty()).isTrue();
      assertThat(RoaringBitmap.and(added, released).isEmpty()).isTrue();
      assertThat(released.isEmpty()).as("spilled nodes replaced later are released").isFalse();
    }
  }
}
