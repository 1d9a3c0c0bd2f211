package io.strata.store.faultfs;

import io.strata.store.blob.BlobEntry;
import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.FsckReport;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a test was told is durable: the blobs whose put returned and not removed since (a remove
 * that returned takes one out), plus the operations in flight when a failure or power cut hit,
 * whose outcome may go either way but never halfway (a blob listed must read back whole).
 */
public final class BlobLedger {
  private final Map<Digest, byte[]> acknowledged = new HashMap<>();
  // Operations that failed (or were cut off) and so may or may not have happened, by digest: the
  // content the blob must have if it is there.
  private final Map<Digest, byte[]> undecided = new HashMap<>();
  private Digest inFlight;
  private byte[] inFlightContent;

  /**
   * A put or remove of {@code d} starts ({@code content}: what a put stores, or null). Until it is
   * acknowledged, its outcome is undecided, and stays so if it fails.
   */
  public void begin(Digest d, byte[] content) {
    inFlight = d;
    inFlightContent = content != null ? content : acknowledged.get(d);
    undecided.put(d, inFlightContent);
  }

  /** The put begun last returned. */
  public void putAcknowledged() {
    acknowledged.put(inFlight, inFlightContent);
    undecided.remove(inFlight);
    inFlight = null;
    inFlightContent = null;
  }

  /** The remove begun last returned. */
  public void removeAcknowledged() {
    acknowledged.remove(inFlight);
    undecided.remove(inFlight);
    inFlight = null;
    inFlightContent = null;
  }

  /** The digests of the blobs acknowledged and not removed. */
  public List<Digest> present() {
    List<Digest> out = new ArrayList<>(acknowledged.keySet());
    out.sort(null);
    return out;
  }

  public byte[] content(Digest d) {
    return acknowledged.get(d);
  }

  /**
   * Everything wrong with the store compared with this ledger: an acknowledged blob missing or not
   * byte-exact, a listed blob nobody was told about (a removed one, say), a blob in flight that is
   * present but not whole, and every chunk fsck finds damaged. Empty when the store is right.
   */
  public List<String> problems(ChunkStore store, BlobService blobs) {
    List<String> out = new ArrayList<>();
    Set<Digest> listed = new HashSet<>();
    for (BlobEntry e : blobs.list()) {
      listed.add(e.digest());
    }
    for (Digest d : present()) {
      if (!listed.contains(d) && !undecided.containsKey(d)) {
        out.add("acknowledged blob " + d + " is not listed");
      }
    }
    for (Digest d : listed) {
      byte[] want = acknowledged.containsKey(d) ? acknowledged.get(d) : undecided.get(d);
      if (want == null) {
        out.add("blob " + d + " is listed but was never acknowledged or was removed");
        continue;
      }
      try (InputStream in = blobs.open(d, 0, -1)) {
        byte[] got = in.readAllBytes();
        if (!Arrays.equals(got, want)) {
          out.add(
              "blob "
                  + d
                  + " reads back "
                  + got.length
                  + " bytes differing from its "
                  + want.length);
        }
      } catch (IOException | RuntimeException e) {
        out.add("blob " + d + " does not read back: " + e);
      }
    }
    try {
      FsckReport r = store.fsck();
      if (!r.clean()) {
        out.add(
            "fsck finds "
                + r.damaged().size()
                + " damaged chunks, the first: "
                + r.damaged().get(0));
      }
    } catch (IOException | RuntimeException e) {
      out.add("fsck fails: " + e);
    }
    return out;
  }
}
