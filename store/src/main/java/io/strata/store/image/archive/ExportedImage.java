package io.strata.store.image.archive;

import io.strata.store.image.layer.LayerRecord;
import java.util.List;

/**
 * One image as an export writes it.
 *
 * @param id its id, the digest of its config
 * @param configBytes its config, byte for byte
 * @param arrived the manifest it arrived with and how its layer blobs come back; null when it has
 *     none (then its layers go as {@link io.strata.store.image.layer.LayerCodec} compresses them)
 * @param layers its layers, bottom first
 * @param tag the tag the export names it by, or null for none
 */
public record ExportedImage(
    String id, byte[] configBytes, ArrivedAs arrived, List<LayerRecord> layers, String tag) {}
