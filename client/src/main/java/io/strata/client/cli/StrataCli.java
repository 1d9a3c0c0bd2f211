package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.HostPort;
import io.strata.protocol.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code strata}, the command-line client: the global options, the command tree, and the mapping of
 * every failure to one line on stderr and an exit code.
 */
@Command(
    name = "strata",
    mixinStandardHelpOptions = true,
    versionProvider = StrataCli.VersionProvider.class,
    description = "Talks to stratad, the content-addressed, deduplicating store.")
public final class StrataCli implements Runnable {
  /** The address tried when neither {@code --host} nor {@code STRATA_HOST} is given. */
  static final String DEFAULT_HOST = Connect.DEFAULT_HOST;

  /**
   * The commands of {@code strata} by name, in the order of its help. The names are their {@code
   * Command} annotations' (a test checks): reading the annotations of them all costs a run more
   * than building the one it runs.
   */
  static final Map<String, Class<?>> COMMANDS;

  static {
    Map<String, Class<?>> commands = new LinkedHashMap<>();
    commands.put("info", InfoCommand.class);
    commands.put("blob", BlobCommand.class);
    commands.put("image", ImageCommand.class);
    commands.put("build", BuildCommand.class);
    commands.put("create", CreateCommand.class);
    commands.put("ps", ContainerListCommand.class);
    commands.put("inspect", InspectCommand.class);
    commands.put("fs", FsCommand.class);
    commands.put("cp", CopyCommand.class);
    commands.put("diff", DiffCommand.class);
    commands.put("commit", CommitCommand.class);
    commands.put("mount", MountCommand.class);
    commands.put("umount", UmountCommand.class);
    commands.put("export", ContainerExportCommand.class);
    commands.put("rm", ContainerRemoveCommand.class);
    commands.put("container", ContainerCommand.class);
    commands.put("volume", VolumeCommand.class);
    commands.put("system", SystemCommand.class);
    commands.put("builder", BuilderCommand.class);
    commands.put("gc", GcCommand.class);
    commands.put("fsck", FsckCommand.class);
    commands.put("driver", DriverCommand.class);
    commands.put("push", PushCommand.class);
    commands.put("pull", PullCommand.class);
    commands.put("save", SaveCommand.class);
    commands.put("load", LoadCommand.class);
    commands.put("version", VersionCommand.class);
    commands.put("completion", CompletionCommand.class);
    commands.put("__complete", NamesCommand.class);
    COMMANDS = Collections.unmodifiableMap(commands);
  }

  /**
   * The subcommands of each group, in the order of its help. Here rather than in the groups'
   * annotations, where picocli would build them all, so that a run builds only the one it names.
   */
  static final Map<Class<?>, List<Class<?>>> GROUPS;

  static {
    Map<Class<?>, List<Class<?>>> groups = new LinkedHashMap<>();
    groups.put(
        BlobCommand.class,
        List.of(
            BlobPutCommand.class,
            BlobGetCommand.class,
            BlobStatCommand.class,
            BlobListCommand.class,
            BlobRemoveCommand.class));
    groups.put(
        ImageCommand.class,
        List.of(
            ImageImportCommand.class,
            ImageExportCommand.class,
            ImageListCommand.class,
            ImageHistoryCommand.class,
            InspectCommand.class,
            ImageTagCommand.class,
            ImageRemoveCommand.class,
            ImagePruneCommand.class));
    groups.put(
        ContainerCommand.class,
        List.of(
            CreateCommand.class,
            InspectCommand.class,
            DiffCommand.class,
            CommitCommand.class,
            ContainerExportCommand.class,
            ContainerRemoveCommand.class,
            ContainerPruneCommand.class));
    groups.put(
        DriverCommand.class,
        List.of(
            DriverCommand.ListCommand.class,
            DriverPropertyCommands.Get.class,
            DriverPropertyCommands.Set.class,
            DriverPropertyCommands.Show.class,
            DriverPropertyCommands.Du.class,
            DriverPropertyCommands.Snapshot.class,
            DriverPropertyCommands.Delete.class,
            DriverPropertyCommands.Rollback.class,
            DriverPropertyCommands.Sync.class));
    groups.put(
        FsCommand.class,
        List.of(
            FsListCommand.class,
            FsStatCommand.class,
            FsCatCommand.class,
            FsWriteCommand.class,
            FsChangeCommands.Remove.class,
            FsChangeCommands.MakeDirectory.class,
            FsChangeCommands.Move.class,
            FsChangeCommands.Link.class,
            FsChangeCommands.ChangeMode.class,
            FsChangeCommands.Truncate.class));
    groups.put(BuilderCommand.class, List.of(BuilderCommand.Prune.class));
    groups.put(
        SystemCommand.class,
        List.of(SystemCommand.DiskUsageCommand.class, SystemPruneCommand.class));
    groups.put(
        VolumeCommand.class,
        List.of(
            VolumeCommands.Create.class,
            VolumeCommands.ListVolumes.class,
            VolumeCommands.Inspect.class,
            VolumeCommands.Remove.class,
            VolumePruneCommand.class));
    GROUPS = Collections.unmodifiableMap(groups);
  }

  /** {@link #commandOf}'s answer for a run that needs only the names of the commands. */
  static final String NAMES = " names";

  /** The global options that take a value. */
  private static final List<String> VALUED_OPTIONS =
      List.of("--host", "--token-file", "--progress");

  /** The global options that take none. */
  private static final List<String> FLAGS = List.of("--json", "--debug");

  private final Terminal terminal;

  @Spec private CommandSpec spec;

  @Option(
      names = "--host",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      description = "The server; default $STRATA_HOST, else " + DEFAULT_HOST + ".")
  private String host;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "A file holding the server's token; default $STRATA_TOKEN_FILE.")
  private Path tokenFile;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print results as one JSON document.")
  private boolean json;

  @Option(
      names = "--progress",
      paramLabel = "STYLE",
      defaultValue = "auto",
      scope = ScopeType.INHERIT,
      description =
          "Progress of long transfers on stderr: auto (a bar when stderr is a terminal, else"
              + " nothing), plain (a line a second), json (JSON lines) or none.")
  private String progress;

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Show stack traces of failures.")
  private boolean debug;

  StrataCli(Terminal terminal) {
    this.terminal = terminal;
  }

  /**
   * Runs {@code strata} and exits with its exit code, as the jar's entry point {@link Main} does:
   * the commonest read-only commands by the quick path when it takes them (docs/PERF.md, "CLI
   * startup"), anything else by picocli.
   */
  public static void main(String[] args) {
    Main.main(args);
  }

  /** Runs {@code strata} with {@code args} against {@code terminal}; returns the exit code. */
  public static int run(String[] args, Terminal terminal) {
    return run(args, terminal, commandOf(args));
  }

  /** {@link #run(String[], Terminal)} over {@link #commandLine(Terminal, String)}'s tree. */
  static int run(String[] args, Terminal terminal, String only) {
    CommandLine cmd = commandLine(terminal, only, wordAfter(args, only));
    StrataCli cli = cmd.getCommand();
    cmd.setOut(new PrintWriter(terminal.out(), true));
    cmd.setErr(new PrintWriter(terminal.err(), true));
    cmd.setParameterExceptionHandler(
        (e, a) -> {
          String name = FsCommand.helpName(e.getCommandLine().getCommandSpec());
          String message = e.getMessage();
          if (e instanceof UnmatchedArgumentException u
              && !u.getUnmatched().isEmpty()
              && !u.getUnmatched().get(0).startsWith("-")
              && !e.getCommandLine().getSubcommands().isEmpty()) {
            message = "unknown command '" + u.getUnmatched().get(0) + "' for '" + name + "'";
          }
          List<String> suggestions =
              e instanceof UnmatchedArgumentException u ? u.getSuggestions() : List.of();
          return Failure.usage(terminal, name, message, suggestions, List.of(a).contains("--json"));
        });
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) ->
            e instanceof UsageError
                ? Failure.usage(
                    terminal,
                    FsCommand.helpName(c.getCommandSpec()),
                    e.getMessage(),
                    List.of(),
                    parsed.originalArgs().contains("--json"))
                : cli.report(e));
    int code = cmd.execute(args);
    terminal.out().flush();
    return code;
  }

  /** The command tree of {@code strata} over {@code terminal}, as run and as the manual shows. */
  public static CommandLine commandLine(Terminal terminal) {
    return commandLine(terminal, null);
  }

  /**
   * The command tree with, when {@code only} is not null, no command but {@code only} at the top:
   * picocli reads the annotations of every command it is given, and for the ≈ 60 commands of the
   * whole tree that is most of the startup of a short command (docs/PERF.md, "CLI startup").
   */
  static CommandLine commandLine(Terminal terminal, String only) {
    return commandLine(terminal, only, null);
  }

  /**
   * {@link #commandLine(Terminal, String)} where the group {@code only}, when it is one, has no
   * subcommand but {@code sub} if {@code sub} names one of them.
   */
  static CommandLine commandLine(Terminal terminal, String only, String sub) {
    CommandLine cmd = new CommandLine(new StrataCli(terminal));
    for (Map.Entry<String, Class<?>> c : COMMANDS.entrySet()) {
      if (NAMES.equals(only)) {
        cmd.addSubcommand(c.getKey(), stub(c.getValue(), c.getKey(), null));
      } else if (only == null || only.equals(c.getKey())) {
        cmd.addSubcommand(c.getValue());
      }
    }
    if (!NAMES.equals(only)) {
      for (CommandLine c : cmd.getSubcommands().values()) {
        addSubcommands(c, sub);
      }
    }
    dockerNames(cmd, only);
    for (CommandLine c : cmd.getSubcommands().values()) {
      globalOptionsOnlyAtTheTop(c);
    }
    FsCommand.synopsesWithContainer(cmd.getSubcommands().get("fs"));
    return cmd;
  }

  /**
   * Adds its subcommands ({@link #GROUPS}) to {@code group}, when it is a group: only the one
   * {@code word} names, if it names one, else all.
   */
  private static void addSubcommands(CommandLine group, String word) {
    List<Class<?>> subs = GROUPS.get(group.getCommandSpec().userObject().getClass());
    if (subs == null) {
      return;
    }
    List<Class<?>> named = new ArrayList<>();
    if (word != null) {
      for (Class<?> s : subs) {
        Command a = s.getAnnotation(Command.class);
        if (a.name().equals(word) || List.of(a.aliases()).contains(word)) {
          named.add(s);
        }
      }
      if (group.getCommandSpec().userObject() instanceof ContainerCommand
          && List.of("ls", "ps", "list").contains(word)) {
        return; // dockerNames adds container ls
      }
    }
    for (Class<?> s : named.isEmpty() ? subs : named) {
      group.addSubcommand(s);
    }
  }

  /** The argument after the first {@code word} in {@code args}, or null. */
  static String wordAfter(String[] args, String word) {
    for (int i = 0; word != null && i < args.length - 1; i++) {
      if (args[i].equals(word)) {
        return args[i + 1];
      }
    }
    return null;
  }

  /**
   * docker's names for commands that Strata files elsewhere: {@code images} ({@code image ls}),
   * {@code rmi} ({@code image rm}), {@code tag} ({@code image tag}) and {@code container ls}
   * ({@code ps}).
   */
  private static void dockerNames(CommandLine cmd, String only) {
    if (NAMES.equals(only)) {
      cmd.addSubcommand("images", stub(ImageListCommand.class, "images", new String[0]));
      cmd.addSubcommand("rmi", stub(ImageRemoveCommand.class, "rmi", null));
      cmd.addSubcommand("tag", stub(ImageTagCommand.class, "tag", null));
      cmd.setAbbreviatedSubcommandsAllowed(false);
      return;
    }
    if (only == null || only.equals("images")) {
      CommandLine images = new CommandLine(new ImageListCommand());
      images.getCommandSpec().name("images").aliases(new String[0]); // not image ls's "list"
      cmd.addSubcommand("images", images);
    }
    if (only == null || only.equals("rmi")) {
      CommandLine rmi = new CommandLine(new ImageRemoveCommand());
      rmi.getCommandSpec().name("rmi");
      cmd.addSubcommand("rmi", rmi);
    }
    if (only == null || only.equals("tag")) {
      CommandLine tag = new CommandLine(new ImageTagCommand());
      tag.getCommandSpec().name("tag");
      cmd.addSubcommand("tag", tag);
    }
    if (cmd.getSubcommands().containsKey("container")) {
      CommandLine ls = new CommandLine(new ContainerListCommand());
      ls.getCommandSpec().name("ls").aliases("ps", "list");
      cmd.getSubcommands().get("container").addSubcommand("ls", ls);
    }
    cmd.setAbbreviatedSubcommandsAllowed(false);
  }

  /**
   * A command that only shows in the list of {@code strata --help} and in the suggestions for a
   * mistyped one: {@code type}'s name, aliases (unless given), header, description and whether it
   * is hidden, without its options and subcommands.
   */
  private static CommandLine stub(Class<?> type, String name, String[] aliases) {
    Command a = type.getAnnotation(Command.class);
    CommandSpec spec =
        CommandSpec.create().name(name).aliases(aliases != null ? aliases : a.aliases());
    spec.usageMessage().header(a.header()).description(a.description()).hidden(a.hidden());
    return new CommandLine(spec);
  }

  /**
   * The top-level command {@code args} run, when they run one that needs no other: the first word
   * after nothing but global options. Null (the whole tree) for the top's own options ({@code
   * --help}, {@code --version}), a word that is no command (its error suggests the others), and
   * {@code completion}, which describes them all. Empty, no command, for a lone {@code --version};
   * {@link #NAMES}, the commands' names and descriptions only, for {@code --help} as the last
   * argument and for a first word that is no command (its error suggests others).
   */
  static String commandOf(String[] args) {
    if (args.length == 1 && List.of("-V", "--version").contains(args[0])) {
      return ""; // no command at all
    }
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (VALUED_OPTIONS.contains(a)) {
        i++;
      } else if (!FLAGS.contains(a)
          && VALUED_OPTIONS.stream().noneMatch(o -> a.startsWith(o + "="))) {
        boolean command = List.of("images", "rmi", "tag").contains(a) || COMMANDS.containsKey(a);
        if (command) {
          return List.of("completion", "__complete").contains(a) ? null : a;
        }
        boolean lastIsHelp = i == args.length - 1 && List.of("-h", "--help").contains(a);
        return lastIsHelp || !a.startsWith("-") ? NAMES : null;
      }
    }
    return null;
  }

  /**
   * Keeps the global options ({@code --host}, {@code --json}, ...) out of the help of {@code sub}
   * and the commands under it, as docker lists them once, in {@code strata --help}: each inherited
   * copy is replaced by a hidden one bound to the same field, so they are still accepted after the
   * command. {@code -V}/{@code --version}, which each command's standard help options add, goes: a
   * command has no version of its own, so it printed nothing and exited 0 (Z11 in
   * docs/ADVERSARIAL.md); {@code strata -V} and {@code strata version} say it.
   */
  private static void globalOptionsOnlyAtTheTop(CommandLine sub) {
    CommandSpec spec = sub.getCommandSpec();
    for (OptionSpec o : List.copyOf(spec.options())) {
      if (o.versionHelp()) {
        spec.remove(o);
      } else if (o.inherited() && !o.hidden()) {
        spec.remove(o);
        spec.addOption(OptionSpec.builder(o).hidden(true).scopeType(ScopeType.LOCAL).build());
      }
    }
    for (CommandLine s : sub.getSubcommands().values()) {
      globalOptionsOnlyAtTheTop(s);
    }
  }

  /** Without a command: show the usage, as a usage error. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required");
  }

  private int report(Exception e) {
    return Failure.report(e, terminal, json, debug);
  }

  /** {@link Failure#print} under this run's {@code --json}. */
  void printError(String message, Status status, int exitCode) {
    Failure.print(terminal, json, message, status, exitCode);
  }

  /** The terminal of this run. */
  Terminal terminal() {
    return terminal;
  }

  /** The {@code --progress} style. */
  String progress() {
    if (!List.of("auto", "plain", "json", "none").contains(progress)) {
      throw new ParameterException(
          spec.commandLine(), "--progress " + progress + ": expected auto, plain, json or none");
    }
    return progress;
  }

  /** Whether to print JSON. */
  boolean json() {
    return json;
  }

  /** Prints {@code value} as indented JSON on stdout. */
  void printJson(Object value) {
    terminal.out().println(Template.pretty(value));
  }

  /** Connects to the server the options and the environment name. */
  StrataClient connect() throws IOException {
    HostPort target;
    try {
      target = Connect.target(host, terminal.env());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--host: " + e.getMessage());
    }
    return Connect.client(target, tokenFile, terminal.env(), false);
  }

  /** The version {@code strata --version} prints. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "strata " + io.strata.protocol.BuildInfo.CURRENT.describe(VersionCommand.clientVersion())
      };
    }
  }
}
