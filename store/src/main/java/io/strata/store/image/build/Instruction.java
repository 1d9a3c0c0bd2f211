package io.strata.store.image.build;

import java.util.List;

/**
 * One Dockerfile instruction.
 *
 * @param keyword the instruction, upper case
 * @param args what follows it, continuation lines joined
 * @param json the arguments when given in JSON (exec) form, else null
 * @param line the line it starts on
 */
record Instruction(String keyword, String args, List<String> json, int line) {
  /** As Docker's classic builder prints it after {@code Step I/N : }. */
  String text() {
    return keyword + " " + args;
  }
}
