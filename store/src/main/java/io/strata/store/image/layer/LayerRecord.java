package io.strata.store.image.layer;

import io.strata.store.engine.Recipe;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * What is kept of one layer, as the JSON payload of its root {@code img/layer/<chain hex>}: the
 * snapshot is named by {@code chainId}; the tar-split and any side content are objects whose chunks
 * the root holds.
 *
 * @param chainId the OCI chain id, also the key of the layer's committed snapshot
 * @param diffId the sha256 of the uncompressed layer tar
 * @param parent the chain id of the layer below, or null
 * @param size bytes of the uncompressed tar
 * @param split the tar-split object's recipe, base64
 * @param sides side content by file-record number, each a recipe in base64
 */
public record LayerRecord(
    String chainId,
    String diffId,
    String parent,
    long size,
    String split,
    Map<Integer, String> sides) {
  static final String PREFIX = "img/layer/";

  public LayerRecord {
    sides = sides == null ? Map.of() : Map.copyOf(sides);
  }

  /** The chunk-store root of the layer of {@code chainId} ({@code sha256:<hex>}). */
  public static String rootName(String chainId) {
    return PREFIX + chainId.substring(chainId.indexOf(':') + 1);
  }

  public Recipe splitRecipe() {
    return decode(split);
  }

  Map<Integer, Recipe> sideRecipes() {
    Map<Integer, Recipe> out = new TreeMap<>();
    sides.forEach((k, v) -> out.put(k, decode(v)));
    return out;
  }

  static String encode(Recipe r) {
    return Base64.getEncoder().encodeToString(r.encode(0).array());
  }

  private static Recipe decode(String s) {
    return Recipe.decode(ByteBuffer.wrap(Base64.getDecoder().decode(s)), "layer recipe");
  }
}
