package io.strata.protocol.message;

/**
 * Arguments of {@code fs.write}; the DATA is the bytes to write. Nothing is written until the whole
 * upload has arrived, so an interrupted write leaves the file as it was.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param path an absolute path inside it; the file is created if missing (its directory must exist)
 * @param offset null: the DATA replaces the file's content; else it is written at this byte offset
 *     and the rest of the file is kept (a file shorter than the offset grows, with zeros between)
 * @param size the length the client will send, when it knows it; null when unknown (a pipe)
 */
public record WriteArgs(String container, String path, Long offset, Long size) {}
