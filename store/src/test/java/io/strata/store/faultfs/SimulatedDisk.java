package io.strata.store.faultfs;

import io.strata.store.faultfs.Node.DirNode;
import io.strata.store.faultfs.Node.FileNode;
import io.strata.store.faultfs.Node.Pending;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The inodes behind a {@link FaultFileSystem}, with their current and durable states, the call
 * counters, the fault rules, the space budget and the power switch. One lock (this object) guards
 * all of it: the file system is test infrastructure, and one lock makes every call atomic and the
 * model easy to trust.
 */
final class SimulatedDisk {
  private static final int TRACE_LIMIT = 200_000;
  private static final int SECTOR = 512;

  /**
   * A fault: the calls {@code when} matches fail with {@code error}, only the first if once. With
   * {@code shortBytes} at 0 or more, a matching write is not failed but cut short to that many
   * bytes, and the next write to the same file fails: what write(2) does when the disk fills in the
   * middle of a buffer.
   */
  record Rule(
      Predicate<Op> when,
      IoError error,
      boolean once,
      int shortBytes,
      Supplier<? extends Error> thrown) {
    Rule(Predicate<Op> when, IoError error, boolean once, int shortBytes) {
      this(when, error, once, shortBytes, null);
    }
  }

  private final CrashModel model;
  private final SplittableRandom tornRandom;
  private final DirNode root = new DirNode();
  private final Map<OpKind, Long> kindCalls = new EnumMap<>(OpKind.class);
  private final List<Rule> rules = new ArrayList<>();
  private final List<Op> trace = new ArrayList<>();
  private long calls;
  private long cutAt;
  private boolean powerOff;
  private long epoch;
  private long budget = Long.MAX_VALUE;
  private long used;
  // The byte limit of the write being entered, from a short-write rule; -1: none.
  private int shortWrite = -1;

  SimulatedDisk(CrashModel model, long seed) {
    this.model = model;
    this.tornRandom = new SplittableRandom(seed);
  }

  CrashModel model() {
    return model;
  }

  /** Changes with every power cut: a channel opened before one is dead afterwards. */
  synchronized long epoch() {
    return epoch;
  }

  // ---- counting, faults and power ----

  /**
   * Numbers the call, then fails it if the power is off (or goes off at this call) or a rule
   * matches. Every call of the file system passes here before it changes anything.
   */
  synchronized Op enter(OpKind kind, String path, boolean pathCall) throws IOException {
    long k = kindCalls.merge(kind, 1L, Long::sum);
    Op op = new Op(kind, path, kind.mutating() ? ++calls : 0, k);
    if (kind.mutating() && trace.size() < TRACE_LIMIT) {
      trace.add(op);
    }
    if (kind.mutating() && cutAt > 0 && calls >= cutAt) {
      powerOff = true;
    }
    if (powerOff) {
      throw IoError.EIO.exception(path, pathCall);
    }
    for (int i = 0; i < rules.size(); i++) {
      Rule r = rules.get(i);
      if (r.when().test(op)) {
        if (r.once()) {
          rules.remove(i);
        }
        if (r.thrown() != null) {
          throw r.thrown().get();
        }
        if (r.shortBytes() >= 0 && kind == OpKind.WRITE) {
          shortWrite = r.shortBytes();
          rules.add(
              new Rule(
                  o -> o.kind() == OpKind.WRITE && o.path().equals(path), r.error(), true, -1));
          return op;
        }
        throw r.error().exception(path, pathCall);
      }
    }
    return op;
  }

  synchronized void addRule(Rule rule) {
    rules.add(rule);
  }

  synchronized void clearRules() {
    rules.clear();
  }

  synchronized void cutPowerAt(long call) {
    if (call < 1) {
      throw new IllegalArgumentException("call numbers start at 1, not " + call);
    }
    cutAt = call;
  }

  synchronized void cutPowerNow() {
    powerOff = true;
  }

  synchronized boolean powerOff() {
    return powerOff;
  }

  synchronized long calls() {
    return calls;
  }

  synchronized long calls(OpKind kind) {
    return kindCalls.getOrDefault(kind, 0L);
  }

  synchronized List<Op> trace() {
    return List.copyOf(trace);
  }

  synchronized void resetCounters() {
    calls = 0;
    kindCalls.clear();
    trace.clear();
  }

  // ---- space ----

  synchronized void budget(long bytes) {
    budget = bytes;
  }

  synchronized long used() {
    return used;
  }

  // ---- the tree ----

  /** The node at {@code names} from the root, or null. */
  synchronized Node find(List<String> names) {
    Node n = root;
    for (String name : names) {
      if (!(n instanceof DirNode d)) {
        return null;
      }
      n = d.entries.get(name);
      if (n == null) {
        return null;
      }
    }
    return n;
  }

  /** The directory holding {@code names}' last element; {@code where} names it in errors. */
  synchronized DirNode parent(List<String> names, String where) throws IOException {
    if (names.isEmpty()) {
      throw new NoSuchFileException(where, null, "the root has no parent");
    }
    Node p = find(names.subList(0, names.size() - 1));
    if (p == null) {
      throw new NoSuchFileException(where);
    }
    if (!(p instanceof DirNode d)) {
      throw new NotDirectoryException(where);
    }
    return d;
  }

  /** Unlinks {@code n} from the current tree: a file's bytes go back to the budget. */
  synchronized void unlinked(Node n) {
    if (n instanceof FileNode f && f.linked) {
      f.linked = false;
      used -= f.size;
    }
  }

  // ---- file content ----

  /**
   * Writes {@code src}'s remaining bytes at {@code pos}; returns how many. On a full disk it writes
   * what fits and returns that, and throws ENOSPC only when nothing fits, as write(2) does.
   */
  synchronized int write(FileNode f, long pos, ByteBuffer src) throws IOException {
    int len = src.remaining();
    if (len == 0) {
      shortWrite = -1;
      return 0;
    }
    if (shortWrite >= 0) {
      len = Math.min(len, shortWrite);
      shortWrite = -1;
    }
    long growth = Math.max(0, pos + len - f.size);
    if (f.linked && growth > 0 && used + growth > budget) {
      long room = Math.max(0, budget - used);
      long fits = len - (growth - room);
      if (fits <= 0) {
        throw IoError.ENOSPC.exception(null, false);
      }
      len = (int) fits;
    }
    f.ensureCapacity(pos + len);
    if (pos > f.size) {
      Arrays.fill(f.data, f.size, (int) pos, (byte) 0);
    }
    byte[] bytes = new byte[len];
    src.get(bytes);
    System.arraycopy(bytes, 0, f.data, (int) pos, len);
    int newSize = (int) Math.max(f.size, pos + len);
    if (f.linked) {
      used += newSize - f.size;
    }
    f.size = newSize;
    if (model.tornWrites()) {
      f.pending.add(new Pending(pos, bytes));
    }
    return len;
  }

  /** Shortens {@code f} to {@code size} bytes (the caller checked it is shorter). */
  synchronized void truncate(FileNode f, long size) {
    Arrays.fill(f.data, (int) size, f.size, (byte) 0);
    if (f.linked) {
      used -= f.size - size;
    }
    f.size = (int) size;
    if (model.tornWrites()) {
      f.pending.add(new Pending(size, null));
    }
  }

  /** fsync of a file: its content is durable; in the journaled model so is all metadata. */
  synchronized void force(FileNode f) {
    f.durable = f.content();
    f.pending.clear();
    if (model.journaledMetadata()) {
      commitMetadata(root, Collections.newSetFromMap(new IdentityHashMap<>()));
    }
  }

  /** fsync of a directory: its entries are durable; in the journaled model all metadata is. */
  synchronized void syncDirectory(DirNode d) {
    if (model.journaledMetadata()) {
      commitMetadata(root, Collections.newSetFromMap(new IdentityHashMap<>()));
    } else {
      d.durableEntries = new TreeMap<>(d.entries);
    }
  }

  private void commitMetadata(DirNode d, Set<Node> seen) {
    if (!seen.add(d)) {
      return;
    }
    d.durableEntries = new TreeMap<>(d.entries);
    for (Node n : d.entries.values()) {
      if (n instanceof DirNode sub) {
        commitMetadata(sub, seen);
      }
    }
  }

  /** Everything becomes durable, as after sync(1) and a clean shutdown. */
  synchronized void syncAll() {
    syncAll(root, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private void syncAll(DirNode d, Set<Node> seen) {
    if (!seen.add(d)) {
      return;
    }
    d.durableEntries = new TreeMap<>(d.entries);
    for (Node n : d.entries.values()) {
      if (n instanceof DirNode sub) {
        syncAll(sub, seen);
      } else if (n instanceof FileNode f) {
        f.durable = f.content();
        f.pending.clear();
      }
    }
  }

  // ---- the power cut ----

  /**
   * The power comes back after a cut: every directory holds its durable entries and every file its
   * durable content (plus, with torn writes, a random prefix of what came after). Channels opened
   * before fail from now on, locks are gone, the counters, rules and a pending cut are cleared.
   */
  synchronized void crash() {
    used = 0;
    restore(root, Collections.newSetFromMap(new IdentityHashMap<>()));
    epoch++;
    powerOff = false;
    cutAt = 0;
    rules.clear();
  }

  private void restore(DirNode d, Set<Node> seen) {
    if (!seen.add(d)) {
      return;
    }
    d.entries = new TreeMap<>(d.durableEntries);
    for (Node n : d.entries.values()) {
      if (n instanceof DirNode sub) {
        restore(sub, seen);
      } else if (n instanceof FileNode f && seen.add(f)) {
        f.restore(model.tornWrites() ? torn(f) : f.durable);
        f.durable = f.content();
        f.pending.clear();
        f.linked = true;
        f.lock = null;
        used += f.size;
      }
    }
  }

  /** The durable content with a random prefix of the pending writes applied, the last maybe cut. */
  private byte[] torn(FileNode f) {
    byte[] c = f.durable.clone();
    int keep = tornRandom.nextInt(f.pending.size() + 1);
    for (int i = 0; i < keep; i++) {
      Pending p = f.pending.get(i);
      if (p.bytes() == null) {
        c = Arrays.copyOf(c, (int) Math.min(c.length, p.position()));
        continue;
      }
      int len = p.bytes().length;
      if (i == keep - 1 && len > SECTOR) {
        len = Math.min(len, SECTOR * (1 + tornRandom.nextInt((len + SECTOR - 1) / SECTOR)));
      }
      int end = (int) p.position() + len;
      if (end > c.length) {
        c = Arrays.copyOf(c, end);
      }
      System.arraycopy(p.bytes(), 0, c, (int) p.position(), len);
    }
    return c;
  }
}
