package io.strata.store.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * A return to a savepoint undoes the changes since it alone: changes made before it, held in memory
 * and not flushed, stay (docs/ADVERSARIAL.md, F1: one failed change of a mount dropped every held
 * change of the mount).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CowTreeSavepointTest {
  @TempDir Path dir;

  private static byte[] key(int k) {
    return String.format("k%07d", k).getBytes(StandardCharsets.US_ASCII);
  }

  private static Map<String, String> contents(CowTree tree) {
    Map<String, String> out = new TreeMap<>();
    for (CowTree.Entry e : tree.scan(new byte[0], null)) {
      out.put(
          new String(e.key(), StandardCharsets.US_ASCII),
          new String(e.value(), StandardCharsets.US_ASCII));
    }
    return out;
  }

  private static void change(
      CowTree tree, Map<String, String> model, SplittableRandom r, int count, int keys) {
    for (int i = 0; i < count; i++) {
      byte[] k = key(r.nextInt(keys));
      String ks = new String(k, StandardCharsets.US_ASCII);
      if (r.nextInt(4) == 0) {
        assertThat(tree.delete(k)).isEqualTo(model.remove(ks) != null);
      } else {
        String v = "v".repeat(20 + r.nextInt(200)) + i;
        tree.put(k, v.getBytes(StandardCharsets.US_ASCII));
        model.put(ks, v);
      }
    }
  }

  @Test
  void aReturnToTheSavepointKeepsTheHeldChangesBeforeIt() throws Exception {
    try (ChunkStore store = ChunkStore.open(dir, ChunkStore.Options.defaults());
        WriteSession session = store.session()) {
      ChunkNodeStore nodes = new ChunkNodeStore(store, session);
      CowTree tree = new CowTree(nodes, new NodeCache(64 << 20, 0), null);
      Map<String, String> model = new TreeMap<>();
      SplittableRandom r = new SplittableRandom(11);
      change(tree, model, r, 3000, 2000); // several levels, flushed: a durable state
      Digest durable = tree.flush();
      nodes.drainAdded();
      nodes.drainReleased();
      for (int round = 0; round < 50; round++) {
        // held changes, then a savepoint, then a change that fails half-way
        change(tree, model, r, 40, 2000);
        Map<String, String> held = new TreeMap<>(model);
        tree.savepoint();
        nodes.savepoint();
        change(tree, new TreeMap<>(model), r, 1 + r.nextInt(60), 2000);
        assertThatThrownBy(() -> tree.put(key(1), new byte[CowTree.MAX_ENTRY]))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(tree.rollbackToSavepoint()).isTrue();
        nodes.rollbackToSavepoint();
        assertThat(contents(tree)).as("round " + round).isEqualTo(held);
      }
      // what is flushed now is the held state, and its reference delta is exact: the nodes the
      // undone changes released are the tree's again
      Digest after = tree.flush();
      RoaringBitmap added = nodes.drainAdded();
      RoaringBitmap released = nodes.drainReleased();
      RoaringBitmap before = new RoaringBitmap();
      new CowTree(nodes, new NodeCache(64 << 20, 0), durable)
          .forEachNode(d -> before.add(store.idOf(d)));
      RoaringBitmap now = new RoaringBitmap();
      CowTree reopened = new CowTree(nodes, new NodeCache(64 << 20, 0), after);
      reopened.forEachNode(d -> now.add(store.idOf(d)));
      assertThat(contents(reopened)).isEqualTo(model);
      RoaringBitmap expected = RoaringBitmap.or(RoaringBitmap.andNot(before, released), added);
      assertThat(expected).isEqualTo(now);
    }
  }

  @Test
  void aReturnPastAFlushIsRefused() throws Exception {
    try (ChunkStore store = ChunkStore.open(dir, ChunkStore.Options.defaults());
        WriteSession session = store.session()) {
      ChunkNodeStore nodes = new ChunkNodeStore(store, session);
      CowTree tree = new CowTree(nodes, new NodeCache(64 << 20, 0), null);
      Map<String, String> model = new TreeMap<>();
      change(tree, model, new SplittableRandom(3), 500, 400);
      tree.savepoint();
      change(tree, model, new SplittableRandom(4), 50, 400);
      tree.flush();
      assertThat(tree.rollbackToSavepoint()).isFalse();
      assertThat(contents(tree)).isEqualTo(model);
    }
  }

  @Test
  void dirtyNodesOfTheSavepointAreNeverChangedInPlace() throws Exception {
    try (ChunkStore store = ChunkStore.open(dir, ChunkStore.Options.defaults());
        WriteSession session = store.session()) {
      ChunkNodeStore nodes = new ChunkNodeStore(store, session);
      CowTree tree = new CowTree(nodes, new NodeCache(64 << 20, 0), null);
      Map<String, String> model = new TreeMap<>();
      change(tree, model, new SplittableRandom(5), 2000, 1500); // held, never flushed
      List<Map<String, String>> states = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        tree.savepoint();
        states.add(new TreeMap<>(model));
        change(tree, model, new SplittableRandom(100 + i), 30, 1500);
      }
      assertThat(tree.rollbackToSavepoint()).isTrue();
      assertThat(contents(tree)).isEqualTo(states.get(states.size() - 1));
    }
  }
}
