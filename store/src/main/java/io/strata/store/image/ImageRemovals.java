package io.strata.store.image;

import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * docker's {@code rmi} over the image records: which references a removal takes and whether the
 * image goes with them (moby's {@code ImageDelete}). An image's references are its tags and the
 * {@code REPOSITORY@DIGEST} references it was pulled by. The caller holds {@link ImageStore}'s
 * write lock.
 *
 * <ul>
 *   <li>A tag of an image with other references: only that tag goes, and when it was its
 *       repository's last, the references by digest of that repository (docker's clean-up).
 *   <li>A {@code REPOSITORY@DIGEST} of an image with other references: only that reference goes (a
 *       digest a tag of the repository exports is derived from the tag, so it is listed as long as
 *       that tag stays).
 *   <li>An id, unless forced: refused while the image has more than one tag, or references of more
 *       than one repository, so that removing by id never takes a name another repository relies on
 *       ("referenced in multiple repositories", as docker says it, for two tags of one repository
 *       too). Forced, every reference goes.
 *   <li>Otherwise the image goes with all its references, then its layers no other image uses.
 * </ul>
 *
 * An image a container uses is never removed, forced or not: a Strata container is a live file
 * system over the image's layers (docker too refuses even with {@code -f} the image of a running
 * container). Its tags are left alone too, so a refusal changes nothing.
 */
final class ImageRemovals {
  private static final String UNTAGGED = "Untagged: ";

  private final ImageRecords records;
  private final LayerStore layers;

  ImageRemovals(ImageRecords records, LayerStore layers) {
    this.records = records;
    this.layers = layers;
  }

  /** See {@link ImageStore#removeNamingUsers}. */
  List<String> remove(String ref, boolean force, Function<String, List<String>> users)
      throws IOException {
    String id = records.resolve(ref);
    List<String> tags = records.tagsOf(id);
    ImageRecord image = records.image(id);
    if (ref.indexOf('@') > 0) {
      boolean others = !tags.isEmpty() || image.pulledBy().stream().anyMatch(r -> !r.equals(ref));
      if (others) {
        // a digest a tag of the repository exports is no reference of its own: it stays listed
        // while that tag does
        untag(image, tags, List.of(), ref::equals);
        return List.of(UNTAGGED + ref);
      }
      return delete(id, ref, tags, users);
    }
    String named = tagNamed(ref);
    if (named != null && tags.contains(named)) {
      List<String> left = new ArrayList<>(tags);
      left.remove(named);
      // docker's clean-up: the last tag of a repository takes that repository's digests along
      String repository = repository(named);
      boolean lastOfRepository = left.stream().noneMatch(t -> repository(t).equals(repository));
      Predicate<String> digests = r -> lastOfRepository && repository(r).equals(repository);
      if (!left.isEmpty() || image.pulledBy().stream().anyMatch(digests.negate())) {
        return untag(image, tags, List.of(named), digests);
      }
      return delete(id, ref, tags, users);
    }
    if (!force && !oneRepository(tags, image.pulledBy())) {
      throw new ConflictException(
          "conflict: unable to delete "
              + id.substring(7, 19)
              + " (must be forced) - image is referenced in multiple repositories");
    }
    return delete(id, ref, tags, users);
  }

  /**
   * Removes the tags {@code gone} of {@code image} (tagged {@code tags}) and the pulled-by
   * references {@code digests} takes, in one commit; the image stays.
   */
  private List<String> untag(
      ImageRecord image, List<String> tags, List<String> gone, Predicate<String> digests)
      throws IOException {
    List<String> out = new ArrayList<>();
    List<RootChange> changes = new ArrayList<>();
    for (String t : gone) {
      changes.add(new RootChange.Remove(ImageRecords.TAG_PREFIX + t));
      out.add(UNTAGGED + t);
    }
    for (String r : image.pulledBy()) {
      if (digests.test(r)) {
        out.add(UNTAGGED + r);
      }
    }
    List<String> left = new ArrayList<>(tags);
    left.removeAll(gone);
    ImageRecord next = image.withoutPulledBy(digests, left);
    if (!next.equals(image)) {
      changes.add(ImageRecords.put(next));
    }
    if (!changes.isEmpty()) {
      records.commit(changes);
    }
    return out;
  }

  /** The repository of a tag or of a digest reference. */
  private static String repository(String ref) {
    int at = ref.indexOf('@');
    return at > 0 ? ref.substring(0, at) : ref.substring(0, ref.lastIndexOf(':'));
  }

  /** The tag {@code ref} spells ({@code name[:tag]}), or null when it is no tag (an id). */
  private static String tagNamed(String ref) {
    try {
      return ImageRef.parse(ref).toString();
    } catch (InvalidArgumentException e) {
      return null;
    }
  }

  /**
   * docker's {@code isSingleReference}: at most one tag, and every reference in one repository (an
   * image without references has none to lose).
   */
  static boolean oneRepository(List<String> tags, List<String> pulledBy) {
    if (tags.size() > 1) {
      return false;
    }
    String repository = null;
    List<String> all = new ArrayList<>(tags);
    all.addAll(pulledBy);
    for (String ref : all) {
      String r = repository(ref);
      if (repository == null) {
        repository = r;
      } else if (!repository.equals(r)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The image, its tags and then the layers only it used; refused while a container uses it, naming
   * the containers (as docker names the one it found) so that the user knows what to remove.
   */
  private List<String> delete(
      String id, String ref, List<String> tags, Function<String, List<String>> users)
      throws IOException {
    List<String> using = users.apply(id);
    if (!using.isEmpty()) {
      throw new ConflictException(
          "image "
              + ref
              + " is used by "
              + String.join(", ", using)
              + "; remove "
              + (using.size() == 1 ? "it" : "them")
              + " first (not even -f removes an image a container uses)");
    }
    ImageRecords.Removal removal = records.removal(id, tags, layers);
    List<String> out = new ArrayList<>();
    for (String t : tags) {
      out.add(UNTAGGED + t);
    }
    for (String r : records.image(id).pulledBy()) {
      out.add(UNTAGGED + r);
    }
    records.commit(removal.changes());
    out.add("Deleted: " + id);
    if (!removal.layers().isEmpty()) {
      layers.remove(removal.layers());
    }
    return out;
  }
}
