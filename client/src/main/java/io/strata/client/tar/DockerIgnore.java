package io.strata.client.tar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules of a {@code .dockerignore} file, read and matched as Docker does: one pattern a line,
 * {@code #} at the start of a line for a comment, surrounding spaces trimmed, each pattern cleaned
 * as a path ({@code ./a//b/} is {@code a/b}, a leading {@code /} dropped); {@code *} matches within
 * a path component, {@code ?} one character of it, {@code **} any number of components, {@code
 * [...]} a class ({@code ^} negates it, as in Go) and {@code \} escapes. A pattern matches a path
 * or any of its parent directories (so {@code secrets} excludes everything below it), and a {@code
 * !} line makes an exception; the last matching line wins.
 */
public final class DockerIgnore {
  /** One line: its pattern split into components, and whether it is an exception. */
  private record Rule(String text, boolean exception, Pattern regex, List<Pattern> components) {}

  private static final DockerIgnore NONE = new DockerIgnore(List.of());

  private final List<Rule> rules;

  private DockerIgnore(List<Rule> rules) {
    this.rules = rules;
  }

  /** The rules in {@code file}; none if it does not exist. */
  public static DockerIgnore read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return NONE;
    }
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The rules in {@code text}; a pattern Docker refuses (a lone {@code !}, an unterminated {@code
   * [}) is refused naming its line, rather than read as something else.
   */
  public static DockerIgnore parse(String text) {
    List<Rule> rules = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.startsWith("#")) {
        continue;
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      boolean exception = line.startsWith("!");
      if (exception) {
        line = line.substring(1).strip();
        if (line.isEmpty()) {
          throw new IllegalArgumentException("line " + (i + 1) + ": ! with no pattern");
        }
      }
      if (!closedClasses(line)) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + ": pattern " + line + " has a [ with no closing ]");
      }
      String p = clean(line);
      if (p.length() > 1 && p.startsWith("/")) {
        p = p.substring(1);
      }
      List<Pattern> components = new ArrayList<>();
      for (String c : p.split("/", -1)) {
        components.add(Pattern.compile(regex(c)));
      }
      rules.add(new Rule(p, exception, Pattern.compile(regex(p)), components));
    }
    return new DockerIgnore(List.copyOf(rules));
  }

  /** Whether nothing is ignored. */
  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /** Whether {@code path} (relative to the context, {@code /}-separated) is left out. */
  public boolean excluded(String path) {
    String[] parts = path.split("/");
    boolean excluded = false;
    for (Rule r : rules) {
      boolean match = r.regex().matcher(path).matches();
      if (!match && parts.length > 1 && r.components().size() < parts.length) {
        // a pattern that names a parent directory matches everything below it
        String parent = String.join("/", List.of(parts).subList(0, r.components().size()));
        match = r.regex().matcher(parent).matches();
      }
      if (match) {
        excluded = !r.exception();
      }
    }
    return excluded;
  }

  /**
   * Whether an exception could bring back something below the excluded directory {@code dir}: then
   * the directory is walked, and written only as the parent of what comes back.
   */
  public boolean mayIncludeBelow(String dir) {
    String[] parts = dir.split("/");
    for (Rule r : rules) {
      if (!r.exception()) {
        continue;
      }
      if (r.text().contains("**")) {
        return true;
      }
      if (r.components().size() <= parts.length) {
        continue;
      }
      boolean prefix = true;
      for (int i = 0; i < parts.length && prefix; i++) {
        prefix = r.components().get(i).matcher(parts[i]).matches();
      }
      if (prefix) {
        return true;
      }
    }
    return false;
  }

  /** Whether every unescaped {@code [} of {@code p} has its {@code ]}. */
  private static boolean closedClasses(String p) {
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        int end = p.indexOf(']', i + 2);
        if (end < 0) {
          return false;
        }
        i = end;
      }
    }
    return true;
  }

  /** Go's {@code filepath.Clean} for {@code /}-separated paths. */
  static String clean(String path) {
    boolean rooted = path.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add(c);
        }
        continue;
      }
      out.add(c);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  /** The regular expression of a Docker pattern, whole-string. */
  private static String regex(String p) {
    StringBuilder re = new StringBuilder("^");
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '*') {
        if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
          i++;
          if (i + 1 < p.length() && p.charAt(i + 1) == '/') {
            i++; // "**/" is "**" with its slash: zero or more whole components
          }
          re.append(i + 1 == p.length() ? ".*" : "(.*/)?");
        } else {
          re.append("[^/]*");
        }
      } else if (c == '?') {
        re.append("[^/]");
      } else if (c == '\\' && i + 1 < p.length()) {
        re.append(Pattern.quote(String.valueOf(p.charAt(++i))));
      } else if (c == '[') {
        // a class as Go's filepath.Match reads it: ^ negates, ! is a member, \ escapes
        int end = p.indexOf(']', i + 2);
        if (end < 0) {
          re.append("\\[");
        } else {
          re.append('[').append(p.substring(i + 1, end).replace("[", "\\[")).append(']');
          i = end;
        }
      } else if (Character.isLetterOrDigit(c) || c == '/' || c == '_' || c == '-') {
        re.append(c);
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.append('$').toString();
  }
}
