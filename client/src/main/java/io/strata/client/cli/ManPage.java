package io.strata.client.cli;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man page in roff, written from a picocli command model: NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
 * one subsection per command with its own options, then the sections the caller adds (EXIT STATUS,
 * ...). Hidden commands and options are left out. {@code strata.1} and {@code stratad.8} are made
 * with it, so the manuals say what {@code --help} says.
 */
public final class ManPage {
  private ManPage() {}

  /**
   * The page of {@code cmd} in manual {@code section}; {@code extra} maps further section titles
   * (EXIT STATUS, ENVIRONMENT, SEE ALSO) to their paragraphs.
   */
  public static String render(CommandLine cmd, int section, Map<String, List<String>> extra) {
    CommandSpec spec = cmd.getCommandSpec();
    String name = spec.name();
    StringBuilder b = new StringBuilder();
    // the version number only: the page is committed, and the build's commit (which --version
    // adds in parentheses) would make it stale at every commit
    String version =
        spec.version().length > 0 ? spec.version()[0].replaceFirst(" \\(commit .*\\)$", "") : name;
    b.append(".TH ")
        .append(name.toUpperCase(Locale.ROOT))
        .append(' ')
        .append(section)
        .append(" \"\" \"")
        .append(escape(version))
        .append("\" \"Strata Manual\"\n");
    b.append(".SH NAME\n")
        .append(escape(name))
        .append(" \\- ")
        .append(escape(first(spec)))
        .append('\n');
    b.append(".SH SYNOPSIS\n").append(synopsis(spec)).append('\n');
    b.append(".SH DESCRIPTION\n");
    for (String line : spec.usageMessage().description()) {
      b.append(".PP\n").append(escape(line)).append('\n');
    }
    options(b, spec);
    List<CommandLine> subs = subcommands(cmd);
    if (!subs.isEmpty()) {
      b.append(".SH COMMANDS\n");
      for (CommandLine sub : subs) {
        command(b, sub);
      }
    }
    extra.forEach(
        (title, paragraphs) -> {
          b.append(".SH ").append(escape(title.toUpperCase(Locale.ROOT))).append('\n');
          for (String p : paragraphs) {
            b.append(".PP\n").append(escape(p)).append('\n');
          }
        });
    return b.toString();
  }

  private static void command(StringBuilder b, CommandLine cmd) {
    CommandSpec spec = cmd.getCommandSpec();
    b.append(".SS \"").append(escape(FsCommand.helpName(spec))).append("\"\n");
    b.append(synopsis(spec)).append('\n');
    for (String line : spec.usageMessage().description()) {
      b.append(".PP\n").append(escape(line)).append('\n');
    }
    if (!spec.aliases().equals(new String[0]) && spec.aliases().length > 0) {
      b.append(".PP\nAlso: ").append(escape(String.join(", ", spec.aliases()))).append(".\n");
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden() && p.description().length > 0) {
        b.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n");
        b.append(escape(String.join(" ", p.description()))).append('\n');
      }
    }
    for (OptionSpec o : spec.options()) {
      if (!o.hidden() && !o.usageHelp() && !o.versionHelp()) {
        option(b, o);
      }
    }
    for (CommandLine sub : subcommands(cmd)) {
      command(b, sub);
    }
  }

  private static void options(StringBuilder b, CommandSpec spec) {
    List<OptionSpec> shown = new ArrayList<>();
    for (OptionSpec o : spec.options()) {
      if (!o.hidden()) {
        shown.add(o);
      }
    }
    if (shown.isEmpty()) {
      return;
    }
    b.append(".SH OPTIONS\n");
    shown.forEach(o -> option(b, o));
  }

  private static void option(StringBuilder b, OptionSpec o) {
    b.append(".TP\n");
    List<String> names = new ArrayList<>();
    for (String n : o.names()) {
      String label = o.typeInfo().isBoolean() ? "" : "=\\fI" + escape(o.paramLabel()) + "\\fR";
      names.add("\\fB" + escape(n) + "\\fR" + label);
    }
    b.append(String.join(", ", names)).append('\n');
    b.append(escape(String.join(" ", o.description()))).append('\n');
  }

  private static String synopsis(CommandSpec spec) {
    StringBuilder s =
        new StringBuilder(".B ").append(escape(FsCommand.helpName(spec))).append('\n');
    List<String> parts = new ArrayList<>();
    boolean options = spec.options().stream().anyMatch(o -> !o.hidden());
    if (options) {
      parts.add("[\\fIOPTIONS\\fR]");
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden()) {
        String label = "\\fI" + escape(p.paramLabel()) + "\\fR";
        boolean many = p.arity().max() > 1;
        boolean optional = p.arity().min() == 0;
        String text = label + (many ? "..." : "");
        parts.add(optional ? "[" + text + "]" : text);
      }
    }
    if (!subcommands(spec.commandLine()).isEmpty()) {
      parts.add("\\fICOMMAND\\fR");
    }
    return s.append(String.join(" ", parts)).toString();
  }

  /** The visible subcommands of {@code cmd}, each once (aliases name the same one). */
  private static List<CommandLine> subcommands(CommandLine cmd) {
    Map<CommandLine, Boolean> seen = new IdentityHashMap<>();
    List<CommandLine> out = new ArrayList<>();
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (seen.put(sub, Boolean.TRUE) == null && !sub.getCommandSpec().usageMessage().hidden()) {
        out.add(sub);
      }
    }
    return out;
  }

  private static String first(CommandSpec spec) {
    String[] d = spec.usageMessage().description();
    return d.length == 0 ? spec.name() : d[0];
  }

  /** Text safe for roff: backslashes, hyphens, and a leading dot or quote. */
  static String escape(String text) {
    String t = text.replace("\\", "\\e").replace("-", "\\-");
    if (t.startsWith(".") || t.startsWith("'")) {
      t = "\\&" + t;
    }
    return t.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
  }
}
