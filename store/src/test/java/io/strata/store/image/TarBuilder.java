package io.strata.store.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Small layer tars for tests, entry by entry. */
public final class TarBuilder {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");

  public TarBuilder() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  public TarBuilder dir(String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
    e.setMode(mode);
    e.setModTime(1_600_000_000_000L);
    return put(e, null);
  }

  public TarBuilder file(String name, String content) throws IOException {
    return file(name, content, 0644, 0, 0, Map.of());
  }

  public TarBuilder file(
      String name, String content, int mode, int uid, int gid, Map<String, String> pax)
      throws IOException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    e.setSize(b.length);
    e.setMode(mode);
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setModTime(1_600_000_123_000L);
    pax.forEach(e::addPaxHeader);
    return put(e, b);
  }

  public TarBuilder raw(String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    e.setSize(content.length);
    e.setMode(0644);
    return put(e, content);
  }

  public TarBuilder symlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    return put(e, null);
  }

  public TarBuilder hardlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
    e.setLinkName(target);
    return put(e, null);
  }

  public TarBuilder entry(String name, byte type) throws IOException {
    return put(new TarArchiveEntry(name, type), null);
  }

  private TarBuilder put(TarArchiveEntry e, byte[] content) throws IOException {
    tar.putArchiveEntry(e);
    if (content != null) {
      tar.write(content);
    }
    tar.closeArchiveEntry();
    return this;
  }

  public byte[] bytes() throws IOException {
    tar.finish();
    tar.close();
    return bytes.toByteArray();
  }
}
