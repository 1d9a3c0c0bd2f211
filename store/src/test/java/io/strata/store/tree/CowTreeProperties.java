package io.strata.store.tree;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tree against a sorted map, on a real chunk store. */
class CowTreeProperties {
  private static Path dir;
  private static ChunkStore store;

  @BeforeAll
  static void open() throws IOException {
    dir = Files.createTempDirectory("cowtree");
    store = ChunkStore.open(dir, ChunkStore.Options.defaults());
  }

  @AfterAll
  static void close() throws IOException {
    store.close();
    try (var s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static final Comparator<byte[]> ORDER = Keys::compare;

  private static byte[] key(int k) {
    return String.format("k%07d", k).getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void behavesLikeASortedMapAcrossFlushes() {
    Property.forAll(
        25,
        Gen.longs(0, 1 << 30),
        Gen.ints(1, 6000),
        Gen.ints(1, 4000),
        CowTreeProperties::likeASortedMap);
  }

  private static void likeASortedMap(long seed, int ops, int keySpace) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    try (WriteSession session = store.session()) {
      ChunkNodeStore nodes = new ChunkNodeStore(store, session);
      NodeCache cache = new NodeCache(8 << 20);
      CowTree tree = new CowTree(nodes, cache, null);
      TreeMap<byte[], byte[]> model = new TreeMap<>(ORDER);
      for (int i = 0; i < ops; i++) {
        byte[] k = key(r.nextInt(keySpace));
        if (r.nextInt(3) == 0) {
          assertThat(tree.delete(k)).isEqualTo(model.remove(k) != null);
        } else {
          byte[] v = new byte[r.nextInt(200)];
          r.nextBytes(v);
          tree.put(k, v);
          model.put(k, v);
        }
        if (r.nextInt(500) == 0) {
          Digest d = tree.flush();
          tree = new CowTree(nodes, new NodeCache(1 << 20), d); // reread from the store
        }
      }
      Digest d = tree.flush();
      CowTree reread = new CowTree(nodes, new NodeCache(1 << 20), d);
      List<byte[]> keys = new ArrayList<>();
      for (CowTree.Entry e : reread.scan(new byte[0], null)) {
        keys.add(e.key());
        assertThat(e.value()).isEqualTo(model.get(e.key()));
      }
      assertThat(keys).containsExactlyElementsOf(model.keySet());
      // A bounded scan returns exactly the keys in range.
      byte[] from = key(keySpace / 3);
      byte[] to = key(2 * keySpace / 3);
      List<byte[]> ranged = new ArrayList<>();
      reread.scan(from, to).forEach(e -> ranged.add(e.key()));
      assertThat(ranged).containsExactlyElementsOf(model.subMap(from, to).keySet());
    }
  }

  @Test
  void diffFindsExactlyTheChangedKeys() {
    Property.forAll(
        15,
        Gen.longs(0, 1 << 30),
        Gen.ints(0, 5000),
        Gen.ints(0, 300),
        CowTreeProperties::diffFindsTheChangedKeys);
  }

  private static void diffFindsTheChangedKeys(long seed, int base, int changes) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    try (WriteSession session = store.session()) {
      ChunkNodeStore nodes = new ChunkNodeStore(store, session);
      NodeCache cache = new NodeCache(8 << 20);
      CowTree a = new CowTree(nodes, cache, null);
      for (int i = 0; i < base; i++) {
        a.put(key(i), ("v" + i).getBytes(StandardCharsets.US_ASCII));
      }
      Digest da = a.flush();
      CowTree b = new CowTree(nodes, cache, da);
      Map<String, String> expected = new HashMap<>();
      for (int i = 0; i < changes; i++) {
        int k = r.nextInt(base + 100);
        String ks = new String(key(k), StandardCharsets.US_ASCII);
        if (r.nextBoolean() && b.get(key(k)) != null) {
          b.delete(key(k));
        } else {
          b.put(key(k), ("w" + i).getBytes(StandardCharsets.US_ASCII));
        }
        expected.put(ks, "");
      }
      b.flush();
      Map<String, String> found = new HashMap<>();
      CowTree.diff(
          new CowTree(nodes, cache, da),
          b,
          (k, before, after) -> {
            assertThat(before == null && after == null).isFalse();
            found.put(new String(k, StandardCharsets.US_ASCII), "");
          });
      // Every reported key really differs; every key that differs is reported.
      for (String k : found.keySet()) {
        assertThat(expected).containsKey(k);
      }
      CowTree old = new CowTree(nodes, cache, da);
      for (String k : expected.keySet()) {
        byte[] kb = k.getBytes(StandardCharsets.US_ASCII);
        boolean differs = !java.util.Arrays.equals(old.get(kb), b.get(kb));
        assertThat(found.containsKey(k)).as(k).isEqualTo(differs);
      }
    }
  }
}
