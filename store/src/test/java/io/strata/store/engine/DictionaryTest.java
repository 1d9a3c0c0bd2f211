package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdDictTrainer;
import io.strata.store.Engine;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Dictionaries;
import io.strata.store.compress.DictionaryFile;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.faultfs.FaultStore;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.RecordHeader;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zstd dictionaries and version 2 of the pack record (docs/FORMAT.md, "Zstd dictionaries"): chunks
 * round-trip with and without one, a store written by the release before reads back, a damaged or
 * missing dictionary is named by fsck, and a power cut between a dictionary and the records that
 * use it loses nothing acknowledged.
 */
@Timeout(180)
class DictionaryTest {
  @TempDir Path data;

  private Engine open() throws IOException {
    return Engine.open(data, null, ChunkStore.Options.defaults().withTrainDictionary(true));
  }

  private Path chunks(String name) {
    return data.resolve("chunks").resolve(name);
  }

  /** A dictionary trained on text like {@link TestData#text}'s. */
  static byte[] textDictionary() {
    ZstdDictTrainer t = new ZstdDictTrainer(4 << 20, 16 << 10);
    for (int i = 0; i < 400; i++) {
      t.addSample(TestData.text(10_000 + i, 4096));
    }
    return t.trainSamples();
  }

  private Engine openPerChunk() throws IOException {
    return Engine.open(
        data, null, ChunkStore.Options.defaults().withTrainDictionary(true).withGroupBytes(0));
  }

  /** How many records of each codec the packs under {@code packs} hold, and the dictionaries. */
  static Map<Codec, Integer> codecs(Path packs, Set<Integer> dictIds) throws IOException {
    Map<Codec, Integer> n = new EnumMap<>(Codec.class);
    for (int id : PackSet.listIds(packs)) {
      PackScanner.scan(
          packs.resolve(PackFormat.fileName(id)),
          PackFormat.HEADER_SIZE,
          (RecordHeader h, long offset, byte[] buf, int off) -> {
            n.merge(h.codec(), 1, Integer::sum);
            if (h.dictId() != 0) {
              dictIds.add(h.dictId());
            }
          });
    }
    return n;
  }

  private static void assertReadsBack(Engine e, Map<Digest, byte[]> objects) throws IOException {
    for (Map.Entry<Digest, byte[]> o : objects.entrySet()) {
      assertThat(e.blobs().open(o.getKey(), 0, -1).readAllBytes()).isEqualTo(o.getValue());
    }
  }

  @Test
  void chunksRoundTripWithAndWithoutADictionaryAndTakeLessWithOne() throws IOException {
    // Records of one chunk each, with and without the dictionary: groups (GroupsTest) off.
    Map<Digest, byte[]> before = new LinkedHashMap<>();
    Map<Digest, byte[]> after = new LinkedHashMap<>();
    long dictBytes = 0;
    int dictId;
    try (Engine e = openPerChunk()) {
      for (int i = 0; i < 6; i++) {
        byte[] b = TestData.text(i, 5_000 + 7_000 * i);
        var r = e.blobs().put(new ByteArrayInputStream(b));
        before.put(r.digest(), b);
      }
      assertThat(e.chunks().dictionaries().currentId()).isZero();
      dictId = e.chunks().dictionaries().install(textDictionary());
      assertThat(dictId).isEqualTo(1);
      assertThat(chunks("dicts").resolve(DictionaryFile.fileName(dictId))).isRegularFile();
      for (int i = 0; i < 6; i++) {
        // The same sizes, other words: what the dictionary saves is the difference.
        byte[] b = TestData.text(100 + i, 5_000 + 7_000 * i);
        var r = e.blobs().put(new ByteArrayInputStream(b));
        after.put(r.digest(), b);
        dictBytes += r.newBytes();
      }
      assertReadsBack(e, before);
      assertReadsBack(e, after);
    }
    // The same content in a store without a dictionary takes more.
    try (Engine plain =
        Engine.open(
            data.resolveSibling(data.getFileName() + "-plain"),
            null,
            ChunkStore.Options.defaults().withTrainDictionary(true).withGroupBytes(0))) {
      long without = 0;
      for (byte[] b : after.values()) {
        without += plain.blobs().put(new ByteArrayInputStream(b)).newBytes();
      }
      assertThat(dictBytes).isLessThan(without * 97 / 100);
    }
    Set<Integer> dictIds = new HashSet<>();
    Map<Codec, Integer> n = codecs(chunks("packs"), dictIds);
    assertThat(n.get(Codec.ZSTD)).isGreaterThanOrEqualTo(6);
    assertThat(n.get(Codec.ZSTD_DICT)).isGreaterThanOrEqualTo(6);
    assertThat(dictIds).containsExactly(dictId);
    try (Engine e = openPerChunk()) {
      assertThat(e.chunks().dictionaries().currentId()).isEqualTo(dictId);
      assertReadsBack(e, before);
      assertReadsBack(e, after);
      assertThat(e.fsck().damaged()).isEmpty();
      // gc copies records as they are: the dictionary's name goes with them.
      for (Digest d : before.keySet()) {
        e.blobs().remove(d);
      }
      e.gc();
      assertReadsBack(e, after);
      assertThat(e.fsck().damaged()).isEmpty();
    }
    try (Engine e = openPerChunk()) {
      assertReadsBack(e, after);
    }
  }

  @Test
  void aStoreTrainsItsDictionaryOnItsFirstChunksAndKeepsIt() throws Exception {
    Map<Digest, byte[]> objects = new LinkedHashMap<>();
    try (Engine e = open()) {
      Dictionaries dicts = e.chunks().dictionaries();
      int i = 0;
      for (long written = 0; written <= Dictionaries.SAMPLE_BYTES; i++) {
        byte[] b = TestData.text(1000 + i, 1 << 20);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
        written += b.length;
      }
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (dicts.currentId() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(dicts.currentId()).isEqualTo(1);
      for (int k = 0; k < 4; k++, i++) {
        byte[] b = TestData.text(1000 + i, 200_000);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      }
      assertReadsBack(e, objects);
    }
    Set<Integer> dictIds = new HashSet<>();
    assertThat(codecs(chunks("packs"), dictIds).get(Codec.ZSTD_DICT)).isGreaterThan(0);
    assertThat(dictIds).containsExactly(1);
    assertThat(DictionaryFile.decode(Files.readAllBytes(chunks("dicts/00000001.dict")), 1, "x"))
        .hasSizeLessThanOrEqualTo(Dictionaries.DICT_BYTES);
    try (Engine e = open()) {
      assertThat(e.chunks().dictionaries().currentId()).isEqualTo(1);
      assertReadsBack(e, objects);
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aStoreOfTheDefaultOptionsTrainsNoneAndAStoreThatHasOneKeepsUsingIt() throws Exception {
    Map<Digest, byte[]> objects = new LinkedHashMap<>();
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      int i = 0;
      for (long written = 0; written <= 2 * Dictionaries.SAMPLE_BYTES; i++) {
        byte[] b = TestData.text(3000 + i, 1 << 20);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
        written += b.length;
      }
      Thread.sleep(500); // a training, were one started, runs on a thread of its own
      assertThat(e.chunks().dictionaries().currentId()).isZero();
      assertReadsBack(e, objects);
    }
    assertThat(chunks("dicts/00000001.dict")).doesNotExist();
    assertThat(codecs(chunks("packs"), new HashSet<>())).doesNotContainKey(Codec.ZSTD_DICT);
    // a store that has a dictionary (trained before the default changed) compresses with it
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      assertThat(e.chunks().dictionaries().install(textDictionary())).isEqualTo(1);
    }
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      assertThat(e.chunks().dictionaries().currentId()).isEqualTo(1);
      byte[] b = TestData.text(9999, 1 << 20);
      objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      assertReadsBack(e, objects);
    }
    assertThat(codecs(chunks("packs"), new HashSet<>()).get(Codec.ZSTD_DICT)).isPositive();
  }

  @Test
  void aStoreOfLargeChunksSamplesEnoughChunksForTheTrainer() throws IOException {
    // 4 MiB of chunks near 1 MiB are fewer than zstd's trainer takes: sampling goes on.
    Path root = data.resolveSibling(data.getFileName() + "-large");
    ChunkStore.Options large =
        ChunkStore.Options.defaults()
            .withTrainDictionary(true)
            .withChunker(new io.strata.store.chunk.ChunkerParams(256 << 10, 512 << 10, 1 << 20));
    Map<Digest, byte[]> objects = new LinkedHashMap<>();
    try (Engine e = Engine.open(root, null, large)) {
      for (int i = 0; e.chunks().dictionaries().currentId() == 0 && i < 80; i++) {
        byte[] b = TestData.text(5000 + i, 1 << 20);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      }
      assertThat(e.chunks().dictionaries().currentId()).isEqualTo(1);
      // Trained after more than the usual 4 MiB: one object a MiB.
      assertThat(objects.size()).isGreaterThan(4);
      byte[] b = TestData.text(6000, 1 << 20);
      objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      assertReadsBack(e, objects);
    }
    Set<Integer> dictIds = new HashSet<>();
    assertThat(codecs(root.resolve("chunks/packs"), dictIds)).containsKey(Codec.ZSTD_DICT);
  }

  // ---- a store the release before wrote (GenV1.java.txt beside it made it) ----

  private static byte[] v1Text(long seed, int n) {
    String[] words = {
      "alpha", "beta", "gamma", "delta", "layer", "chunk", "pack", "store", "image", "tree", "file",
      "root", "index", "record", "zstd", "lz4"
    };
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < n) {
      sb.append(words[r.nextInt(words.length)]).append(r.nextInt(10) == 0 ? '\n' : ' ');
    }
    return sb.substring(0, n).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static byte[] v1Random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private void copyV1Store() throws IOException, URISyntaxException {
    Path src = Paths.get(DictionaryTest.class.getResource("/v1-store/chunks").toURI());
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path to = data.resolve("chunks").resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
  }

  @Test
  void aStoreWrittenByTheReleaseBeforeReadsBackAndTakesDictionaryRecordsBeside() throws Exception {
    copyV1Store();
    Map<Digest, byte[]> old = new LinkedHashMap<>();
    old.put(
        Digest.parse("sha256:5e2882f6b0638e4c3a7e7cf250d7f4923d5249a96881ae25d921dad61e3c092a"),
        v1Text(1, 300_000));
    old.put(
        Digest.parse("sha256:6faf328b9b15890804e57cb7245661528b91df440d86ebdad9fe6660f1d9e24b"),
        v1Random(2, 70_000));
    old.put(
        Digest.parse("sha256:ef6e43d4c708b0203e6b068a54738d8d6301756b925c61bd468b0d2a0c6fa45f"),
        v1Text(3, 100_000));
    Map<Codec, Integer> v1 = codecs(chunks("packs"), new HashSet<>());
    assertThat(v1)
        .containsKeys(Codec.NONE, Codec.LZ4, Codec.ZSTD)
        .doesNotContainKey(Codec.ZSTD_DICT);
    Map<Digest, byte[]> added = new LinkedHashMap<>();
    try (Engine e = open()) {
      assertReadsBack(e, old);
      assertThat(e.fsck().damaged()).isEmpty();
      e.chunks().dictionaries().install(textDictionary());
      byte[] b = TestData.text(7, 150_000);
      added.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
    }
    assertThat(codecs(chunks("packs"), new HashSet<>())).containsKey(Codec.ZSTD_DICT);
    try (Engine e = open()) {
      assertReadsBack(e, old);
      assertReadsBack(e, added);
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  // ---- damage ----

  private Map<Digest, byte[]> storeWithDictionary() throws IOException {
    Map<Digest, byte[]> objects = new LinkedHashMap<>();
    try (Engine e = open()) {
      e.chunks().dictionaries().install(textDictionary());
      for (int i = 0; i < 3; i++) {
        byte[] b = TestData.text(200 + i, 100_000);
        objects.put(e.blobs().put(new ByteArrayInputStream(b)).digest(), b);
      }
    }
    return objects;
  }

  @Test
  void fsckNamesADamagedDictionaryAndTheObjectsThatNeedIt() throws IOException {
    Map<Digest, byte[]> objects = storeWithDictionary();
    Path dict = chunks("dicts/00000001.dict");
    DurabilityTest.flipByte(dict, Files.size(dict) / 2);
    try (Engine e = open()) {
      FsckReport r = e.fsck();
      assertThat(r.damaged())
          .anySatisfy(
              d -> {
                assertThat(d.chunk()).isEqualTo("dictionary 00000001.dict");
                assertThat(d.problem()).contains("checksum").contains("chunks need it");
                assertThat(d.usedBy()).hasSize(objects.size()).allMatch(u -> u.startsWith("blob/"));
              });
      Digest some = objects.keySet().iterator().next();
      assertThatThrownBy(() -> e.blobs().open(some, 0, -1).readAllBytes())
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining(dict.toString());
    }
  }

  @Test
  void fsckNamesAMissingDictionary() throws IOException {
    Map<Digest, byte[]> objects = storeWithDictionary();
    Path dict = chunks("dicts/00000001.dict");
    Files.delete(dict);
    try (Engine e = open()) {
      FsckReport r = e.fsck();
      assertThat(r.damaged())
          .anySatisfy(
              d -> {
                assertThat(d.chunk()).isEqualTo("dictionary 00000001.dict");
                assertThat(d.problem()).contains("missing");
                assertThat(d.usedBy()).hasSize(objects.size());
              });
      Digest some = objects.keySet().iterator().next();
      assertThatThrownBy(() -> e.blobs().open(some, 0, -1).readAllBytes())
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining(dict.toString())
          .hasMessageContaining("missing");
      // A new dictionary gets a new number: never the one records still name.
      assertThat(e.chunks().dictionaries().install(textDictionary())).isNotEqualTo(1);
    }
  }

  // ---- crashes ----

  @Test
  void aDictionaryLeftHalfWrittenByACrashIsDeletedOnOpen() throws IOException {
    Map<Digest, byte[]> objects = storeWithDictionary();
    Path tmp = chunks("dicts/00000002.dict.tmp");
    Files.write(tmp, new byte[] {1, 2, 3});
    try (Engine e = open()) {
      assertThat(tmp).doesNotExist();
      assertThat(e.chunks().dictionaries().currentId()).isEqualTo(1);
      assertReadsBack(e, objects);
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  /**
   * A power cut at every file-system call from the dictionary's install to the commit of a blob
   * compressed with it: the store opens, every acknowledged blob reads back, fsck is clean, and a
   * record never names a dictionary that did not survive.
   */
  @Test
  void aPowerCutBetweenTheDictionaryAndItsRecordsLosesNothingAcknowledged() throws IOException {
    byte[] dict = textDictionary();
    byte[] first = TestData.text(300, 120_000);
    byte[] second = TestData.text(301, 120_000);
    // A clean run counts the calls of the part under test.
    long start;
    long end;
    {
      FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 1);
      FaultStore s = new FaultStore(fs);
      s.open();
      s.put(first);
      start = fs.calls();
      s.store().dictionaries().install(dict);
      s.put(second);
      end = fs.calls();
      s.closeQuietly();
    }
    assertThat(end - start).isGreaterThan(5);
    List<String> problems = new ArrayList<>();
    for (long cut = start + 1; cut <= end; cut++) {
      FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 1);
      FaultStore s = new FaultStore(fs);
      s.open();
      Digest firstDigest = s.put(first);
      fs.cutPowerAt(cut);
      Digest secondDigest = null;
      try {
        s.store().dictionaries().install(dict);
        secondDigest = s.put(second);
      } catch (IOException | RuntimeException e) {
        if (!fs.powerOff()) {
          problems.add("cut " + cut + ": fails before the power cut: " + e);
        }
      }
      if (fs.powerOff()) {
        secondDigest = null; // not acknowledged before the cut
      }
      s.crash();
      try {
        ChunkStore store = s.open();
        assertThat(s.blobs().open(firstDigest, 0, -1).readAllBytes()).isEqualTo(first);
        if (secondDigest != null) {
          assertThat(s.blobs().open(secondDigest, 0, -1).readAllBytes()).isEqualTo(second);
        }
        FsckReport r = store.fsck();
        if (!r.damaged().isEmpty()) {
          problems.add("cut " + cut + ": fsck " + r.damaged());
        }
        // The store goes on: a dictionary (the survivor, or a new one) and a blob with it.
        if (store.dictionaries().currentId() == 0) {
          store.dictionaries().install(dict);
        }
        Digest third = s.put(TestData.text(302, 50_000));
        assertThat(s.blobs().open(third, 0, -1).readAllBytes())
            .isEqualTo(TestData.text(302, 50_000));
      } catch (IOException | RuntimeException | AssertionError e) {
        problems.add("cut " + cut + ": " + e);
      } finally {
        s.closeQuietly();
      }
    }
    assertThat(problems).isEmpty();
  }
}
