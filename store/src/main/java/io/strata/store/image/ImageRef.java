package io.strata.store.image;

import io.strata.store.error.InvalidArgumentException;

/**
 * A {@code repository:tag} reference; the tag defaults to {@code latest}. The tag is what follows
 * the last colon after the last slash, so {@code host:5000/app} has none.
 *
 * @param repository the repository
 * @param tag the tag
 */
public record ImageRef(String repository, String tag) {
  public ImageRef {
    if (repository.isEmpty()
        || tag.isEmpty()
        || !repository.matches("[a-z0-9][a-z0-9._/:-]*")
        || !tag.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
      throw new InvalidArgumentException(
          "image reference " + repository + ":" + tag + ": not a valid repository:tag");
    }
  }

  /** Parses {@code name[:tag]}. */
  public static ImageRef parse(String text) {
    int slash = text.lastIndexOf('/');
    int colon = text.lastIndexOf(':');
    if (colon > slash) {
      return new ImageRef(text.substring(0, colon), text.substring(colon + 1));
    }
    return new ImageRef(text, "latest");
  }

  @Override
  public String toString() {
    return repository + ":" + tag;
  }
}
