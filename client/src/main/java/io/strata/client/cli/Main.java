package io.strata.client.cli;

/**
 * The entry point of {@code strata.jar}: the quick path ({@link QuickCommand}) when it takes the
 * arguments, else {@link StrataCli}. A class of its own because the JVM's launcher, to find {@code
 * main}, loads the types in the signatures of all of its class's methods, and {@link StrataCli}'s
 * name picocli's: the quick path would load picocli before it starts.
 */
public final class Main {
  private Main() {}

  /** Runs {@code strata} and exits with its exit code. */
  public static void main(String[] args) {
    Terminal terminal = Terminal.system();
    int code = QuickCommand.run(args, terminal);
    if (code == QuickCommand.NOT_MINE) {
      code = StrataCli.run(args, terminal);
    }
    System.exit(Stdout.checked(terminal, code));
  }
}
