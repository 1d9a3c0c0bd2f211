package io.strata.store.image.archive;

import io.strata.store.image.layer.LayerBlob;
import java.util.List;

/**
 * The manifest an image arrived with, and how each of its layer blobs comes back: what lets an
 * export give the image back with every digest unchanged.
 *
 * @param manifest the manifest, byte for byte
 * @param type its media type
 * @param blobs how each layer blob comes back, bottom first
 */
public record ArrivedAs(byte[] manifest, String type, List<LayerBlob> blobs) {}
