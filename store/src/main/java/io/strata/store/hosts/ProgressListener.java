package io.strata.store.hosts;

/** Told how far a push or pull is, in chunk bytes before compression. */
public interface ProgressListener {
  /** Does nothing. */
  ProgressListener NONE =
      new ProgressListener() {
        @Override
        public void start(long bytesToSend) {}

        @Override
        public void sent(long bytes) {}
      };

  /** The receiver knows what it lacks: {@code bytesToSend} will cross. */
  void start(long bytesToSend);

  /** A batch of {@code bytes} arrived. */
  void sent(long bytes);
}
