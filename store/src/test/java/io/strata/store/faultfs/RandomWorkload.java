package io.strata.store.faultfs;

import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded mix of blob puts (empty to multi-chunk, new, deduplicated against earlier ones, or
 * extending them), removes, gcs and clean reopens on a {@link FaultStore}, recording in a {@link
 * BlobLedger} what was acknowledged. The same seed gives the same steps as long as no call fails.
 */
final class RandomWorkload {
  private final Random rnd;
  private final FaultStore store;
  private final BlobLedger ledger;
  private final boolean reopens;
  private final List<byte[]> history = new ArrayList<>();

  /** {@code reopens}: whether steps may close and reopen the store (not while gc runs beside). */
  RandomWorkload(long seed, FaultStore store, BlobLedger ledger, boolean reopens) {
    this.rnd = new Random(seed);
    this.store = store;
    this.ledger = ledger;
    this.reopens = reopens;
  }

  /** Runs {@code steps} steps; the first failure ends the run and is thrown. */
  void run(int steps) throws IOException {
    for (int i = 0; i < steps; i++) {
      step();
    }
  }

  private void step() throws IOException {
    int r = rnd.nextInt(100);
    List<Digest> present = ledger.present();
    if (r < 50 || present.isEmpty()) {
      put(newContent());
    } else if (r < 70) {
      Digest d = present.get(rnd.nextInt(present.size()));
      ledger.begin(d, null);
      store.blobs().remove(d);
      ledger.removeAcknowledged();
    } else if (r < 84) {
      store.store().gc();
    } else if (r < 90 && reopens) {
      Throwable t = store.closeQuietly();
      if (t != null) {
        throw new IOException("clean close failed", t);
      }
      store.open();
    } else {
      // The same content again: a put that only deduplicates.
      put(history.isEmpty() ? newContent() : history.get(rnd.nextInt(history.size())));
    }
  }

  private void put(byte[] content) throws IOException {
    Digest d = Digest.sha256(content, 0, content.length);
    ledger.begin(d, content);
    Digest got = store.put(content);
    if (!got.equals(d)) {
      throw new IllegalStateException("put of " + d + " returned digest " + got);
    }
    ledger.putAcknowledged();
    history.add(content);
  }

  private byte[] newContent() {
    int kind = rnd.nextInt(10);
    int size =
        kind == 0
            ? 0
            : kind < 4
                ? 1 + rnd.nextInt(3000)
                : kind < 8 ? 8192 + rnd.nextInt(56 << 10) : (100 << 10) + rnd.nextInt(300 << 10);
    long seed = rnd.nextLong();
    byte[] fresh = rnd.nextBoolean() ? TestData.text(seed, size) : TestData.random(seed, size);
    if (history.isEmpty() || rnd.nextInt(4) != 0) {
      return fresh;
    }
    // An earlier object with new bytes after it: its chunks are shared, the tail is new.
    byte[] old = history.get(rnd.nextInt(history.size()));
    byte[] both = new byte[old.length + fresh.length];
    System.arraycopy(old, 0, both, 0, old.length);
    System.arraycopy(fresh, 0, both, old.length, fresh.length);
    return both;
  }
}
