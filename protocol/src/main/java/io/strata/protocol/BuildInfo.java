package io.strata.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Which build this is: the commit it was built from ({@code git describe}: an abbreviated id,
 * {@code -dirty} when the tree had changes) and that commit's time. Builds of one version number
 * differ by hundreds of commits; {@code strata version}, {@code --version} and the server's {@code
 * strata_build_info} tell them apart, as {@code docker version} prints its git commit.
 *
 * @param commit the commit, or {@code unknown} (built outside a git checkout)
 * @param committed the commit's time (ISO 8601, UTC), or {@code unknown}
 */
public record BuildInfo(String commit, String committed) {
  private static final String UNKNOWN = "unknown";

  /** This build's, from {@code build.properties} beside this class. */
  public static final BuildInfo CURRENT = read();

  private static BuildInfo read() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // a jar that cannot read its own resource still runs; it says it does not know
    }
    return new BuildInfo(value(p, "commit"), value(p, "committed"));
  }

  /** A filled-in value, or {@code unknown} for one missing or left unfilled by the build. */
  private static String value(Properties p, String key) {
    String v = p.getProperty(key, "");
    return v.isEmpty() || v.contains("${") ? UNKNOWN : v;
  }

  /** {@code VERSION (commit 4294a6e3d1c2 of 2026-12-07T10:07:00Z)}, for {@code --version}. */
  public String describe(String version) {
    return version + " (commit " + commit + " of " + committed + ")";
  }
}
