package io.strata.store.image;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a tag names in a fleet's catalogue: an image and the manifest the tag exports (null: none,
 * an image built, committed or imported from a plain tar), as the catalogue's tag objects and a
 * node's {@code img/catalogued/} marks hold it. Two tags of one image may export different
 * manifests (pulled from two registries, pushed later), and a node making the image from the
 * catalogue must serve the one its tag exports, digest for digest.
 *
 * <p>Text form: the image id, then a line with the manifest's digest or {@code none}. Marks and
 * objects written before the manifest was kept (until 2026-12-07) hold the id alone: such an entry
 * is {@code legacy}, and names the image whatever manifest it exports. The catalogue's tag objects
 * still name an image with no manifest by its id alone ({@link #publishedText}), the form nodes of
 * earlier builds read.
 *
 * @param id the image id, {@code sha256:...}
 * @param manifest the manifest's digest, {@code sha256:...}, or null
 * @param legacy whether it was read from the id-only form
 */
public record CataloguedImage(String id, String manifest, boolean legacy) {
  private static final String NONE = "none";

  public CataloguedImage {
    Objects.requireNonNull(id, "id");
  }

  public CataloguedImage(String id, String manifest) {
    this(id, manifest, false);
  }

  /** Parses the text form; {@code what} names the object it came from in the error. */
  public static CataloguedImage parse(byte[] text, String what) {
    String s = new String(text, StandardCharsets.US_ASCII).strip();
    int nl = s.indexOf('\n');
    String id = nl < 0 ? s : s.substring(0, nl);
    String manifest = nl < 0 ? null : s.substring(nl + 1).strip();
    if (!isDigest(id) || (manifest != null && !manifest.equals(NONE) && !isDigest(manifest))) {
      throw new CorruptDataException(
          what + ": not an image id and a manifest digest (" + s.replace('\n', ' ') + ")", what);
    }
    if (manifest == null) {
      return new CataloguedImage(id, null, true);
    }
    return new CataloguedImage(id, manifest.equals(NONE) ? null : manifest, false);
  }

  private static boolean isDigest(String s) {
    try {
      Digest.parse(s);
      return s.startsWith("sha256:");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The text form (never the legacy one): a mark's. */
  public byte[] text() {
    return (id + "\n" + (manifest == null ? NONE : manifest) + "\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The text form in the catalogue's tag objects: the id alone when there is no manifest (a plan
   * found where nodes of every build look for it), else {@link #text}.
   */
  public byte[] publishedText() {
    return manifest == null ? id.getBytes(StandardCharsets.US_ASCII) : text();
  }

  /**
   * Whether this and {@code other} name the same thing: the same image exporting the same manifest;
   * a legacy entry does not say which manifest, so only its image counts.
   */
  public boolean sameAs(CataloguedImage other) {
    return other != null
        && id.equals(other.id)
        && (legacy || other.legacy || Objects.equals(manifest, other.manifest));
  }
}
