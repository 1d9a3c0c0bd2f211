package io.strata.client.cli;

import io.strata.protocol.message.FileItem;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Permission bits as people write them ({@code 755}) and as {@code ls -l} shows them. */
final class FileMode {
  private static final Pattern OCTAL = Pattern.compile("[0-7]{1,4}");

  private FileMode() {}

  /** {@code text} as octal bits (at most 07777); else a usage error naming it. */
  static int parse(CommandSpec spec, String text) {
    if (!OCTAL.matcher(text).matches()) {
      throw new ParameterException(
          spec.commandLine(), "mode " + text + ": expected octal permission bits such as 0755");
    }
    return Integer.parseInt(text, 8);
  }

  /** {@code drwxr-xr-x}: the type letter, then rwx for owner, group and others. */
  static String symbolic(FileItem f) {
    StringBuilder s = new StringBuilder(10);
    s.append(
        switch (f.type()) {
          case FileItem.DIR -> 'd';
          case FileItem.SYMLINK -> 'l';
          case FileItem.FILE -> '-';
          default -> '?';
        });
    int mode = f.mode();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
    }
    special(s, mode, 04000, 3);
    special(s, mode, 02000, 6);
    special(s, mode, 01000, 9);
    return s.toString();
  }

  /** setuid, setgid and sticky show as s/S and t/T in the execute column, as ls does. */
  private static void special(StringBuilder s, int mode, int bit, int column) {
    if ((mode & bit) == 0) {
      return;
    }
    boolean executable = s.charAt(column) != '-';
    char c = bit == 01000 ? 't' : 's';
    s.setCharAt(column, executable ? c : Character.toUpperCase(c));
  }

  /** The bits as four octal digits: {@code 0644}. */
  static String octal(int mode) {
    return String.format("%04o", mode & 07777);
  }
}
