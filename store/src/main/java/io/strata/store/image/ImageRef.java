package io.strata.store.image;

import io.strata.store.error.InvalidArgumentException;
import java.util.regex.Pattern;

/**
 * A {@code repository:tag} reference; the tag defaults to {@code latest}. The tag is what follows
 * the last colon after the last slash, so {@code host:5000/app} has none.
 *
 * <p>Both parts follow Docker's reference grammar (distribution's {@code reference} package), so
 * that a name Strata accepts is one docker, skopeo and a registry accept too: the repository is an
 * optional registry host ({@code host}, {@code host.domain} or either with {@code :port}, the only
 * place a colon may stand) and a slash, then path components of lower-case letters and digits
 * joined by {@code .}, {@code _}, {@code __} or dashes; no empty component, no {@code ..}; at most
 * 255 characters. The tag is a word character then up to 127 of word characters, dots and dashes.
 *
 * <p>As docker refuses them, a repository named {@code sha256} (the digest algorithm: {@code
 * sha256:abcd} would read as both a tag and a short image id) and a repository of 64 hex digits (a
 * full image id without its {@code sha256:}) are refused, so a name never shadows an image id.
 *
 * @param repository the repository
 * @param tag the tag
 */
public record ImageRef(String repository, String tag) {
  /** A path component of a repository name, as the distribution spec defines it. */
  public static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";

  /** A repository path: one or more path components joined by slashes. */
  public static final String PATH = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";

  private static final String DOMAIN_COMPONENT =
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String DOMAIN =
      DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";

  private static final Pattern REPOSITORY = Pattern.compile("(?:" + DOMAIN + "/)?" + PATH);
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  /** The one digest algorithm of image ids; no repository may be named so. */
  private static final String DIGEST_ALGORITHM = "sha256";

  /** An image id's hex digits: no repository may be named so. */
  private static final Pattern HEX_ID = Pattern.compile("[a-f0-9]{64}");

  /** The longest repository name accepted, distribution's limit. */
  public static final int MAX_REPOSITORY = 255;

  public ImageRef {
    if (repository.length() > MAX_REPOSITORY
        || !REPOSITORY.matcher(repository).matches()
        || !TAG.matcher(tag).matches()) {
      throw new InvalidArgumentException(
          "image reference " + repository + ":" + tag + ": not a valid repository:tag");
    }
    if (repository.equals(DIGEST_ALGORITHM)) {
      throw new InvalidArgumentException(
          "image reference "
              + repository
              + ":"
              + tag
              + ": refusing to create an ambiguous tag using digest algorithm as name");
    }
    if (HEX_ID.matcher(repository).matches()) {
      throw new InvalidArgumentException(
          "image reference "
              + repository
              + ":"
              + tag
              + ": invalid repository name, cannot specify 64-byte hexadecimal strings");
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

  /**
   * Checks {@code text} is a digest reference, {@code REPOSITORY@sha256:<64 hex>}, and gives it
   * back; refused naming it otherwise.
   */
  public static String digestReference(String text) {
    int at = text.indexOf('@');
    if (at <= 0
        || !text.substring(at + 1).matches("sha256:[0-9a-f]{64}")
        || text.length() - at - 1 > MAX_REPOSITORY) {
      throw new InvalidArgumentException(
          "image reference " + text + ": not a valid repository@sha256:digest");
    }
    new ImageRef(text.substring(0, at), "latest");
    return text;
  }

  @Override
  public String toString() {
    return repository + ":" + tag;
  }
}
