package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Dictionaries;
import io.strata.store.compress.DictionaryFile;
import io.strata.store.digest.Digest;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.ReadOnlyDisk;
import io.strata.store.error.CorruptDataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.RecordHeader;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * The check of a {@link ChunkStore}: every record of every pack is re-read, its CRC checked,
 * decoded and re-hashed; every chunk the index or a root names must be among the intact ones. A
 * pack whose header or trailer is damaged, that was cut short or that is missing is named as a
 * file, with the roots its chunks serve; so is a dictionary file that is damaged or missing, and
 * each damaged chunk.
 */
final class Fsck {
  private final ChunkStore store;
  private final ChunkIndex index;
  private final PackSet packs;

  Fsck(ChunkStore store, ChunkIndex index, PackSet packs) {
    this.store = store;
    this.index = index;
    this.packs = packs;
  }

  /**
   * Whether the record at {@code loc} was written after the check began, when the open pack was
   * {@code current} and {@code reached} bytes of it were in the file: beyond that, or in a pack
   * opened since.
   */
  private static boolean writtenSince(long loc, int current, long reached) {
    int pack = Locations.packId(loc);
    return pack > current || (pack == current && Locations.offset(loc) >= reached);
  }

  /**
   * Whether pack {@code packId}, which was not among the packs the check began with ({@code
   * present}), is another node's pack that this node's poller indexed since (it adopts segments
   * without the lock the check holds): a new arrival, as a record written since, not damage.
   */
  private boolean adoptedSince(int packId, java.util.Set<Integer> present) {
    return store.shared() != null && !present.contains(packId) && store.shared().knows(packId);
  }

  /** One check; the caller holds the store's GC lock, so no pack is retired meanwhile. */
  FsckReport run(Collection<Root> roots, List<String> notesFromOpen) throws IOException {
    List<String> notes = new ArrayList<>(notesFromOpen);
    int openPack = Integer.MAX_VALUE;
    try {
      packs.sync();
    } catch (IOException e) {
      boolean readOnly = ReadOnlyDisk.causedBy(e);
      if (!DiskFull.causedBy(e) && !readOnly) {
        throw e;
      }
      // Records still in the open pack's buffer are not in the file: they are not damage.
      openPack = packs.openId();
      notes.add(
          (readOnly ? "the data root " + store.dataRoot() + " is read-only" : "the disk is full")
              + ": the newest records of "
              + PackFormat.fileName(openPack)
              + " are not written yet and were not checked");
    }
    Map<Integer, String> packProblems = new java.util.TreeMap<>();
    java.util.Set<Integer> present = new java.util.HashSet<>(packs.ids());
    // A shared store's packs in the bucket that this disk does not hold: read through the cache.
    java.util.Set<Integer> inBucketOnly = new java.util.TreeSet<>();
    if (store.shared() != null) {
      for (int id : store.shared().lengths().keySet()) {
        if (present.add(id)) {
          inBucketOnly.add(id);
        }
      }
    }
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc)
              && !present.contains(Locations.packId(loc))
              && !adoptedSince(Locations.packId(loc), present)) {
            packProblems.putIfAbsent(Locations.packId(loc), "the pack file is missing");
          }
        });
    // What the fleet reads is the bucket's copy: a pack gone from it (deleted behind the fleet's
    // back) is damage whether or not this node or its cache still holds the bytes.
    RoaringBitmap lost = new RoaringBitmap();
    Map<Integer, String> listed = Map.of();
    if (store.shared() != null) {
      listed = store.shared().listPacksInBucket();
      java.util.Set<Integer> collected = null;
      for (int id : store.shared().lengths().keySet()) {
        if (!listed.containsKey(id)) {
          if (collected == null) {
            collected = store.shared().packsDeletedByGc();
          }
          if (collected.contains(id)) {
            continue; // a gc deleted it; this node forgets it within a round
          }
          packProblems.put(
              id,
              "it is not in "
                  + store.shared().objects().location()
                  + (packs.ids().contains(id)
                      ? " (this node holds a copy: it uploads it again when it starts)"
                      : ""));
        }
      }
      index.forEach(
          (id, loc) -> {
            if (Locations.isStored(loc) && packProblems.containsKey(Locations.packId(loc))) {
              lost.add(id);
            }
          });
    }
    RoaringBitmap verified = new RoaringBitmap();
    Map<Integer, String> problems = new HashMap<>();
    Map<Long, String> damagedRecords = new HashMap<>();
    Dictionaries dictionaries = store.dictionaries();
    // The chunks that need each dictionary that does not read.
    Map<Integer, RoaringBitmap> needBadDictionary = new java.util.TreeMap<>();
    long[] checked = {0};
    byte[] raw = new byte[ChunkerParams.MAX_CHUNK];
    // Writes go on while the check runs (it holds only the gc lock): records the open pack gains
    // after this point, and packs opened after it, are new writes the check need not reach, and
    // not damage. What was in the file here, it checks whole.
    PackSet.Flushed start = packs.openFlushed();
    int current = start.packId();
    for (int packId : packs.ids()) {
      if (packId > current) {
        continue; // opened since the check began
      }
      Path p = packs.path(packId);
      String name = PackFormat.fileName(packId);
      if (!Files.exists(p)) {
        packProblems.put(packId, "the pack file is missing");
        continue;
      }
      PackScanner.Result r =
          PackScanner.scan(
              p,
              PackFormat.HEADER_SIZE,
              (h, offset, buf, off) -> {
                if (h.grouped()) {
                  checked[0] +=
                      checkGroup(
                          packId, h, offset, buf, off, raw, verified, problems, needBadDictionary);
                  return;
                }
                long loc = Locations.encode(packId, offset, h.storedLen());
                if (index.location(h.chunkId()) != loc) {
                  return; // a copy GC left behind, or garbage: nothing reads it
                }
                checked[0]++;
                String where = name + " offset " + offset;
                if (h.codec() == Codec.ZSTD_DICT && !dictionaries.intact(h.dictId())) {
                  needBadDictionary
                      .computeIfAbsent(h.dictId(), k -> new RoaringBitmap())
                      .add(h.chunkId());
                }
                try {
                  ChunkCodec.decode(
                      h.codec(),
                      h.dictId(),
                      dictionaries,
                      buf,
                      off + PackFormat.RECORD_HEADER,
                      h.storedLen(),
                      raw,
                      0,
                      h.rawLen(),
                      where);
                  if (Digest.sha256(raw, 0, h.rawLen()).equals(h.digest())) {
                    verified.add(h.chunkId());
                  } else {
                    problems.put(h.chunkId(), where + ": content does not match its digest");
                  }
                } catch (CorruptDataException e) {
                  problems.put(h.chunkId(), e.getMessage());
                }
              });
      if (!r.headerOk()) {
        packProblems.put(packId, "the pack header is damaged");
      } else if (!r.sealed() && packId != current && packs.awaitsSeal(packId)) {
        // given up on after a failed fsync, its seal refused (a full or read-only disk): it is
        // cut back and sealed at the next sync that can write, or at the next start
        notes.add(name + " is not sealed yet: the disk refused its seal; sealed once it can write");
      } else if (!r.sealed() && packId != current) {
        packProblems.put(
            packId,
            "the trailer is missing or damaged: the pack was cut short or overwritten at its end ("
                + Files.size(p)
                + " bytes)");
      }
      for (long bad : r.damaged()) {
        damagedRecords.put(Locations.encode(packId, bad, 0) >>> 21, name + " offset " + bad);
      }
    }
    if (!inBucketOnly.isEmpty()) {
      checkInBucket(inBucketOnly, raw, verified, problems, checked);
    }
    if (store.shared() != null) {
      checkBucketCopies(listed, current, packProblems, damagedRecords, problems, lost);
    }
    if (!damagedRecords.isEmpty()) {
      // Name the chunks whose indexed records failed their checksum.
      index.forEach(
          (id, loc) -> {
            String where = damagedRecords.get(loc >>> 21);
            if (where != null) {
              problems.put(id, where + ": the record fails its checksum");
            }
          });
    }
    checkAliases(inBucketOnly, openPack, verified, problems);
    RoaringBitmap expected = new RoaringBitmap();
    for (Root root : roots) {
      expected.or(root.chunks());
    }
    int unflushed = openPack;
    long reached = start.length();
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc) && Locations.packId(loc) == unflushed) {
            expected.remove(id); // not in the file yet (full disk), and not damage
          } else if (Locations.isStored(loc) && writtenSince(loc, current, reached)) {
            expected.remove(id); // written while the check ran
          } else if (Locations.isStored(loc) && adoptedSince(Locations.packId(loc), present)) {
            expected.remove(
                id); // another node's pack, indexed while the check ran: the next reads it
          } else {
            expected.add(id);
          }
        });
    RoaringBitmap bad = RoaringBitmap.andNot(expected, verified);
    Map<Integer, List<String>> users = users(roots, RoaringBitmap.or(bad, lost));
    List<FsckReport.Damage> damaged = new ArrayList<>();
    for (Map.Entry<Integer, String> e : packProblems.entrySet()) {
      damaged.add(packDamage(e.getKey(), e.getValue(), users));
    }
    for (int dictId : dictionaries.damaged().keySet()) {
      needBadDictionary.putIfAbsent(dictId, new RoaringBitmap());
    }
    for (Map.Entry<Integer, RoaringBitmap> e : needBadDictionary.entrySet()) {
      damaged.add(dictionaryDamage(dictionaries, e.getKey(), e.getValue(), users));
    }
    for (int id : bad) {
      long loc = index.location(id);
      if (loc == Locations.PENDING
          || (Locations.isStored(loc) && writtenSince(loc, current, reached))) {
        continue; // a write in progress, or done since the check began (it was pending above)
      }
      Digest d = index.digest(id);
      String problem =
          problems.getOrDefault(
              id,
              Locations.isStored(loc)
                  ? "its record in "
                      + PackFormat.fileName(Locations.packId(loc))
                      + " is damaged or missing"
                  : "it is missing from the index (no intact record holds it, and no damaged one"
                      + " still names it): a put of its bytes stores them under a new id and does"
                      + " not mend it; remove what uses it (`blob rm`; for an image, every tag),"
                      + " gc, then put or import it again");
      damaged.add(
          new FsckReport.Damage(
              d != null ? d.toString() : "chunk #" + id,
              problem,
              users.getOrDefault(id, List.of())));
    }
    return new FsckReport(checked[0], damaged, notes);
  }

  /**
   * Holds the bucket's copy of each sealed pack of this node against the file here, which the scan
   * above checked: the fleet reads the bucket's, so a copy damaged there is damage, though this
   * node reads its own whole. A pack whose file here checked whole is uploaded again, as ZFS's
   * scrub mends a bad copy from a good one; one damaged here too is only reported.
   */
  private void checkBucketCopies(
      Map<Integer, String> listed,
      int current,
      Map<Integer, String> packProblems,
      Map<Long, String> damagedRecords,
      Map<Integer, String> problems,
      RoaringBitmap lost)
      throws IOException {
    java.util.Set<Integer> damagedHere = new java.util.HashSet<>(packProblems.keySet());
    for (long r : damagedRecords.keySet()) {
      damagedHere.add(Locations.packId(r << 21));
    }
    index.forEach(
        (id, loc) -> {
          if (problems.containsKey(id) && Locations.isStored(loc)) {
            damagedHere.add(Locations.packId(loc));
          }
        });
    java.util.Set<Integer> bad = new java.util.TreeSet<>();
    for (int packId : packs.ids()) {
      if (packId >= current || !listed.containsKey(packId) || packProblems.containsKey(packId)) {
        continue; // the open pack, one not uploaded yet, or one already reported
      }
      String difference = store.shared().differenceInBucket(packId, listed.get(packId));
      if (difference == null) {
        continue;
      }
      String where = "its copy in " + store.shared().objects().location() + " " + difference;
      if (damagedHere.contains(packId)) {
        packProblems.put(packId, where + " (and this node's copy is damaged too)");
      } else {
        store.shared().uploadAgain(packId);
        packProblems.put(packId, where + ": this node's copy checks whole and is uploaded again");
      }
      bad.add(packId);
    }
    if (!bad.isEmpty()) {
      index.forEach(
          (id, loc) -> {
            if (Locations.isStored(loc) && bad.contains(Locations.packId(loc))) {
              lost.add(id);
            }
          });
    }
  }

  /**
   * Checks the members the index places in the group record {@code h} at {@code offset} of pack
   * {@code packId}: decodes the group once and re-hashes each member. A member whose bytes do not
   * match its digest is named with the pack and offset; if the frame does not decode, every member
   * the index places there is. Returns the members checked.
   */
  private int checkGroup(
      int packId,
      RecordHeader h,
      long offset,
      byte[] buf,
      int off,
      byte[] raw,
      RoaringBitmap verified,
      Map<Integer, String> problems,
      Map<Integer, RoaringBitmap> needBadDictionary)
      throws IOException {
    String where = PackFormat.fileName(packId) + " offset " + offset;
    RoaringBitmap indexed = new RoaringBitmap();
    GroupTable t;
    try {
      t =
          GroupMembers.forEach(
              h,
              packId,
              offset,
              buf,
              off,
              (chunkId, digest, loc, rawLen) -> {
                if (index.location(chunkId) == loc) {
                  indexed.add(chunkId);
                }
              });
    } catch (CorruptDataException e) {
      // A table that does not describe its record: the index cannot place anything there by it.
      return 0;
    }
    if (indexed.isEmpty()) {
      return 0; // a copy gc left behind, or garbage: nothing reads it
    }
    if (h.codec() == Codec.ZSTD_DICT && !store.dictionaries().intact(h.dictId())) {
      needBadDictionary.computeIfAbsent(h.dictId(), k -> new RoaringBitmap()).or(indexed);
    }
    try {
      ChunkCodec.decode(
          h.codec(),
          h.dictId(),
          store.dictionaries(),
          buf,
          off + PackFormat.RECORD_HEADER + t.frameOff(),
          t.frameLen(),
          raw,
          0,
          h.rawLen(),
          where);
    } catch (CorruptDataException e) {
      for (int id : indexed) {
        problems.put(id, where + ": the group holding it does not decode: " + e.getMessage());
      }
      return indexed.getCardinality();
    }
    for (int i = 0; i < t.count(); i++) {
      int id = t.ids()[i];
      if (!indexed.contains(id)) {
        continue;
      }
      if (Digest.sha256(raw, t.starts()[i], t.rawLens()[i]).equals(t.digests()[i])) {
        verified.add(id);
      } else {
        problems.put(
            id,
            where
                + ": group member "
                + i
                + " (chunk "
                + t.digests()[i]
                + ") does not match"
                + " its digest");
      }
    }
    return indexed.getCardinality();
  }

  /**
   * Re-reads every chunk the index places in packs only the bucket holds (ranged GETs through the
   * cache), checking each record's CRC and the content's digest.
   */
  private void checkInBucket(
      java.util.Set<Integer> packIds,
      byte[] raw,
      RoaringBitmap verified,
      Map<Integer, String> problems,
      long[] checked)
      throws IOException {
    RoaringBitmap ids = new RoaringBitmap();
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc) && packIds.contains(Locations.packId(loc))) {
            ids.add(id);
          }
        });
    RoaringBitmap referenced = store.referencedExcept(null);
    for (int id : ids) {
      checked[0]++;
      try {
        int n = store.read(id, raw);
        if (Digest.sha256(raw, 0, n).equals(index.digest(id))) {
          verified.add(id);
          // Known damaged from an earlier read of a bucket copy mended since: say what is found
          // now, and let the images that use it be made again.
          store.readsIntactAgain(id);
        } else {
          problems.put(
              id,
              PackFormat.fileName(Locations.packId(index.location(id)))
                  + " in the bucket: content does not match its digest");
        }
      } catch (CorruptDataException e) {
        problems.put(id, e.getMessage() + " (in the bucket)");
      } catch (io.strata.store.remote.MissingObjectException e) {
        if (referenced.contains(id)) {
          problems.put(id, e.getMessage());
        } else {
          // The fleet's gc deleted its pack and this node has not heard yet: nothing uses it.
          verified.add(id);
        }
      }
    }
  }

  /**
   * Verifies the chunks a fleet's gc aliased to another chunk's record on this disk: the scan
   * checked that record (CRC, decoded, re-hashed) under the id in its header, the canonical
   * chunk's; a chunk the index places at the same record under the same digest has the same bytes.
   */
  private void checkAliases(
      java.util.Set<Integer> inBucketOnly,
      int unflushed,
      RoaringBitmap verified,
      Map<Integer, String> problems) {
    RoaringBitmap aliased = new RoaringBitmap();
    index.forEach(
        (id, loc) -> {
          int pack = Locations.packId(loc);
          if (Locations.isStored(loc)
              && !verified.contains(id)
              && !problems.containsKey(id)
              && pack != unflushed
              && !inBucketOnly.contains(pack)) {
            aliased.add(id);
          }
        });
    for (int id : aliased) {
      long loc = index.location(id);
      Digest d = index.digest(id);
      if (d == null) {
        continue;
      }
      for (int other : index.lookupAll(d)) {
        if (other != id && verified.contains(other) && index.location(other) == loc) {
          verified.add(id);
          break;
        }
      }
    }
  }

  /** For each chunk in {@code bad}, the names of the roots that use it, sorted. */
  private static Map<Integer, List<String>> users(Collection<Root> roots, RoaringBitmap bad) {
    Map<Integer, List<String>> users = new HashMap<>();
    for (Root root : roots) {
      for (int id : RoaringBitmap.and(root.chunks(), bad)) {
        users.computeIfAbsent(id, k -> new ArrayList<>()).add(root.name());
      }
    }
    users.values().forEach(u -> u.sort(null));
    return users;
  }

  /** A dictionary named as a file, with every root that uses a chunk compressed with it. */
  private static FsckReport.Damage dictionaryDamage(
      Dictionaries dictionaries,
      int dictId,
      RoaringBitmap needing,
      Map<Integer, List<String>> users) {
    String problem = dictionaries.damaged().get(dictId);
    if (problem == null) {
      problem = "the dictionary file is missing";
    } else {
      // The file is the Damage's name: keep only what is wrong with it.
      String prefix = "dictionary " + dictionaries.path(dictId) + ": ";
      problem = problem.startsWith(prefix) ? problem.substring(prefix.length()) : problem;
    }
    java.util.TreeSet<String> usedBy = new java.util.TreeSet<>();
    for (int id : needing) {
      usedBy.addAll(users.getOrDefault(id, List.of()));
    }
    return new FsckReport.Damage(
        "dictionary " + DictionaryFile.fileName(dictId),
        problem + "; " + needing.getCardinality() + " chunks need it",
        new ArrayList<>(usedBy));
  }

  /** A pack named as a file, with every root that uses a chunk the index places in it. */
  private FsckReport.Damage packDamage(
      int packId, String problem, Map<Integer, List<String>> users) {
    java.util.TreeSet<String> usedBy = new java.util.TreeSet<>();
    int[] chunks = {0};
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc) && Locations.packId(loc) == packId) {
            chunks[0]++;
            usedBy.addAll(users.getOrDefault(id, List.of()));
          }
        });
    return new FsckReport.Damage(
        "pack " + PackFormat.fileName(packId),
        problem + "; the index places " + chunks[0] + " chunks in it",
        new ArrayList<>(usedBy));
  }
}
