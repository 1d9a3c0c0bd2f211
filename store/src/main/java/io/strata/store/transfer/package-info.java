/**
 * Moving images between stores, chunk by chunk: the {@link io.strata.store.transfer.TransferPlan} a
 * sender offers (an image's config, and each layer as its tar-split's chunks plus every file's
 * chunks, cut the way the receiver cuts files: {@link io.strata.store.transfer.ContentCut}), the
 * stream of chunk records that carries only what the receiver lacks ({@link
 * io.strata.store.transfer.ChunkRecords}), and the receiver's side, which verifies every chunk
 * against its digest and keeps what arrived pinned so an interrupted transfer resumes ({@link
 * io.strata.store.transfer.ChunkIntake}). Turning a plan back into layers is the image store's work
 * ({@code ImageStore.receive}).
 */
package io.strata.store.transfer;
