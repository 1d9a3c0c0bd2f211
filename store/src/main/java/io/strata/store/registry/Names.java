package io.strata.store.registry;

import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.ImageRef;
import java.util.regex.Pattern;

/**
 * The grammar of repository names, tags and digests in the distribution spec: what may appear in a
 * {@code /v2/} path. A name that fails it (a {@code ..}, an upper-case letter, a percent sign) is
 * refused before it reaches the store.
 */
public final class Names {
  /** The spec's repository name: path components of lower-case alphanumerics and separators. */
  private static final Pattern REPOSITORY = Pattern.compile(ImageRef.PATH);

  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  /** The longest repository name accepted, as distribution's limit. */
  public static final int MAX_REPOSITORY = ImageRef.MAX_REPOSITORY;

  private Names() {}

  /** Whether {@code name} is a valid repository name. */
  public static boolean isRepository(String name) {
    return name.length() <= MAX_REPOSITORY && REPOSITORY.matcher(name).matches();
  }

  /** Whether {@code text} is a tag. */
  public static boolean isTag(String text) {
    return TAG.matcher(text).matches();
  }

  /** Whether {@code text} is a sha256 digest in canonical form. */
  public static boolean isDigest(String text) {
    return DIGEST.matcher(text).matches();
  }

  /**
   * {@code text} as a digest; refused unless it is {@code sha256:} and 64 lower-case hex digits.
   */
  public static Digest digest(String text) {
    if (!isDigest(text)) {
      throw new InvalidArgumentException("digest " + text + ": expected sha256: and 64 hex digits");
    }
    return Digest.parse(text);
  }

  static void checkRepository(String name) {
    if (!isRepository(name)) {
      throw new InvalidArgumentException("repository name " + name + ": not a valid name");
    }
  }
}
