package io.strata.store.image.archive;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerCodec;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;

/**
 * Writes one image as an OCI layout or a docker-save archive. An image that keeps the manifest it
 * arrived with goes out as it arrived: that manifest, and each layer blob byte for byte (its tar
 * regenerated from the tar-split, compressed again by its recipe, the digest checked before the
 * last bytes leave), so digests and pinned references still match. Any other image goes with layers
 * compressed with the export's codec (or uncompressed, each layer blob's digest its diff_id). An
 * archive names each blob's digest and length before its bytes, so a layer compressed here is
 * compressed once into a spool file in the data root's tmp directory, then copied out and deleted:
 * one compression per layer, and at most one layer's compressed bytes on disk at a time.
 */
public final class ImageExport {
  static final String CONFIG = "application/vnd.oci.image.config.v1+json";

  private final LayerStore store;
  private final BlobService blobs;
  private final ExportedImage image;
  private final List<LayerRecord> layers;
  private final LayerCodec codec;
  private final Path spoolDir;

  /**
   * An export of {@code image}, its layers read from {@code store} (and kept-whole blobs from
   * {@code blobs}); layers that do not go as they arrived are compressed with {@code codec}, each
   * spooled in {@code spoolDir}.
   */
  public ImageExport(
      LayerStore store, BlobService blobs, ExportedImage image, LayerCodec codec, Path spoolDir) {
    this.store = store;
    this.blobs = blobs;
    this.image = image;
    this.layers = image.layers();
    this.codec = codec;
    this.spoolDir = spoolDir;
  }

  /** Whether the image goes out as it arrived. */
  private boolean asArrived() {
    return image.arrived() != null
        && image.arrived().blobs() != null
        && image.arrived().blobs().size() == layers.size();
  }

  /** Writes the image as an OCI layout. */
  public void oci(ExportTarget t) throws IOException {
    t.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes());
    if (asArrived()) {
      ociAsArrived(t);
      return;
    }
    byte[] config = image.configBytes();
    t.put("blobs/sha256/" + hex(image.id()), config);
    ObjectNode manifest = JsonCodec.MAPPER.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", ArchiveImages.MANIFEST_OCI);
    ObjectNode c = manifest.putObject("config");
    c.put("mediaType", CONFIG).put("digest", image.id()).put("size", config.length);
    ArrayNode ls = manifest.putArray("layers");
    java.util.Map<String, Measured> blobs = new java.util.HashMap<>();
    for (LayerRecord l : layers) {
      Measured m = blobs.get(l.diffId());
      if (m == null) {
        m = measure(l);
        blobs.put(l.diffId(), m);
        putLayer(t, "blobs/sha256/" + hex(m.digest()), l, m);
      }
      ls.addObject()
          .put("mediaType", codec.mediaType())
          .put("digest", m.digest())
          .put("size", m.size());
    }
    byte[] m = JsonCodec.bytes(manifest);
    putManifestAndIndex(t, m, ArchiveImages.MANIFEST_OCI);
  }

  private void ociAsArrived(ExportTarget t) throws IOException {
    byte[] config = image.configBytes();
    t.put("blobs/sha256/" + hex(image.id()), config);
    putArrivedLayers(t);
    putManifestAndIndex(t, image.arrived().manifest(), image.arrived().type());
  }

  /**
   * Manifest {@code m} (of media type {@code type}) as a blob, and the {@code index.json} naming
   * it, with the image's tag as containerd and the OCI spec annotate it.
   */
  private void putManifestAndIndex(ExportTarget t, byte[] m, String type) throws IOException {
    Digest md = Digest.sha256(m, 0, m.length);
    t.put("blobs/sha256/" + md.hex(), m);
    ObjectNode index = JsonCodec.MAPPER.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", ArchiveImages.INDEX_OCI);
    ObjectNode d = index.putArray("manifests").addObject();
    d.put("mediaType", type).put("digest", md.toString()).put("size", m.length);
    String tag = image.tag();
    if (tag != null) {
      ObjectNode a = d.putObject("annotations");
      a.put(ArchiveImages.IMAGE_NAME, tag);
      a.put(ArchiveImages.REF_NAME, tag.substring(tag.lastIndexOf(':') + 1));
    }
    t.put("index.json", JsonCodec.bytes(index));
  }

  /** Each layer blob as it arrived, once, under {@code blobs/sha256/}. */
  private void putArrivedLayers(ExportTarget t) throws IOException {
    putArrivedLayers(t, new DockerArchive());
  }

  /** The layer blobs as they arrived, each once in {@code archive}. */
  private void putArrivedLayers(ExportTarget t, DockerArchive archive) throws IOException {
    for (int i = 0; i < layers.size(); i++) {
      LayerBlob b = image.arrived().blobs().get(i);
      String name = "blobs/sha256/" + hex(b.digest());
      if (!archive.claim(name)) {
        continue;
      }
      String what = "layer blob " + b.digest();
      try (InputStream in = arrived(b, layers.get(i), what)) {
        t.put(name, b.size(), in);
        // reading past the end makes a regenerated blob check its digest
        if (in.read() >= 0) {
          throw new IOException(what + ": longer than its recorded size");
        }
      } catch (CorruptDataException e) {
        throw e.within(what);
      }
    }
  }

  private InputStream arrived(LayerBlob b, LayerRecord l, String what) throws IOException {
    return LayerBlobs.open(b, l, store, blobs, what);
  }

  /** Writes the image as a {@code docker save} archive of it alone. */
  public void dockerArchive(ExportTarget t) throws IOException {
    DockerArchive archive = new DockerArchive();
    archive.add(this, t);
    archive.finish(t);
  }

  /**
   * A {@code docker save} archive of one image or several: each blob written once, one {@code
   * manifest.json} entry per image, and {@code repositories} naming every tag.
   */
  public static final class DockerArchive {
    private final java.util.Set<String> written = new java.util.HashSet<>();
    // diff_id → the name of that layer's compressed blob in this archive
    private final java.util.Map<String, String> compressed = new java.util.HashMap<>();
    private final ArrayNode manifest = JsonCodec.MAPPER.createArrayNode();
    private final ObjectNode repositories = JsonCodec.MAPPER.createObjectNode();

    /** Adds {@code image}: its entry in {@code manifest.json}, and the blobs not written yet. */
    public void add(ImageExport image, ExportTarget t) throws IOException {
      manifest.add(image.dockerArchiveEntry(t, this));
    }

    /** Writes {@code name} unless an earlier image of the archive did. */
    boolean claim(String name) {
      return written.add(name);
    }

    void repository(String tag, String topLayer) {
      int c = tag.lastIndexOf(':');
      ObjectNode repo =
          repositories.has(tag.substring(0, c))
              ? (ObjectNode) repositories.get(tag.substring(0, c))
              : repositories.putObject(tag.substring(0, c));
      repo.put(tag.substring(c + 1), topLayer);
    }

    /** Writes {@code manifest.json} and {@code repositories} after the last image. */
    public void finish(ExportTarget t) throws IOException {
      t.put("manifest.json", JsonCodec.bytes(manifest));
      if (!repositories.isEmpty()) {
        t.put("repositories", JsonCodec.bytes(repositories));
      }
    }
  }

  private ObjectNode dockerArchiveEntry(ExportTarget t, DockerArchive archive) throws IOException {
    if (asArrived()) {
      return dockerArchiveAsArrived(t, archive);
    }
    String configName = hex(image.id()) + ".json";
    if (archive.claim(configName)) {
      t.put(configName, image.configBytes());
    }
    ObjectNode entry = JsonCodec.MAPPER.createObjectNode();
    entry.put("Config", configName);
    ArrayNode repoTags = entry.putArray("RepoTags");
    String tag = image.tag();
    if (tag != null) {
      repoTags.add(tag);
    }
    ArrayNode ls = entry.putArray("Layers");
    java.util.Map<String, String> names = new java.util.HashMap<>();
    for (LayerRecord l : layers) {
      String name = names.get(l.diffId());
      if (name == null) {
        if (codec == LayerCodec.NONE) {
          name = hex(l.diffId()) + "/layer.tar";
          if (archive.claim(name)) {
            t.put(hex(l.diffId()) + "/VERSION", "1.0".getBytes());
            putLayer(t, name, l, new Measured(l.diffId(), l.size(), null));
          }
        } else {
          // compressed layers under their digests, as docker 25+ saves them; docker load
          // detects the compression
          // (a layer an earlier image of the archive wrote is not compressed again)
          name = archive.compressed.get(l.diffId());
          if (name == null) {
            Measured m = measure(l);
            name = "blobs/sha256/" + hex(m.digest());
            archive.compressed.put(l.diffId(), name);
            if (archive.claim(name)) {
              putLayer(t, name, l, m);
            } else {
              Files.deleteIfExists(m.spool());
            }
          }
        }
        names.put(l.diffId(), name);
      }
      ls.add(name);
    }
    if (tag != null && !layers.isEmpty()) {
      archive.repository(tag, hex(layers.get(layers.size() - 1).diffId()));
    }
    return entry;
  }

  /**
   * A docker-save archive's entry whose layer files are the blobs as they arrived (compressed ones
   * included: docker load detects the compression), under {@code blobs/sha256/} as docker 25+ names
   * them.
   */
  private ObjectNode dockerArchiveAsArrived(ExportTarget t, DockerArchive archive)
      throws IOException {
    String configName = "blobs/sha256/" + hex(image.id());
    if (archive.claim(configName)) {
      t.put(configName, image.configBytes());
    }
    putArrivedLayers(t, archive);
    ObjectNode entry = JsonCodec.MAPPER.createObjectNode();
    entry.put("Config", configName);
    ArrayNode repoTags = entry.putArray("RepoTags");
    String tag = image.tag();
    if (tag != null) {
      repoTags.add(tag);
    }
    ArrayNode ls = entry.putArray("Layers");
    for (LayerBlob b : image.arrived().blobs()) {
      ls.add("blobs/sha256/" + hex(b.digest()));
    }
    return entry;
  }

  /**
   * A layer blob as this export writes it: its digest and length, and for a layer compressed here
   * the spool file that holds it (null: the layer's tar is written as it is read).
   */
  private record Measured(String digest, long size, Path spool) {}

  /**
   * The digest and length of layer {@code l} as this export writes it; a layer compressed with the
   * export's codec is compressed now, into a spool file {@link #putLayer} copies out and deletes.
   */
  private Measured measure(LayerRecord l) throws IOException {
    if (codec == LayerCodec.NONE) {
      return new Measured(l.diffId(), l.size(), null);
    }
    Files.createDirectories(spoolDir);
    Path spool = Files.createTempFile(spoolDir, "export-", ".layer");
    MessageDigest sha = Digest.newSha256();
    try (InputStream tar = store.open(l);
        OutputStream out =
            codec.wrap(
                new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(spool), 1 << 16), sha))) {
      tar.transferTo(out);
    } catch (CorruptDataException e) {
      Files.deleteIfExists(spool);
      throw e.within("layer " + l.diffId());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(spool);
      throw e;
    }
    return new Measured(Digest.of(sha.digest()).toString(), Files.size(spool), spool);
  }

  /** Writes layer {@code l} as {@code m} says, and deletes its spool file. */
  private void putLayer(ExportTarget t, String name, LayerRecord l, Measured m) throws IOException {
    String what = "layer " + l.diffId();
    try (InputStream in = m.spool() == null ? store.open(l) : Files.newInputStream(m.spool())) {
      t.put(name, m.size(), in);
      if (in.read() >= 0) {
        throw new IOException(what + ": longer than its recorded size");
      }
    } catch (CorruptDataException e) {
      throw e.within(what);
    } finally {
      if (m.spool() != null) {
        Files.deleteIfExists(m.spool());
      }
    }
  }

  private static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }
}
