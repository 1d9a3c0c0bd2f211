package io.strata.store.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Property tests: a check run over generated inputs, and on failure the input shrunk to a simpler
 * one that still fails, reported with the seed that reproduces the run.
 *
 * <p>Each check first meets every edge case of every parameter ({@link Gen#edgeCases}) — each one
 * with the other parameters random, then all parameters at their first edge case (the minimums),
 * then all at their last (the maximums) — and then {@code tries} random inputs. Everything comes
 * from one seed: random per run, so that runs keep exploring, or fixed with {@code -Dstrata.seed=N}
 * (which Maven passes to the tests). A failing input is shrunk one parameter at a time, taking the
 * first simpler value ({@link Gen#shrink}) that still fails the same way, until none does or
 * {@value #MAX_SHRINK_RUNS} runs or {@link #SHRINK_BUDGET} are spent. The error names the property,
 * the seed, the case, the input and the shrunk input, and has the shrunk input's failure as its
 * cause and the original one as suppressed.
 *
 * <p>Why our own rather than a library: jqwik's author asks, since 1.10, that AI coding agents not
 * use it, and agents work on this code; QuickTheories and junit-quickcheck are unmaintained; Jazzer
 * is a coverage-guided fuzzer with a native agent, heavier than these checks need. What the checks
 * here need — seeded generators, edge cases, a greedy shrink — fits in two small classes over JUnit
 * and the JDK's {@link SplittableRandom}.
 */
public final class Property {
  /** The system property that fixes the seed: {@code -Dstrata.seed=42} (or hex, 0x2a). */
  public static final String SEED = "strata.seed";

  static final int MAX_SHRINK_RUNS = 400;
  static final Duration SHRINK_BUDGET = Duration.ofSeconds(60);

  private Property() {}

  /** A check of one input. */
  @FunctionalInterface
  public interface Check1<A> {
    void check(A a) throws Throwable;
  }

  /** A check of two inputs. */
  @FunctionalInterface
  public interface Check2<A, B> {
    void check(A a, B b) throws Throwable;
  }

  /** A check of three inputs. */
  @FunctionalInterface
  public interface Check3<A, B, C> {
    void check(A a, B b, C c) throws Throwable;
  }

  /** A check of four inputs. */
  @FunctionalInterface
  public interface Check4<A, B, C, D> {
    void check(A a, B b, C c, D d) throws Throwable;
  }

  /** Checks {@code check} over the edge cases of {@code a} and {@code tries} random values. */
  public static <A> void forAll(int tries, Gen<A> a, Check1<A> check) {
    run(tries, List.of(a), v -> check.check(cast(v.get(0))));
  }

  /** As above, over two parameters. */
  public static <A, B> void forAll(int tries, Gen<A> a, Gen<B> b, Check2<A, B> check) {
    run(tries, List.of(a, b), v -> check.check(cast(v.get(0)), cast(v.get(1))));
  }

  /** As above, over three parameters. */
  public static <A, B, C> void forAll(
      int tries, Gen<A> a, Gen<B> b, Gen<C> c, Check3<A, B, C> check) {
    run(tries, List.of(a, b, c), v -> check.check(cast(v.get(0)), cast(v.get(1)), cast(v.get(2))));
  }

  /** As above, over four parameters. */
  public static <A, B, C, D> void forAll(
      int tries, Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Check4<A, B, C, D> check) {
    run(
        tries,
        List.of(a, b, c, d),
        v -> check.check(cast(v.get(0)), cast(v.get(1)), cast(v.get(2)), cast(v.get(3))));
  }

  /** The seed of this run: {@value #SEED} if set, else a random one. */
  static long seed() {
    String fixed = System.getProperty(SEED);
    return fixed == null || fixed.isBlank()
        ? ThreadLocalRandom.current().nextLong()
        : Long.decode(fixed.strip());
  }

  @FunctionalInterface
  interface Body {
    void run(List<Object> values) throws Throwable;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  static void run(int tries, List<Gen<?>> gens, Body body) {
    run(seed(), tries, gens, body);
  }

  static void run(long seed, int tries, List<Gen<?>> gens, Body body) {
    String name = caller();
    SplittableRandom base = new SplittableRandom(seed);
    List<List<Object>> edges = edgeCases(gens, base.split());
    int total = edges.size() + tries;
    for (int i = 0; i < total; i++) {
      // One split per case whether or not it is used, so case i is the same for a given seed.
      SplittableRandom r = base.split();
      List<Object> input = i < edges.size() ? edges.get(i) : random(gens, r);
      Throwable failure = attempt(body, input);
      if (failure != null) {
        String which =
            i < edges.size()
                ? "edge case " + (i + 1) + " of " + edges.size()
                : "try " + (i - edges.size() + 1) + " of " + tries;
        throw report(name, seed, which, gens, body, input, failure);
      }
    }
  }

  /** Each edge case of each parameter with the others random; then all first, then all last. */
  private static List<List<Object>> edgeCases(List<Gen<?>> gens, SplittableRandom r) {
    List<List<Object>> out = new ArrayList<>();
    for (int p = 0; p < gens.size(); p++) {
      for (Object e : gens.get(p).edgeCases()) {
        List<Object> input = random(gens, r);
        input.set(p, e);
        out.add(input);
      }
    }
    if (gens.size() > 1) {
      List<Object> first = random(gens, r);
      List<Object> last = random(gens, r);
      for (int p = 0; p < gens.size(); p++) {
        List<?> e = gens.get(p).edgeCases();
        if (!e.isEmpty()) {
          first.set(p, e.get(0));
          last.set(p, e.get(e.size() - 1));
        }
      }
      out.add(first);
      out.add(last);
    }
    return out;
  }

  private static List<Object> random(List<Gen<?>> gens, SplittableRandom r) {
    List<Object> out = new ArrayList<>(gens.size());
    for (Gen<?> g : gens) {
      out.add(g.next(r));
    }
    return out;
  }

  private static Throwable attempt(Body body, List<Object> input) {
    try {
      body.run(List.copyOf(input));
      return null;
    } catch (VirtualMachineError e) {
      throw e; // out of memory or stack: no state to shrink in
    } catch (Throwable t) {
      return t;
    }
  }

  private static AssertionError report(
      String name,
      long seed,
      String which,
      List<Gen<?>> gens,
      Body body,
      List<Object> input,
      Throwable failure) {
    List<Object> shrunk = new ArrayList<>(input);
    Throwable last = failure;
    int steps = 0;
    int runs = 0;
    long deadline = System.nanoTime() + SHRINK_BUDGET.toNanos();
    boolean progress = true;
    search:
    while (progress) {
      progress = false;
      for (int p = 0; p < gens.size(); p++) {
        boolean again = true;
        while (again) {
          again = false;
          for (Object candidate : shrinkOf(gens.get(p), shrunk.get(p))) {
            if (runs >= MAX_SHRINK_RUNS || System.nanoTime() > deadline) {
              break search;
            }
            List<Object> trial = new ArrayList<>(shrunk);
            trial.set(p, candidate);
            runs++;
            Throwable t = attempt(body, trial);
            if (t != null && t.getClass() == failure.getClass()) {
              shrunk = trial;
              last = t;
              steps++;
              progress = true;
              again = true;
              break;
            }
          }
        }
      }
    }
    String message =
        String.format(
            "%s failed on %s%n  seed:   %d (rerun: -D%s=%d)%n  input:  %s%n  shrunk: %s"
                + " (%d steps in %d runs)%n  %s",
            name, which, seed, SEED, seed, show(input), show(shrunk), steps, runs, last);
    AssertionError error = new AssertionError(message, last);
    if (last != failure) {
      error.addSuppressed(failure);
    }
    return error;
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> shrinkOf(Gen<T> gen, Object value) {
    return gen.shrink((T) value);
  }

  static String show(List<Object> values) {
    return values.stream().map(Property::show).collect(Collectors.joining(", ", "(", ")"));
  }

  private static String show(Object v) {
    if (v instanceof String s) {
      StringBuilder b = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
          b.append(c);
        } else {
          b.append(String.format("\\u%04x", (int) c));
        }
      }
      return b.append('"').toString();
    }
    if (v instanceof byte[] b) {
      return Arrays.toString(b);
    }
    return String.valueOf(v);
  }

  /** The test method that called {@code forAll}. */
  private static String caller() {
    return StackWalker.getInstance()
        .walk(
            s ->
                s.filter(f -> !f.getClassName().equals(Property.class.getName()))
                    .findFirst()
                    .map(f -> simpleName(f.getClassName()) + "." + f.getMethodName())
                    .orElse("property"));
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
