package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.faultfs.FaultStore;
import io.strata.store.pack.Bytes;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import io.strata.store.pack.RecordHeader;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * Group records (docs/FORMAT.md): small new chunks of one write compressed together, on a real
 * store in a temp dir: written, read before and after they reach a pack, made durable by the
 * commit, cut off when torn, kept in part by gc, checked by fsck.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GroupsTest {
  private static final int CHUNK = 8 << 10;

  @TempDir Path data;

  private ChunkStore open() throws IOException {
    return ChunkStore.open(data, ChunkStore.Options.defaults());
  }

  private static byte[] chunk(long seed) {
    return TestData.text(seed, CHUNK);
  }

  /** Stores chunks {@code from..to-1} in {@code s}; their ids. */
  private static int[] put(ChunkStore store, WriteSession s, int from, int to) throws IOException {
    int[] ids = new int[to - from];
    for (int i = from; i < to; i++) {
      byte[] b = chunk(i);
      ids[i - from] = store.putChunk(s, b, 0, b.length).id();
    }
    return ids;
  }

  private static RootChange root(String name, int[] ids) {
    return new RootChange.Put(new Root(name, 0, new byte[0], RoaringBitmap.bitmapOf(ids)));
  }

  /** Every record of every pack: [group members, plain records]. */
  private int[] records() throws IOException {
    int[] n = new int[2];
    try (Stream<Path> packs = Files.list(data.resolve("packs"))) {
      for (Path p : packs.sorted().toList()) {
        PackScanner.scan(
            p,
            PackFormat.HEADER_SIZE,
            (h, offset, buf, off) -> {
              if (h.grouped()) {
                n[0] += GroupTable.read(buf, off + PackFormat.RECORD_HEADER, h, "t").count();
              } else {
                n[1]++;
              }
            });
      }
    }
    return n;
  }

  private static void assertReads(ChunkStore store, int[] ids, int from) throws IOException {
    byte[] dst = new byte[ChunkerParams.MAX_CHUNK];
    for (int i = 0; i < ids.length; i++) {
      int n = store.read(ids[i], dst);
      assertThat(java.util.Arrays.copyOf(dst, n)).isEqualTo(chunk(from + i));
    }
  }

  @Test
  void smallChunksOfAWriteGoOutAsGroupsReadableBeforeAndAfter() throws IOException {
    int[] ids;
    long grouped;
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      ids = put(store, s, 0, 40);
      // Not in a pack yet, but readable: served from the open group.
      assertReads(store, ids, 0);
      s.commit(List.of(root("r", ids)));
      assertReads(store, ids, 0);
      grouped = store.stats().storedBytes();
    }
    assertThat(records()).containsExactly(40, 0);
    try (ChunkStore store = open()) {
      assertReads(store, ids, 0);
      assertThat(store.fsck().clean()).isTrue();
    }
    // The same chunks without groups take more room: each is compressed alone.
    Path other = data.resolve("nogroups");
    try (ChunkStore store =
        ChunkStore.open(other, ChunkStore.Options.defaults().withGroupBytes(0))) {
      WriteSession s = store.session();
      s.commit(List.of(root("r", put(store, s, 0, 40))));
      assertThat(grouped).isLessThan(store.stats().storedBytes());
    }
  }

  /**
   * Many writes gathering at once (a mounted container each, committing at its periodic sync) hold
   * at most {@link ChunkGroups#MAX_OPEN_GROUPS} groups: past it the eldest goes out early, smaller,
   * and every chunk still reads and commits (round 7, O3: 64 groups of 896 KiB ran a heap out).
   */
  @Test
  void manyWritesAtOnceGatherABoundedNumberOfGroups() throws IOException {
    int writes = 3 * ChunkGroups.MAX_OPEN_GROUPS;
    List<int[]> ids = new java.util.ArrayList<>();
    try (ChunkStore store = open()) {
      List<WriteSession> sessions = new java.util.ArrayList<>();
      for (int w = 0; w < writes; w++) {
        WriteSession s = store.session();
        sessions.add(s);
        ids.add(put(store, s, 100 * w, 100 * w + 3));
        assertThat(store.writer().groups().gathering())
            .isLessThanOrEqualTo(ChunkGroups.MAX_OPEN_GROUPS);
      }
      for (int w = 0; w < writes; w++) {
        assertReads(store, ids.get(w), 100 * w);
        sessions.get(w).commit(List.of(root("w" + w, ids.get(w))));
      }
      assertThat(store.writer().groups().gathering()).isZero();
    }
    try (ChunkStore store = open()) {
      for (int w = 0; w < writes; w++) {
        assertReads(store, ids.get(w), 100 * w);
      }
      assertThat(store.fsck().clean()).isTrue();
    }
  }

  /** Tree nodes stay records of their own: a cold lookup reads one node, not a whole group. */
  @Test
  void treeNodesAreNeverGrouped() throws IOException {
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      int[] ids = new int[20];
      for (int i = 0; i < ids.length; i++) {
        byte[] b = chunk(500 + i);
        ids[i] = store.putNode(s, b, 0, b.length).id();
      }
      s.commit(List.of(root("nodes", ids)));
      assertReads(store, ids, 500);
    }
    assertThat(records()).containsExactly(0, 20);
  }

  @Test
  void theCommitAppendsTheOpenGroupBeforeItsFsync() throws IOException {
    ChunkStore crashed = open();
    WriteSession s = crashed.session();
    int[] ids = put(crashed, s, 100, 110);
    assertThat(records()).containsExactly(0, 0);
    s.commit(List.of(root("r", ids)));
    // Never closed: what the commit acknowledged must be on disk already.
    assertThat(records()).containsExactly(10, 0);
    try (ChunkStore store = open()) {
      assertReads(store, ids, 100);
      assertThat(store.fsck().clean()).isTrue();
    }
  }

  @Test
  void aGroupTornByACrashIsCutOffAndWhatCameBeforeReads() throws IOException {
    ChunkStore crashed = open();
    WriteSession first = crashed.session();
    int[] kept = put(crashed, first, 200, 220);
    first.commit(List.of(root("kept", kept)));
    Path pack = data.resolve("packs").resolve(PackFormat.fileName(1));
    long acknowledged = Files.size(pack);
    WriteSession second = crashed.session();
    int[] torn = put(crashed, second, 300, 320);
    // Never committed: closing appends the group, a read makes the pack's buffer reach the file.
    second.close();
    crashed.read(torn[0], new byte[ChunkerParams.MAX_CHUNK]);
    long end = Files.size(pack);
    assertThat(end).isGreaterThan(acknowledged);
    // The crash tore the group's record, and the checkpoint is lost.
    try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
      f.setLength(acknowledged + (end - acknowledged) / 2);
    }
    Files.delete(data.resolve("index"));
    try (ChunkStore store = open()) {
      assertReads(store, kept, 200);
      for (int i = 0; i < torn.length; i++) {
        byte[] b = chunk(300 + i);
        assertThat(store.idOf(Digest.sha256(b, 0, b.length))).isEqualTo(-1);
      }
      assertThat(PackScanner.isSealed(pack)).isTrue();
      assertThat(Files.size(pack)).isEqualTo(acknowledged + PackFormat.TRAILER_SIZE);
      assertThat(store.fsck().clean()).isTrue();
    }
  }

  @Test
  void aPowerCutWhileAGroupGoesOutLosesNothingAcknowledged() throws IOException {
    byte[] first = TestData.text(400, 120_000);
    byte[] second = TestData.text(401, 120_000);
    long start;
    long end;
    {
      FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 1);
      FaultStore s = new FaultStore(fs);
      s.open();
      s.put(first);
      start = fs.calls();
      s.put(second);
      end = fs.calls();
      s.closeQuietly();
    }
    assertThat(end - start).isGreaterThan(3);
    List<String> problems = new ArrayList<>();
    for (long cut = start + 1; cut <= end; cut++) {
      FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, 1);
      FaultStore s = new FaultStore(fs);
      s.open();
      Digest firstDigest = s.put(first);
      fs.cutPowerAt(cut);
      Digest secondDigest = null;
      try {
        secondDigest = s.put(second);
      } catch (IOException | RuntimeException e) {
        if (!fs.powerOff()) {
          problems.add("cut " + cut + ": fails before the power cut: " + e);
        }
      }
      if (fs.powerOff()) {
        secondDigest = null;
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
        Digest third = s.put(second);
        assertThat(s.blobs().open(third, 0, -1).readAllBytes()).isEqualTo(second);
      } catch (IOException | RuntimeException | AssertionError e) {
        problems.add("cut " + cut + ": " + e);
      } finally {
        s.closeQuietly();
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void gcKeepsTheLiveMembersOfAPartlyDeadGroupAndDropsTheDead() throws IOException {
    int[] keep;
    int[] drop;
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      // Alternating, so that every group holds members of both roots.
      int[] all = put(store, s, 500, 560);
      keep = new int[30];
      drop = new int[30];
      for (int i = 0; i < 30; i++) {
        keep[i] = all[2 * i];
        drop[i] = all[2 * i + 1];
      }
      s.commit(List.of(root("keep", keep), root("drop", drop)));
      long before = store.stats().storedBytes();
      WriteSession rm = store.session();
      rm.commit(List.of(new RootChange.Remove("drop")));

      GcResult r = store.gc();

      assertThat(r.chunksRemoved()).isEqualTo(30);
      assertThat(store.stats().storedBytes()).isLessThan(before * 3 / 4);
      byte[] dst = new byte[ChunkerParams.MAX_CHUNK];
      for (int i = 0; i < 30; i++) {
        int n = store.read(keep[i], dst);
        assertThat(java.util.Arrays.copyOf(dst, n)).isEqualTo(chunk(500 + 2 * i));
      }
      assertThat(store.fsck().clean()).isTrue();
    }
    assertThat(records()).containsExactly(30, 0);
    // Rebuilt from the packs, the index finds only the live members: the dead are gone for good.
    Files.delete(data.resolve("index"));
    try (ChunkStore store = open()) {
      assertThat(store.stats().chunks()).isEqualTo(30);
      assertThat(store.fsck().clean()).isTrue();
    }
  }

  /** The offset of the first group record of pack 1, and its header. */
  private RecordHeader[] firstGroup(long[] at) throws IOException {
    RecordHeader[] found = new RecordHeader[1];
    PackScanner.scan(
        data.resolve("packs").resolve(PackFormat.fileName(1)),
        PackFormat.HEADER_SIZE,
        (h, offset, buf, off) -> {
          if (h.grouped() && found[0] == null) {
            found[0] = h;
            at[0] = offset;
          }
        });
    return found;
  }

  @Test
  void fsckNamesEveryMemberOfAGroupThatFailsItsChecksum() throws IOException {
    int[] ids;
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      ids = put(store, s, 600, 610);
      s.commit(List.of(root("r", ids)));
    }
    long[] at = new long[1];
    RecordHeader h = firstGroup(at)[0];
    Path pack = data.resolve("packs").resolve(PackFormat.fileName(1));
    DurabilityTest.flipByte(pack, at[0] + PackFormat.RECORD_HEADER + h.storedLen() - 5);
    try (ChunkStore store = open()) {
      FsckReport r = store.fsck();
      assertThat(r.damaged()).hasSize(10);
      assertThat(r.damaged())
          .allSatisfy(
              d -> {
                assertThat(d.problem()).contains(PackFormat.fileName(1));
                assertThat(d.usedBy()).containsExactly("r");
              });
    }
  }

  /**
   * A read of a member of a group that fails its checksum names the pack, the offset and the chunk
   * being read. The header's digest is the member table's, no chunk's: naming it as "the record of
   * chunk sha256:..." sent users after a chunk that does not exist (round 8, P8).
   */
  @Test
  void aReadOfADamagedGroupNamesThePackTheOffsetAndTheChunkRead() throws IOException {
    int[] ids;
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      ids = put(store, s, 800, 810);
      s.commit(List.of(root("r", ids)));
    }
    long[] at = new long[1];
    RecordHeader h = firstGroup(at)[0];
    Path pack = data.resolve("packs").resolve(PackFormat.fileName(1));
    DurabilityTest.flipByte(pack, at[0] + PackFormat.RECORD_HEADER + h.storedLen() - 5);
    byte[] wanted = chunk(803);
    String digest = Digest.sha256(wanted, 0, wanted.length).toString();
    try (ChunkStore store = open()) {
      assertThatThrownBy(() -> store.read(ids[3], new byte[ChunkerParams.MAX_CHUNK]))
          .isInstanceOf(CorruptDataException.class)
          .hasMessage(
              "pack "
                  + PackFormat.fileName(1)
                  + " offset "
                  + at[0]
                  + ": the group record holding chunk "
                  + digest
                  + " fails its checksum")
          .hasMessageNotContaining(h.digest().toString());
    }
  }

  @Test
  void fsckNamesTheOneMemberWhoseBytesDoNotMatchItsDigest() throws IOException {
    int[] ids;
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      ids = put(store, s, 700, 710);
      s.commit(List.of(root("r", ids)));
    }
    long[] at = new long[1];
    RecordHeader h = firstGroup(at)[0];
    Path pack = data.resolve("packs").resolve(PackFormat.fileName(1));
    // The table's digest of member 3 changed and the CRC made to match: only a re-hash finds it.
    byte[] file = Files.readAllBytes(pack);
    int rec = (int) at[0];
    int digestAt = rec + PackFormat.RECORD_HEADER + 4 + 3 * GroupTable.MEMBER_BYTES + 8;
    file[digestAt] ^= 1;
    int crcAt = rec + PackFormat.RECORD_HEADER + h.storedLen();
    Bytes.putInt(file, crcAt, Bytes.crc32c(file, rec, crcAt - rec));
    Files.write(pack, file);
    byte[] bad = chunk(703);
    try (ChunkStore store = open()) {
      FsckReport r = store.fsck();
      assertThat(r.damaged()).hasSize(1);
      FsckReport.Damage d = r.damaged().get(0);
      assertThat(d.chunk()).isEqualTo(Digest.sha256(bad, 0, bad.length).toString());
      assertThat(d.problem()).contains(PackFormat.fileName(1)).contains("does not match");
      assertThat(d.usedBy()).containsExactly("r");
    }
  }

  @Test
  void aChunkInAnotherWritesOpenGroupIsAppendedForTheWriteThatSharesIt() throws IOException {
    ChunkStore crashed = open();
    WriteSession idle = crashed.session();
    put(crashed, idle, 800, 805);
    WriteSession sharing = crashed.session();
    int[] ids = put(crashed, sharing, 800, 805);
    sharing.commit(List.of(root("shared", ids)));
    // The first write never commits, and the process dies: the second's root must read.
    try (ChunkStore store = open()) {
      assertReads(store, ids, 800);
      assertThat(store.fsck().clean()).isTrue();
    }
  }

  @Test
  void writesSharingChunksAtOnceEachCommitWhatTheyReadBack() throws Exception {
    int writers = 4;
    int[][] ids = new int[writers][];
    try (ChunkStore store = open()) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(writers);
      try {
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int writer = w;
          done.add(
              pool.submit(
                  () -> {
                    // Overlapping ranges: each write deduplicates against chunks that sit in
                    // the others' open groups, and reads its own back before committing.
                    WriteSession s = store.session();
                    int from = 1000 + 10 * writer;
                    ids[writer] = put(store, s, from, from + 60);
                    assertReads(store, ids[writer], from);
                    s.commit(List.of(root("w" + writer, ids[writer])));
                    return null;
                  }));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      for (int w = 0; w < writers; w++) {
        assertReads(store, ids[w], 1000 + 10 * w);
      }
    }
    try (ChunkStore store = open()) {
      for (int w = 0; w < writers; w++) {
        assertReads(store, ids[w], 1000 + 10 * w);
      }
      assertThat(store.stats().chunks()).isEqualTo(60 + 10 * (writers - 1));
      assertThat(store.fsck().clean()).isTrue();
    }
  }

  @Test
  void aMemberIsSentOnAsAPlainRecord() throws IOException {
    try (ChunkStore store = open()) {
      WriteSession s = store.session();
      int[] ids = put(store, s, 900, 905);
      s.commit(List.of(root("r", ids)));
      byte[] enc = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
      RecordHeader h = store.readStored(ids[2], enc);
      assertThat(h.grouped()).isFalse();
      byte[] raw = new byte[h.rawLen()];
      ChunkCodec.decode(h.codec(), enc, 0, h.storedLen(), raw, 0, h.rawLen(), "t");
      assertThat(raw).isEqualTo(chunk(902));
      assertThat(h.digest()).isEqualTo(Digest.sha256(raw, 0, raw.length));
    }
  }
}
