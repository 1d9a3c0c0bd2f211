package io.strata.server.op;

import io.strata.store.error.ConflictException;
import java.util.HashMap;
import java.util.Map;

/**
 * The images that builds in progress pulled for themselves: {@code image.rm} (and so {@code image
 * prune}, and a registry's manifest DELETE) refuses them until the build ends. A pulled image is
 * recorded, so its chunks are live for gc; what could take them is its removal between the pull and
 * the build's read, and this closes that. (Images a build finds in the store need no pin: the build
 * reads them under the image store's write lock, which removals also take.)
 */
final class BuildPins {
  private final Map<String, Integer> pinned = new HashMap<>();

  /** One build's hold on one image; closing it lets the image go again. */
  final class Pin implements AutoCloseable {
    private final String id;
    private boolean closed;

    private Pin(String id) {
      this.id = id;
    }

    @Override
    public void close() {
      synchronized (BuildPins.this) {
        if (closed) {
          return;
        }
        closed = true;
        pinned.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /** Pins image {@code id} until the returned pin is closed (builds may pin the same image). */
  synchronized Pin pin(String id) {
    pinned.merge(id, 1, Integer::sum);
    return new Pin(id);
  }

  /** Whether a build holds image {@code id}. */
  synchronized boolean pinned(String id) {
    return pinned.containsKey(id);
  }

  /**
   * {@code use}, refusing before it is asked when a build holds the image, with a message that says
   * so rather than blaming a container.
   */
  ImageUse guarding(ImageUse use) {
    return id -> {
      if (pinned(id)) {
        throw new ConflictException(
            "image " + id + " is being read by a build in progress; remove it once the build ends");
      }
      return use.users(id);
    };
  }
}
