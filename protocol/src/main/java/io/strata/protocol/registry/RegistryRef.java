package io.strata.protocol.registry;

/**
 * {@code REGISTRY/REPO[:TAG|@DIGEST]}: a reference to an image in a registry. The first component
 * is a registry host when it has a dot or a colon or is {@code localhost}, as docker decides.
 *
 * @param registry {@code HOST[:PORT]}
 * @param repository the repository name
 * @param reference a tag or a {@code sha256:} digest
 */
public record RegistryRef(String registry, String repository, String reference) {
  /** Whether {@code text} names an image in a registry rather than a local image. */
  public static boolean isRegistry(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0) {
      return false;
    }
    String first = text.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost");
  }

  /** Parses {@code text}; the tag defaults to {@code latest}. */
  public static RegistryRef parse(String text) {
    if (!isRegistry(text)) {
      throw new IllegalArgumentException(
          text + ": not REGISTRY/REPO[:TAG] (the registry is a host with a dot or a port)");
    }
    int slash = text.indexOf('/');
    String registry = text.substring(0, slash);
    String rest = text.substring(slash + 1);
    String repo;
    String ref;
    int at = rest.indexOf('@');
    int colon = rest.lastIndexOf(':');
    if (at >= 0) {
      repo = rest.substring(0, at);
      ref = rest.substring(at + 1);
    } else if (colon > rest.lastIndexOf('/')) {
      repo = rest.substring(0, colon);
      ref = rest.substring(colon + 1);
    } else {
      repo = rest;
      ref = "latest";
    }
    if (!repo.matches(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*")
        || !(ref.matches("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
            || ref.matches("sha256:[0-9a-f]{64}"))) {
      throw new IllegalArgumentException(text + ": not a valid REGISTRY/REPO[:TAG]");
    }
    return new RegistryRef(registry, repo, ref);
  }

  @Override
  public String toString() {
    return registry + "/" + repository + (reference.startsWith("sha256:") ? "@" : ":") + reference;
  }
}
