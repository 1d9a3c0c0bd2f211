package io.strata.perf.image;

/** What the store imports a tree from: its packed image, or the directory itself. */
public enum ImportSource {
  /** The OCI layout umoci made: the store gunzips the layer and parses its tar. */
  LAYOUT("layout"),
  /** The directory: the store walks it and makes a one-layer image of it. */
  DIRECTORY("directory");

  private final String label;

  ImportSource(String label) {
    this.label = label;
  }

  /** How reports and the command line name it. */
  public String label() {
    return label;
  }

  /** What {@code ImageStore.importPath} is given for {@code image}. */
  String path(OciImage image) {
    return this == LAYOUT ? image.reference() : image.tree().root().toString();
  }

  /** The source a label names. */
  public static ImportSource parse(String label) {
    for (ImportSource s : values()) {
      if (s.label.equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException("import source " + label + ": expected layout or directory");
  }
}
